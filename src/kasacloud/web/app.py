"""The dashboard's Starlette application: sign-in, the device tiles, controls and energy charts.

A thin layer over the client library. Each browser session holds its own signed-in
:class:`kasacloud.KasaCloud` on the server (see :mod:`kasacloud.web.sessions`); the browser only
ever sees a random session id and a CSRF token. Plain HTML forms work without JavaScript; with it,
``static/app.js`` posts the same forms with ``fetch`` and swaps in the tile the server re-renders.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kasacloud.client.errors import (
    AuthenticationError,
    InvalidArgumentError,
    KasaCloudError,
    NotFoundError,
    TokenExpiredError,
    VerificationRequired,
)
from kasacloud.client.home import EnergyPrice, HomeStore, account_key
from kasacloud.web import devices as device_ops
from kasacloud.web.charts import bar_chart
from kasacloud.web.messages import (
    SESSION_ENDED,
    human_message,
    sign_in_message,
    verification_message,
)
from kasacloud.web.sessions import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    PendingSignIn,
    SessionStore,
    WebSession,
)
from kasacloud.web.views import (
    DeviceView,
    format_energy,
    group_devices,
    hex_to_hue_saturation,
    summary_text,
)

log = logging.getLogger(__name__)

HERE = Path(__file__).parent

CSRF_REFUSED = (
    "This request was refused because it did not carry the page's security token. "
    "Reload the page and try again."
)
NOT_SIGNED_IN = "You are not signed in (or your session ended). Please sign in."

# No inline script or style anywhere, so the policy can be strict: a script injected into a device
# name (which the templates escape anyway) would still not run.
_SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
        b"object-src 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)


class SecurityHeaders:
    """ASGI middleware adding the security headers above to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in {name for name, _ in _SECURITY_HEADERS}
                ]
                is_static = scope.get("path", "").startswith("/static/")
                for name, value in _SECURITY_HEADERS:
                    # Static files may be cached; everything else holds account data.
                    if is_static and name == b"cache-control":
                        value = b"private, max-age=300"
                    headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_loopback_host(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


class LoopbackHostGuard:
    """ASGI middleware that answers only requests addressed to a loopback name.

    When the dashboard listens on 127.0.0.1 a page on another site could still reach it through
    DNS rebinding (a name of theirs that resolves to 127.0.0.1); such a request carries their
    name in ``Host``, and is refused here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a request whose ``Host`` is not a loopback name."""
        if scope["type"] == "http":
            host = ""
            for key, value in scope.get("headers", []):
                if key == b"host":
                    host = value.decode("latin-1")
                    break
            hostname = urlsplit(f"//{host}").hostname or ""
            if not _is_loopback_host(hostname):
                response = Response(
                    "This dashboard answers only on 127.0.0.1 or localhost.",
                    status_code=421,
                    media_type="text/plain",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


class Dashboard:
    """The dashboard's state (configuration, sessions, templates) and its request handlers."""

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
        home_file: Path | None = None,
    ) -> None:
        self.cloud_url = cloud_url
        self.home_file = home_file
        self.protocol = protocol
        self.poll_interval_s = poll_interval_s
        self.signin_hint = signin_hint
        self.secure_cookies = secure_cookies
        self.sessions = SessionStore(
            closer=device_ops.close_client,
            max_anonymous=max_anonymous_sessions,
            max_signed_in=max_signed_in_sessions,
        )
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))

    # -- sessions and CSRF -------------------------------------------------------------------

    def _session(self, request: Request) -> WebSession | None:
        return self.sessions.get(request.cookies.get(SESSION_COOKIE))

    def _set_cookie(self, response: Response, session: WebSession) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            session.id,
            httponly=True,
            samesite="lax",
            secure=self.secure_cookies,
            path="/",
        )

    async def _check_csrf(self, request: Request, session: WebSession) -> FormData | None:
        """The request's form if its CSRF token and origin are right, else ``None``."""
        origin = request.headers.get("origin")
        if origin and origin != "null":
            host = request.headers.get("host", "")
            if urlsplit(origin).netloc != host:
                return None
        form = await request.form()
        token = request.headers.get(CSRF_HEADER)
        if token is None:
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
        return form if session.check_csrf(token) else None

    def _render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any],
        *,
        session: WebSession | None,
        status_code: int = 200,
    ) -> HTMLResponse:
        base: dict[str, Any] = {
            "csrf_token": session.csrf_token if session else "",
            "email": session.email if session and session.signed_in else None,
            "flash": session.take_flash() if session else [],
        }
        base.update(context)
        return self.templates.TemplateResponse(request, name, base, status_code=status_code)

    def _error(
        self,
        request: Request,
        session: WebSession | None,
        message: str,
        *,
        status_code: int,
        heading: str = "Something went wrong",
        device: DeviceView | None = None,
    ) -> Response:
        if _wants_json(request):
            payload: dict[str, Any] = {"error": message}
            if device is not None and session is not None:
                payload["html"] = self._tile_html(request, session, device)
            return JSONResponse(payload, status_code=status_code)
        if session is not None and status_code not in (401, 403):
            # A plain form: back to the dashboard, with the message on it.
            session.flash.append(("error", message))
            return RedirectResponse("/", status_code=303)
        return self._render(
            request,
            "error.html",
            {"heading": heading, "message": message},
            session=session,
            status_code=status_code,
        )

    async def _signed_in(self, request: Request) -> WebSession | Response:
        """The signed-in session, or the response that sends the browser to sign in."""
        session = self._session(request)
        if session is not None and session.signed_in:
            return session
        if _wants_json(request):
            return JSONResponse({"error": NOT_SIGNED_IN}, status_code=401)
        return RedirectResponse("/signin", status_code=303)

    async def _session_ended(self, request: Request, session: WebSession) -> Response:
        """The cloud no longer accepts this session's tokens: sign out, and say so."""
        await self.sessions.sign_out(session)
        session.flash.append(("error", SESSION_ENDED))
        if _wants_json(request):
            return JSONResponse({"error": SESSION_ENDED}, status_code=401)
        return RedirectResponse("/signin", status_code=303)

    # -- sign-in -----------------------------------------------------------------------------

    async def signin_page(self, request: Request) -> Response:
        """``GET /signin``: the e-mail and password form."""
        session = self._session(request)
        if session is not None and session.signed_in:
            return RedirectResponse("/", status_code=303)
        if session is not None and session.pending is not None:
            return RedirectResponse("/signin/verify", status_code=303)
        new = session is None
        if session is None:
            session = await self.sessions.create()
        response = self._signin_response(request, session)
        if new:
            self._set_cookie(response, session)
        return response

    def _signin_response(
        self,
        request: Request,
        session: WebSession,
        *,
        error: str | None = None,
        email: str = "",
        status_code: int = 200,
    ) -> HTMLResponse:
        return self._render(
            request,
            "signin.html",
            {
                "error": error,
                "email_value": email,
                "signin_hint": self.signin_hint,
                "cloud_name": self._cloud_name(),
            },
            session=session,
            status_code=status_code,
        )

    def _cloud_name(self) -> str | None:
        if self.cloud_url is None:
            return None
        return urlsplit(self.cloud_url).netloc or self.cloud_url

    async def signin(self, request: Request) -> Response:
        """``POST /signin``: first step; on to the code page when the account asks for one."""
        session = self._session(request)
        if session is None:
            # The cookie is missing (expired, or cookies are off): start over with a fresh form.
            session = await self.sessions.create()
            response = self._signin_response(
                request,
                session,
                error="Your sign-in form expired. Please try again.",
                status_code=403,
            )
            self._set_cookie(response, session)
            return response
        form = await self._check_csrf(request, session)
        if form is None:
            return self._signin_response(request, session, error=CSRF_REFUSED, status_code=403)
        email = str(form.get("email") or "").strip()
        password = str(form.get("password") or "")
        if not email or not password:
            return self._signin_response(
                request,
                session,
                error="Enter your e-mail address and your password.",
                email=email,
                status_code=400,
            )
        await self.sessions.sign_out(session)
        client = device_ops.new_client(self.cloud_url, self.protocol)
        try:
            await device_ops.login(client, email, password)
        except VerificationRequired as needed:
            session.pending = PendingSignIn(email=email, client=client, challenge=needed.challenge)
            await self.sessions.holds_client(session)
            return RedirectResponse("/signin/verify", status_code=303)
        except Exception as error:  # every failure becomes a message on the form
            await device_ops.close_client(client)
            self._log_error("sign-in", error)
            return self._signin_response(
                request,
                session,
                error=sign_in_message(error),
                email=email,
                status_code=401 if isinstance(error, AuthenticationError) else 502,
            )
        return await self._finish_signin(session, email, client)

    async def _finish_signin(self, session: WebSession, email: str, client: Any) -> Response:
        # A new id on sign-in: an id planted before (session fixation) is worth nothing after.
        session = await self.sessions.rotate(session)
        session.client = client
        session.email = email
        session.pending = None
        response = RedirectResponse("/", status_code=303)
        self._set_cookie(response, session)
        return response

    async def verify_page(self, request: Request) -> Response:
        """``GET /signin/verify``: the verification-code form."""
        session = self._session(request)
        if session is None or session.pending is None:
            return RedirectResponse("/signin", status_code=303)
        return self._verify_response(request, session)

    def _verify_response(
        self, request: Request, session: WebSession, *, error: str | None = None, status: int = 200
    ) -> HTMLResponse:
        assert session.pending is not None
        by_email = bool(getattr(session.pending.challenge, "by_email", True))
        sent = (
            f"We sent a code to {session.pending.email}."
            if by_email
            else "A code was sent to the Kasa app on your phone."
        )
        return self._render(
            request,
            "verify.html",
            {"error": error, "sent_text": sent},
            session=session,
            status_code=status,
        )

    async def verify(self, request: Request) -> Response:
        """``POST /signin/verify``: second step, with the code the user received."""
        session = self._session(request)
        if session is None or session.pending is None:
            return RedirectResponse("/signin", status_code=303)
        form = await self._check_csrf(request, session)
        if form is None:
            return self._verify_response(request, session, error=CSRF_REFUSED, status=403)
        code = str(form.get("code") or "").strip().replace(" ", "")
        if not code:
            return self._verify_response(
                request, session, error="Enter the code you received.", status=400
            )
        pending = session.pending
        try:
            await device_ops.verify_login(pending.client, pending.challenge, code)
        except Exception as error:  # every failure becomes a message on the form
            self._log_error("verification", error)
            return self._verify_response(
                request,
                session,
                error=verification_message(error),
                status=401 if isinstance(error, AuthenticationError) else 502,
            )
        return await self._finish_signin(session, pending.email, pending.client)

    async def cancel_signin(self, request: Request) -> Response:
        """``POST /signin/cancel``: forget a sign-in waiting for its code."""
        session = self._session(request)
        if session is not None and await self._check_csrf(request, session) is not None:
            await self.sessions.sign_out(session)
        return RedirectResponse("/signin", status_code=303)

    async def signout(self, request: Request) -> Response:
        """``POST /signout``: close the session's client and forget the session."""
        session = self._session(request)
        if session is None:
            return RedirectResponse("/signin", status_code=303)
        if await self._check_csrf(request, session) is None:
            return self._error(
                request, session, CSRF_REFUSED, status_code=403, heading="Request refused"
            )
        await self.sessions.discard(session)
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
        return response

    # -- devices -----------------------------------------------------------------------------

    def _tile_html(self, request: Request, session: WebSession, device: DeviceView) -> str:
        template = self.templates.get_template("_tile.html")
        return template.render(d=device, csrf_token=session.csrf_token, request=request)

    async def dashboard(self, request: Request) -> Response:
        """``GET /``: every device as a tile, grouped."""
        session = await self._signed_in(request)
        if isinstance(session, Response):
            return session
        try:
            views = await device_ops.read_all(session)
        except TokenExpiredError:
            return await self._session_ended(request, session)
        except Exception as error:  # shown as a message, the page still renders
            self._log_error("device list", error)
            session.flash.append(("error", human_message(error)))
            views = []
        return self._render(
            request,
            "dashboard.html",
            {
                "groups": group_devices(views),
                "summary": summary_text(views),
                "poll_ms": round(self.poll_interval_s * 1000),
            },
            session=session,
        )

    async def api_devices(self, request: Request) -> Response:
        """``GET /api/devices``: every device's view as JSON (the page polls it for live power)."""
        session = await self._signed_in(request)
        if isinstance(session, Response):
            return session
        try:
            views = await device_ops.read_all(session)
        except TokenExpiredError:
            return await self._session_ended(request, session)
        except Exception as error:
            self._log_error("device list", error)
            return JSONResponse({"error": human_message(error)}, status_code=502)
        return JSONResponse(
            {"devices": [v.to_json() for v in views], "summary": summary_text(views)}
        )

    async def tile(self, request: Request) -> Response:
        """``GET /devices/{id}/tile``: one tile's HTML (the page's script swaps it in)."""
        session = await self._signed_in(request)
        if isinstance(session, Response):
            return session
        device_id = request.path_params["device_id"]
        try:
            view = await device_ops.read_one(session, device_id)
        except TokenExpiredError:
            return await self._session_ended(request, session)
        except Exception as error:
            return self._error(request, session, human_message(error), status_code=502)
        return HTMLResponse(self._tile_html(request, session, view))

    async def _device_action(
        self,
        request: Request,
        action: Callable[[WebSession, str, FormData], Awaitable[None]],
    ) -> Response:
        """Run a state-changing action on a device: CSRF check, errors as messages, fresh tile."""
        session = await self._signed_in(request)
        if isinstance(session, Response):
            return session
        form = await self._check_csrf(request, session)
        if form is None:
            return self._error(
                request, session, CSRF_REFUSED, status_code=403, heading="Request refused"
            )
        device_id = request.path_params["device_id"]
        status = 200
        message: str | None = None
        try:
            await action(session, device_id, form)
        except TokenExpiredError:
            return await self._session_ended(request, session)
        except (ValueError, InvalidArgumentError) as error:
            status = 400
            message = device_ops.describe_invalid(session, device_id, error)
        except NotFoundError as error:
            return self._error(
                request,
                session,
                human_message(error, device_name=device_ops.name_of(session, device_id)),
                status_code=404,
            )
        except Exception as error:  # every failure becomes a message
            self._log_error("device action", error)
            status = 502
            message = human_message(error, device_name=device_ops.name_of(session, device_id))
        try:
            view = await device_ops.read_one(session, device_id)
        except TokenExpiredError:
            return await self._session_ended(request, session)
        except Exception as error:
            if message is None:
                message = human_message(error, device_name=device_ops.name_of(session, device_id))
                status = 502
            view = None
        if message is not None:
            return self._error(request, session, message, status_code=status, device=view)
        if not _wants_json(request):
            return RedirectResponse("/", status_code=303)
        assert view is not None
        return JSONResponse(
            {"device": view.to_json(), "html": self._tile_html(request, session, view)}
        )

    async def toggle(self, request: Request) -> Response:
        """``POST /api/devices/{id}/toggle``: on/off (``on=true|false``, else flip), ``outlet=``."""

        async def act(session: WebSession, device_id: str, form: FormData) -> None:
            on_field = form.get("on")
            on = None if on_field is None else str(on_field).lower() in {"1", "true", "on"}
            outlet = form.get("outlet")
            await device_ops.switch(
                session, device_id, on=on, outlet_id=str(outlet) if outlet else None
            )

        return await self._device_action(request, act)

    async def light(self, request: Request) -> Response:
        """``POST .../light``: ``brightness``, ``color`` (#rrggbb), ``color_temp_k``."""

        async def act(session: WebSession, device_id: str, form: FormData) -> None:
            brightness = _int_field(form, "brightness", "Brightness")
            temp = _int_field(form, "color_temp_k", "Colour temperature")
            color = form.get("color")
            hue_saturation = hex_to_hue_saturation(str(color)) if color else None
            if brightness is None and temp is None and hue_saturation is None:
                raise ValueError("nothing to set")
            await device_ops.set_light(
                session,
                device_id,
                brightness=brightness,
                hue_saturation=hue_saturation,
                color_temp_k=temp,
            )

        return await self._device_action(request, act)

    # -- energy ------------------------------------------------------------------------------

    def _price(self, session: WebSession) -> EnergyPrice | None:
        """The account's energy price, as ``kasacloud price`` keeps it (``None``: no costs)."""
        if self.home_file is None or not session.email:
            return None
        try:
            home = HomeStore(self.home_file).load(account_key(self.cloud_url, session.email))
        except InvalidArgumentError:  # an unreadable home.json: the charts go on without costs
            return None
        return home.price

    async def energy_page(self, request: Request) -> Response:
        """``GET /devices/{id}/energy``: charts of the last 30 days and the last 12 months."""
        session = await self._signed_in(request)
        if isinstance(session, Response):
            return session
        device_id = request.path_params["device_id"]
        try:
            view = await device_ops.read_one(session, device_id)
            days = await device_ops.energy_history(session, device_id, "days")
            months = await device_ops.energy_history(session, device_id, "months")
        except TokenExpiredError:
            return await self._session_ended(request, session)
        except NotFoundError as error:
            return self._error(
                request,
                session,
                human_message(error),
                status_code=404,
                heading="No such device",
            )
        except ValueError as error:
            subject = device_ops.name_of(session, device_id) or "The device"
            return self._error(
                request, session, f"“{subject}” {error}.", status_code=400, heading="Energy history"
            )
        except Exception as error:
            self._log_error("energy history", error)
            name = device_ops.name_of(session, device_id)
            return self._render(
                request,
                "error.html",
                {
                    "heading": "Energy history",
                    "message": human_message(error, device_name=name),
                },
                session=session,
                status_code=502,
            )
        price = self._price(session)
        charts = []
        for slug, title, column, points, every in (
            ("days", "Last 30 days", "Day", days, 5),
            ("months", "Last 12 months", "Month", months, 1),
        ):
            chart = bar_chart([(p.label, p.title, p.energy_kwh) for p in points], label_every=every)
            charts.append(
                {
                    "slug": slug,
                    "title": title,
                    "column": column,
                    "chart": chart,
                    "total_text": format_energy(chart.total),
                    "cost_text": price.text(chart.total) if price is not None else None,
                }
            )
        return self._render(
            request,
            "energy.html",
            {"d": view, "charts": charts, "poll_ms": 0},
            session=session,
        )

    async def api_energy(self, request: Request) -> Response:
        """``GET /api/devices/{id}/energy?period=days|months``: the history as JSON (kWh)."""
        session = await self._signed_in(request)
        if isinstance(session, Response):
            return session
        period = request.query_params.get("period", "days")
        if period not in {"days", "months"}:
            return JSONResponse({"error": "period must be 'days' or 'months'."}, status_code=400)
        device_id = request.path_params["device_id"]
        try:
            points = await device_ops.energy_history(session, device_id, period)
        except TokenExpiredError:
            return await self._session_ended(request, session)
        except ValueError as error:
            subject = device_ops.name_of(session, device_id) or "The device"
            return JSONResponse({"error": f"“{subject}” {error}."}, status_code=400)
        except Exception as error:
            status = 404 if isinstance(error, NotFoundError) else 502
            name = device_ops.name_of(session, device_id)
            return JSONResponse(
                {"error": human_message(error, device_name=name)}, status_code=status
            )
        price = self._price(session)
        rows: list[dict[str, Any]] = [{"key": p.key, "energy_kwh": p.energy_kwh} for p in points]
        body: dict[str, Any] = {"period": period, "unit": "kWh", "points": rows}
        if price is not None:  # as `kasacloud energy` and `export` show it
            for row in rows:
                row["cost"] = price.cost(row["energy_kwh"])
            body.update({"currency": price.currency, "price_per_kwh": price.per_kwh})
        return JSONResponse(body)

    # -- plumbing ----------------------------------------------------------------------------

    def _log_error(self, what: str, error: Exception) -> None:
        # The library's errors never carry secrets; anything else is logged by type only, as its
        # text could (in a bug) quote a request.
        if isinstance(error, KasaCloudError):
            log.warning("%s failed: %r", what, error)
        else:
            log.warning("%s failed: %s", what, type(error).__name__, exc_info=error)

    async def server_error(self, request: Request, error: Exception) -> Response:
        """A bug: log it, and show a plain message (never a traceback) to the browser."""
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
        message = (
            "Something went wrong in the dashboard. Try again; if it keeps happening, see its log."
        )
        if _wants_json(request):
            return JSONResponse({"error": message}, status_code=500)
        return HTMLResponse(
            self.templates.get_template("error.html").render(
                heading="Something went wrong",
                message=message,
                csrf_token="",
                email=None,
                flash=[],
                request=request,
            ),
            status_code=500,
        )

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        """Sign every session out when the server stops, closing their clients."""
        yield
        await self.sessions.close()


