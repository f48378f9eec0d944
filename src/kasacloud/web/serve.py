"""Running the dashboard: in the foreground (``kasacloud web``, ``kasacloud demo``) or in a thread.

Example::

    from kasacloud.server import LocalCloud
    from kasacloud.web import DashboardServer

    with LocalCloud() as cloud, DashboardServer(cloud.url) as dashboard:
        print(dashboard.url)             # http://127.0.0.1:<free port>/
"""

from __future__ import annotations

import logging
import socket
import webbrowser
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from kasacloud._background import BackgroundServer
from kasacloud.server.config import ServerConfig
from kasacloud.server.runner import read_deadlines
from kasacloud.web.app import create_app
from kasacloud.web.middleware import is_loopback

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_CONNECTIONS = 500
"""Open connections plus requests being answered past which the dashboard answers HTTP 503."""


def dashboard_url(host: str, port: int) -> str:
    """The URL a browser opens for a dashboard bound to ``host:port``."""
    shown = host
    if host in {"0.0.0.0", "::", ""}:  # noqa: S104 - naming the wildcard, not binding it
        shown = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        shown = f"[{host}]"
    return f"http://{shown}:{port}/"


def _uvicorn_config(
    app: Any, host: str, port: int, max_connections: int | None = DEFAULT_MAX_CONNECTIONS
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        # The server's read deadlines (headers within 10 s, a body within 30 s of them, headers
        # at most 64 KiB): a client that opens connections and sends nothing, or trickles, cannot
        # hold them for ever. With the cap, a flood gets 503 instead of exhausting file handles.
        http=read_deadlines(ServerConfig()),
        limit_concurrency=max_connections,
        log_level="warning",
        # The dashboard's own log lines never hold secrets; uvicorn's access log would print
        # every URL, which is harmless here but noisy in a terminal.
        access_log=False,
        lifespan="on",
        server_header=False,
    )


def serve_dashboard(
    cloud_url: str | None,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    protocol: str | None = None,
    signin_hint: str | None = None,
    poll_interval_s: float = 5.0,
    open_browser: bool = False,
    on_ready: Callable[[str], None] | None = None,
    home_file: Path | None = None,
    history_file: Path | None = None,
    max_connections: int | None = DEFAULT_MAX_CONNECTIONS,
) -> None:
    """Serve the dashboard in the foreground until interrupted (Ctrl-C).

    Args:
        cloud_url: the cloud to sign in to (``None``: TP-Link's own cloud).
        host: the address to listen on; anything but loopback is logged as a warning, and turns
            off the dashboard's loopback-only ``Host`` check.
        port: the port to listen on (0: any free port).
        protocol: ``"v1"`` or ``"v2"`` for the client library; ``None``: its default.
        signin_hint: a line under the sign-in form (``kasacloud demo`` names its account there).
        poll_interval_s: how often the page refreshes power figures.
        open_browser: open the dashboard in the user's browser once it listens.
        on_ready: called with the dashboard's URL once it listens (to print it, say).
        home_file: the rooms, scenes and price shared with the CLI (``None``: the CLI's default).
        history_file: the agent's energy history (``None``: the agent's default).
        max_connections: open connections past which requests get HTTP 503 (``None``: no cap).
    """
    loopback = is_loopback(host)
    if not loopback:
        log.warning(
            "The dashboard listens on %s, not only on this computer: anyone who can reach this "
            "address can try to sign in. Serve it over HTTPS (a reverse proxy) on a network you "
            "do not trust.",
            host,
        )
    app = create_app(
        cloud_url,
        protocol=protocol,
        poll_interval_s=poll_interval_s,
        signin_hint=signin_hint,
        loopback_only=loopback,
        home_file=home_file,
        history_file=history_file,
    )
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    url = dashboard_url(host, bound_port)
    server = _ReadyServer(_uvicorn_config(app, host, bound_port, max_connections))

    def ready() -> None:
        if on_ready is not None:
            on_ready(url)
        if open_browser:
            webbrowser.open(url)

    server.when_started = ready
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


class _ReadyServer(uvicorn.Server):
    """A uvicorn server that calls ``when_started`` once it accepts connections."""

    when_started: Callable[[], None] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self.when_started is not None:
            self.when_started()


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, bound before uvicorn starts so that port 0 gives a known port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class DashboardServer:
    """The dashboard on a free loopback port in a background thread; a context manager.

    Used by the tests, the screenshot script, and anything that wants a dashboard next to
    a :class:`kasacloud.server.LocalCloud`.

    Args:
        cloud_url: the cloud to sign in to.
        port: 0 (default) for any free port.
        max_connections: open connections past which requests get HTTP 503 (``None``: no cap).
        **app_options: passed to :func:`kasacloud.web.create_app`.
    """

    def __init__(
        self,
        cloud_url: str | None,
        *,
        port: int = 0,
        max_connections: int | None = DEFAULT_MAX_CONNECTIONS,
        **app_options: Any,
    ) -> None:
        self.app = create_app(cloud_url, **app_options)
        self._port = port
        self._max_connections = max_connections
        self._server: BackgroundServer | None = None
        self._sock: socket.socket | None = None
        self.url = ""
        """``http://127.0.0.1:<port>/`` once started."""

    def start(self) -> DashboardServer:
        """Start serving; returns once the dashboard accepts connections."""
        self._sock = _bind(DEFAULT_HOST, self._port)
        port = self._sock.getsockname()[1]
        self.url = dashboard_url(DEFAULT_HOST, port)
        server = uvicorn.Server(
            _uvicorn_config(self.app, DEFAULT_HOST, port, self._max_connections)
        )
        self._server = BackgroundServer(server, [self._sock], "kasacloud-dashboard")
        try:
            self._server.start()
        except RuntimeError:
            self.stop()
            raise RuntimeError("the dashboard did not start") from None
        return self

    def stop(self) -> None:
        """Stop serving (signing every session out) and wait for the thread."""
        if self._server is not None:
            self._server.stop()  # closes the socket too
        elif self._sock is not None:
            self._sock.close()
        self._server = None
        self._sock = None

    def __enter__(self) -> DashboardServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
