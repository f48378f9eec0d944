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

from kasacloud.client.errors import InvalidArgumentError
from kasacloud.client.home import EnergyPrice, Home, HomeStore, account_key
from kasacloud.protocol import families
from kasacloud.web import devices as device_ops
from kasacloud.web.errors import HomeUnreadable
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
        home_file: Path | None = None,
        history_file: Path | None = None,
    ) -> None:
        self.cloud_url = cloud_url
        self.protocol = protocol
        self.poll_interval_s = poll_interval_s
        self.signin_hint = signin_hint
        self.secure_cookies = secure_cookies
        self.price_per_kwh = price_per_kwh
        self.currency = currency
        self.home_store = HomeStore(home_file) if home_file is not None else None
        """The CLI's ``home.json`` (rooms, scenes, price), shared with ``kasacloud group``."""
        self.history_file = history_file
        """The agent's energy history (SQLite), read when it exists."""
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

    def _account(self, session: WebSession) -> str:
        # The same key the CLI uses (e-mail and cloud), so both see one account's rooms.
        return account_key(self.cloud_url, session.email or "")

    def load_home(self, session: WebSession) -> Home:
        """The signed-in account's rooms, scenes and price, as the CLI keeps them.

        Read at every request, not cached: a ``kasacloud group add`` in a terminal shows on the
        next page load.
        """
        if self.home_store is None or not session.email:
            return Home()
        try:
            return self.home_store.load(self._account(session))
        except InvalidArgumentError as error:
            raise HomeUnreadable(error.message or str(error)) from None
        except (ValueError, TypeError, KeyError, AttributeError):
            # Valid JSON of the wrong shape (an edited file): a sentence, not a 500.
            path = self.home_store.path
            raise HomeUnreadable(f"{path} is not a kasacloud home file") from None

    def save_home(self, session: WebSession, home: Home) -> None:
        """Keep the account's rooms, scenes and price (the other accounts' are kept as they are)."""
        if self.home_store is None or not session.email:
            raise HomeUnreadable("this dashboard was started without a home file")
        try:
            self.home_store.save(self._account(session), home)
        except InvalidArgumentError as error:
            raise HomeUnreadable(error.message or str(error)) from None
        except OSError as error:
            raise HomeUnreadable(f"cannot write {self.home_store.path}: {error.strerror}") from None

    def price_for(self, session: WebSession) -> EnergyPrice | None:
        """The price of a kWh: ``create_app(price_per_kwh=...)``, else ``kasacloud price``'s."""
        if self.price_per_kwh is not None:
            return EnergyPrice(self.price_per_kwh, self.currency)
        try:
            return self.load_home(session).price
        except HomeUnreadable:
            return None  # no cost is better than no chart

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
