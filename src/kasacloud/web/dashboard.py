"""The dashboard's shared state (configuration, sessions, templates) and how pages are rendered.

One :class:`Dashboard` per application, kept in ``app.state.dashboard``; request handlers reach it
with :func:`dashboard_of`. It holds no request handler itself: those live by concern in
:mod:`~kasacloud.web.auth`, :mod:`~kasacloud.web.device_routes` and
:mod:`~kasacloud.web.energy_routes`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from kasacloud.protocol import families
from kasacloud.web import devices as device_ops
from kasacloud.web.sessions import SessionStore, WebSession
from kasacloud.web.views import DeviceView

HERE = Path(__file__).parent


class Dashboard:
    """The dashboard's configuration, its sessions and its templates."""

    def __init__(
        self,
        cloud_url: str | None,
        *,
        protocol: str | None,
        poll_interval_s: float,
        signin_hint: str | None,
        secure_cookies: bool,
        max_anonymous_sessions: int = 1000,
        max_signed_in_sessions: int = 200,
        price_per_kwh: float | None = None,
        currency: str = "",
    ) -> None:
        self.cloud_url = cloud_url
        self.protocol = protocol
        self.poll_interval_s = poll_interval_s
        self.signin_hint = signin_hint
        self.secure_cookies = secure_cookies
        self.price_per_kwh = price_per_kwh
        self.currency = currency
        self.sessions = SessionStore(
            closer=device_ops.close_client,
            max_anonymous=max_anonymous_sessions,
            max_signed_in=max_signed_in_sessions,
        )
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.globals["alias_max"] = families.ALIAS_MAX_CHARS

    @property
    def poll_ms(self) -> int:
        """The page's polling interval, for ``data-poll-ms``."""
        return round(self.poll_interval_s * 1000)

    @property
    def cloud_name(self) -> str | None:
        """The cloud's host, shown on the sign-in page (``None``: TP-Link's own)."""
        if self.cloud_url is None:
            return None
        return urlsplit(self.cloud_url).netloc or self.cloud_url

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any],
        *,
        session: WebSession | None,
        status_code: int = 200,
    ) -> HTMLResponse:
        """A page from ``templates/name``, with the session's CSRF token, e-mail and messages."""
        base: dict[str, Any] = {
            "csrf_token": session.csrf_token if session else "",
            "email": session.email if session and session.signed_in else None,
            "flash": session.take_flash() if session else [],
        }
        base.update(context)
        return self.templates.TemplateResponse(request, name, base, status_code=status_code)

    def fragment(self, request: Request, name: str, **context: Any) -> str:
        """A part of a page (a tile, a device panel) as HTML, for the page's script to swap in."""
        return self.templates.get_template(name).render(request=request, **context)

    def tile_html(self, request: Request, session: WebSession, device: DeviceView) -> str:
        """One device's tile."""
        return self.fragment(request, "_tile.html", d=device, csrf_token=session.csrf_token)


def dashboard_of(request: Request) -> Dashboard:
    """The :class:`Dashboard` of the application serving ``request``."""
    return cast(Dashboard, request.app.state.dashboard)


def wants_json(request: Request) -> bool:
    """Whether to answer JSON: the page's script asks for it, and ``GET /api/...`` always is."""
    if "application/json" in request.headers.get("accept", ""):
        return True
    return request.method == "GET" and request.url.path.startswith("/api/")