def _int_field(form: FormData, name: str, label: str) -> int | None:
    value = form.get(name)
    if value is None or value == "":
        return None
    try:
        return int(float(str(value)))
    except ValueError:
        raise ValueError(f"{label} must be a number") from None


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
    home_file: Path | None = None,
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
        home_file: the CLI's ``home.json`` (:mod:`kasacloud.client.home`): its energy price adds
            costs to the energy page and ``/api/devices/{id}/energy``; ``None``: no costs.

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
        home_file=home_file,
    )
    routes = [
        Route("/", dashboard.dashboard),
        Route("/signin", dashboard.signin_page, methods=["GET"]),
        Route("/signin", dashboard.signin, methods=["POST"]),
        Route("/signin/verify", dashboard.verify_page, methods=["GET"]),
        Route("/signin/verify", dashboard.verify, methods=["POST"]),
        Route("/signin/cancel", dashboard.cancel_signin, methods=["POST"]),
        Route("/signout", dashboard.signout, methods=["POST"]),
        Route("/api/devices", dashboard.api_devices),
        Route("/api/devices/{device_id}/toggle", dashboard.toggle, methods=["POST"]),
        Route("/api/devices/{device_id}/light", dashboard.light, methods=["POST"]),
        Route("/api/devices/{device_id}/energy", dashboard.api_energy),
        Route("/devices/{device_id}/tile", dashboard.tile),
        Route("/devices/{device_id}/energy", dashboard.energy_page),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=dashboard.lifespan,
        exception_handlers={Exception: dashboard.server_error},
    )
    app.state.dashboard = dashboard
    app.add_middleware(SecurityHeaders)
    if loopback_only:
        app.add_middleware(LoopbackHostGuard)
    return app
