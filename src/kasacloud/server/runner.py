"""Running the app on uvicorn: one listening socket per region, one server, one event loop."""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
from collections.abc import Iterator

import uvicorn

from kasacloud.server.app import create_app
from kasacloud.server.service import CloudService


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


def make_server(service: CloudService, *, access_log: bool = False) -> uvicorn.Server:
    """A uvicorn server for the service's app.

    uvicorn's own access log is off: it prints the query string, which may carry a token. So are
    its proxy headers: by default uvicorn believes ``X-Forwarded-For`` from 127.0.0.1, which would
    let any local client choose the address that login protection counts; the app reads the
    header itself, from ``ServerConfig.trusted_proxies`` only.
    """
    config = uvicorn.Config(
        create_app(service),
        log_config=None,
        access_log=access_log,
        proxy_headers=False,
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    return _Server(config)
