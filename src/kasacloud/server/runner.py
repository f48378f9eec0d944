"""Running the app on uvicorn: one listening socket per region, one server, one event loop.

uvicorn times out idle keep-alive connections and can cap concurrency, but it has no deadline for
a request's headers or body: a client that opens a connection and sends nothing, or half a
header, or a body one byte a minute, holds it for ever. :func:`read_deadlines` wraps uvicorn's own
HTTP protocol class (httptools' or h11's) with those deadlines and a header size cap, rather than
moving to another server: uvicorn is what Starlette apps usually run on, and the wrapper is small
and tested (tests/server/test_server_timeouts.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn

from kasacloud.server.app import create_app
from kasacloud.server.config import ServerConfig
from kasacloud.server.service import CloudService

log = logging.getLogger("kasacloud.server.http")


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def bind_regions(
    service: CloudService,
    host: str,
    first_port: int,
    public_urls: dict[str, str] | None = None,
) -> list[socket.socket]:
    """Bind one socket per region (ports ``first_port``, +1, ...; all free ones for port 0).

    Sets the service's port-to-region map and each region's public URL (``public_urls`` where
    given, else ``http://host:port``).

    Raises:
        OSError: a port is taken or the address cannot be bound.
    """
    sockets: list[socket.socket] = []
    try:
        for i, region in enumerate(service.config.regions):
            sock = bind(host, first_port + i if first_port else 0)
            sockets.append(sock)
            port = sock.getsockname()[1]
            service.port_regions[port] = region
            shown = f"[{host}]" if ":" in host else host
            service.region_urls[region] = (public_urls or {}).get(region) or (
                f"http://{shown}:{port}"
            )
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class _Server(uvicorn.Server):
    """uvicorn's server, but Ctrl-C and SIGTERM end it cleanly, with exit status 0.

    uvicorn re-raises a caught signal after its graceful shutdown, which turns Ctrl-C into a
    KeyboardInterrupt and SIGTERM into death by signal before the store is closed.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def _uvicorn_protocol() -> type[asyncio.Protocol]:
    """Uvicorn's fast HTTP protocol (httptools) where installed, else its pure-Python one."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools comes with uvicorn[standard]
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return H11Protocol
    return HttpToolsProtocol


def read_deadlines(config: ServerConfig, base: type[asyncio.Protocol] | None = None) -> type[Any]:
    """Uvicorn's HTTP protocol class with read deadlines and a header size cap.

    - headers: a request's headers must be complete ``header_timeout_s`` after the connection
      opened, or after the previous answer on it (uvicorn's keep-alive timeout closes an idle
      connection earlier; this one also catches a request that trickles in);
    - body: the whole body must arrive within ``body_timeout_s`` of its headers;
    - headers over ``max_header_bytes`` close the connection.

    A connection only notes the times (two clock reads per request); one sweep per event loop,
    every quarter of the shorter deadline (at most a second), cuts the overdue ones. A timer per
    connection armed and cancelled twice per request cost a fifth of a passthrough's CPU. So a
    connection is cut up to a sweep interval after its deadline.

    Both of uvicorn's protocol classes share what this relies on: ``connection_made``,
    ``data_received``, ``on_response_complete``, ``connection_lost``, and a ``cycle`` with
    ``more_body`` and ``response_complete``.
    """
    parent: Any = base or _uvicorn_protocol()
    header_timeout_s = config.header_timeout_s
    body_timeout_s = config.body_timeout_s
    max_header_bytes = config.max_header_bytes
    sweep_every_s = min(1.0, max(0.05, min(header_timeout_s, body_timeout_s) / 4))
    # The open connections of each event loop, and that loop's pending sweep.
    live: dict[asyncio.AbstractEventLoop, set[Any]] = {}
    sweeps: dict[asyncio.AbstractEventLoop, asyncio.TimerHandle] = {}

    def sweep(loop: asyncio.AbstractEventLoop) -> None:
        connections = live.get(loop)
        if not connections:  # the last one closed: no timer left behind
            live.pop(loop, None)
            sweeps.pop(loop, None)
            return
        now = loop.time()
        for connection in list(connections):
            connection._check(now)
        sweeps[loop] = loop.call_later(sweep_every_s, sweep, loop)

    class WithReadDeadlines(parent):  # type: ignore[misc]
        _waiting_since = 0.0
        _headers_at = 0.0
        _header_bytes = 0
        _seen_cycle: Any = None

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self._idle()
            live.setdefault(self.loop, set()).add(self)
            if self.loop not in sweeps:
                sweeps[self.loop] = self.loop.call_later(sweep_every_s, sweep, self.loop)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            cycle: Any = self.cycle
            if cycle is not None and cycle is not self._seen_cycle:
                self._seen_cycle = cycle  # a new request's headers are complete
                self._headers_at = self.loop.time()
                self._header_bytes = 0
            elif _waiting_for_headers(cycle):
                self._header_bytes += len(data)
                if self._header_bytes > max_header_bytes:
                    self._cut("its request headers are larger than %d bytes", max_header_bytes)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._idle()

        def connection_lost(self, exc: Exception | None) -> None:
            connections = live.get(self.loop)
            if connections is not None:
                connections.discard(self)
            super().connection_lost(exc)

        def _idle(self) -> None:
            """Now waiting for a request's headers."""
            self._waiting_since = self.loop.time()
            self._header_bytes = 0

        def _check(self, now: float) -> None:
            if self.transport.is_closing():
                return
            cycle: Any = self.cycle
            if _waiting_for_headers(cycle):
                if now - self._waiting_since >= header_timeout_s:
                    self._cut("its request headers took more than %.1f s", header_timeout_s)
            elif cycle.more_body and now - self._headers_at >= body_timeout_s:
                self._cut("its request body took more than %.1f s", body_timeout_s)
            # else the app is answering: on_response_complete starts the next wait

        def _cut(self, why: str, limit: float) -> None:
            client = self.client[0] if self.client else "?"
            log.debug("closed a connection from %s: " + why, client, limit)
            self.transport.close()

    def _waiting_for_headers(cycle: Any) -> bool:
        # An answer may complete before its request's body has (a 413 refuses it unread): the
        # rest of that body is still the old request's, under its body deadline.
        return cycle is None or (cycle.response_complete and not cycle.more_body)

    WithReadDeadlines.__name__ = WithReadDeadlines.__qualname__ = f"{parent.__name__}WithDeadlines"
    return WithReadDeadlines


def make_server(service: CloudService, *, access_log: bool = False) -> uvicorn.Server:
    """A uvicorn server for the service's app.

    uvicorn's own access log is off: it prints the query string, which may carry a token. So are
    its proxy headers: by default uvicorn believes ``X-Forwarded-For`` from 127.0.0.1, which would
    let any local client choose the address that login protection counts; the app reads the
    header itself, from ``ServerConfig.trusted_proxies`` only.
    """
    settings = service.config
    config = uvicorn.Config(
        create_app(service),
        http=read_deadlines(settings),
        log_config=None,
        access_log=access_log,
        proxy_headers=False,
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=5,
        timeout_keep_alive=settings.keep_alive_timeout_s,  # type: ignore[arg-type]
        limit_concurrency=settings.max_connections,
    )
    return _Server(config)
