"""The dashboard's Starlette application: routes, middleware and exception handlers, wired.

A thin layer over the client library. Each browser session holds its own signed-in
:class:`kasacloud.KasaCloud` on the server (see :mod:`kasacloud.web.sessions`); the browser only
ever sees a random session id and a CSRF token. Plain HTML forms work without JavaScript; with it,
``static/app.js`` posts the same forms with ``fetch`` and swaps in the HTML the server re-renders.

The parts, by concern: :mod:`~kasacloud.web.middleware` (security headers, loopback guard),
:mod:`~kasacloud.web.auth` (sign-in, sessions, CSRF, the ``signed_in`` decorator),
:mod:`~kasacloud.web.device_routes`, :mod:`~kasacloud.web.energy_routes`,
:mod:`~kasacloud.web.handlers` (one exception handler per error class) and
:mod:`~kasacloud.web.devices` (every call into the client library).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from kasacloud.agent.config import default_history_path
from kasacloud.cli.settings import default_config_dir
from kasacloud.client.home import HOME_FILE
from kasacloud.web import auth, device_routes, energy_routes, home_routes
from kasacloud.web.dashboard import HERE, Dashboard
from kasacloud.web.handlers import EXCEPTION_HANDLERS
from kasacloud.web.middleware import LoopbackHostGuard, SecurityHeaders


def create_app(
    cloud_url: str | None = None,
    *,
    protocol: str | None = None,
    poll_interval_s: float = 5.0,
    signin_hint: str | None = None,
    loopback_only: bool = True,
    secure_cookies: bool = False,
    max_anonymous_sessions: int = 1000,
    max_signed_in_sessions: int = 200,
    price_per_kwh: float | None = None,
    currency: str = "",
    home_file: Path | None = None,
    history_file: Path | None = None,
) -> Starlette:
    """Build the dashboard as an ASGI application.

    Args:
        cloud_url: the cloud to sign in to: a local kasacloud server's URL, or ``None`` for
            TP-Link's own cloud.
        protocol: ``"v1"`` or ``"v2"``, passed to :class:`kasacloud.KasaCloud`; ``None`` for the
            library's default.
        poll_interval_s: how often the page refreshes power figures and device states.
        signin_hint: a line shown under the sign-in form (the demo names its account there).
        loopback_only: answer only requests addressed to 127.0.0.1, ::1 or localhost (protects a
            dashboard bound to loopback against DNS rebinding); turn off when serving on a LAN.
        secure_cookies: mark the session cookie ``Secure`` (behind an HTTPS proxy).
        max_anonymous_sessions: how many signed-out sessions (sign-in page visits) are kept; the
            least recently used is dropped to make room for a new one.
        max_signed_in_sessions: how many sessions holding a client (signed in, or waiting for a
            verification code) are kept, separately, so that anonymous visits can never push a
            signed-in session out.
        price_per_kwh: the price of a kWh, for the cost shown beside energy totals (``None``: the
            account's price from the home file, ``kasacloud price``; no cost without one).
        currency: the currency's code or sign, shown after a cost (``"EUR"``, ``"€"``).
        home_file: the rooms, scenes and price file shared with the CLI (``kasacloud group``,
            ``scene``, ``price``); ``None``: the CLI's, ``home.json`` in its config dir
            (``$KASACLOUD_CONFIG_DIR`` or the platform's).
        history_file: the energy history ``kasacloud agent`` records (SQLite), offered as
            "Recorded history" on energy pages when it exists; ``None``: the agent's default, in
            the user data dir (``$KASACLOUD_DATA_DIR`` or the platform's).

    >>> app = create_app("http://127.0.0.1:8600")
    >>> sorted(r.path for r in app.routes)[:3]
    ['/', '/api/devices', '/api/devices/{device_id}/energy']
    """
    dashboard = Dashboard(
        cloud_url,
        protocol=protocol,
        poll_interval_s=poll_interval_s,
        signin_hint=signin_hint,
        secure_cookies=secure_cookies,
        max_anonymous_sessions=max_anonymous_sessions,
        max_signed_in_sessions=max_signed_in_sessions,
        price_per_kwh=price_per_kwh,
        currency=currency,
        home_file=home_file or default_config_dir() / HOME_FILE,
        history_file=history_file or default_history_path(),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Sign every session out when the server stops, closing their clients.
        yield
        await dashboard.sessions.close()

    routes: list[BaseRoute] = [
        *device_routes.routes,
        *auth.routes,
        *energy_routes.routes,
        *home_routes.routes,
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers=dict(EXCEPTION_HANDLERS))
    app.state.dashboard = dashboard
    app.add_middleware(SecurityHeaders)
    if loopback_only:
        app.add_middleware(LoopbackHostGuard)
    return app
