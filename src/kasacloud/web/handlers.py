"""What the dashboard answers when a request fails: one exception handler per error class.

Request handlers do not catch errors to build error pages: they raise (or let the library raise),
and the handlers here turn each class of error into the right answer for who asked:

- the page's script (it asks for JSON) gets ``{"error": sentence}`` with the status, plus the
  device's fresh HTML when the request was a device action (``request.state.redraw``);
- a plain form (POST) lands back where it came from, with the sentence shown there;
- a page (GET) is an error page with the status (a real 404 for a device not on the account).

Every message is a sentence for people (:mod:`kasacloud.web.messages`); tracebacks go to the log.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from kasacloud.client.errors import (
    InvalidArgumentError,
    KasaCloudError,
    NotFoundError,
    TokenExpiredError,
)
from kasacloud.web import devices as device_ops
from kasacloud.web.dashboard import dashboard_of, wants_json
from kasacloud.web.errors import (
    NOT_ON_ACCOUNT,
    NOT_SIGNED_IN,
    SERVER_ERROR,
    InvalidValue,
    NotSignedIn,
    WebError,
)
from kasacloud.web.messages import SESSION_ENDED, human_message
from kasacloud.web.sessions import SESSION_COOKIE, WebSession

log = logging.getLogger("kasacloud.web")


# -- context set by request handlers, read by the exception handlers ----------------------------


def current_session(request: Request) -> WebSession | None:
    """The request's session: the one the ``signed_in`` check found, else the cookie's."""
    session = getattr(request.state, "session", None)
    if isinstance(session, WebSession):
        return session
    return dashboard_of(request).sessions.get(request.cookies.get(SESSION_COOKIE))


def _device_name(request: Request) -> str | None:
    session = current_session(request)
    device_id = getattr(request.state, "device_id", None)
    if session is None or not isinstance(device_id, str):
        return None
    return device_ops.name_of(session, device_id)


def back_path(request: Request) -> str:
    """Where a plain form lands after it is done: the page it came from, if it is ours."""
    back = getattr(request.state, "back", None)
    if isinstance(back, str) and back.startswith("/") and not back.startswith("//"):
        return back
    return "/"


Redraw = Callable[[], Awaitable[str]]


async def error_response(
    request: Request, message: str, *, status_code: int, heading: str = "Something went wrong"
) -> Response:
    """The answer to a failed request, as the caller wants it (JSON, form redirect, page)."""
    session = current_session(request)
    if wants_json(request):
        payload: dict[str, Any] = {"error": message}
        redraw: Redraw | None = getattr(request.state, "redraw", None)
        if redraw is not None and session is not None and session.signed_in:
            # The device's real state after the failure, so the page does not show a stale one.
            with contextlib.suppress(Exception):
                payload["html"] = await redraw()
        return JSONResponse(payload, status_code=status_code)
    if session is not None and request.method == "POST" and status_code not in (401, 403):
        session.flash.append(("error", message))
        return RedirectResponse(back_path(request), status_code=303)
    return dashboard_of(request).render(
        request,
        "error.html",
        {"heading": heading, "message": message},
        session=session,
        status_code=status_code,
    )


# -- the handlers ---------------------------------------------------------------------------------


async def on_web_error(request: Request, error: Exception) -> Response:
    """Our own refusals (bad input, no CSRF token, no such device)."""
    assert isinstance(error, WebError)
    return await error_response(
        request,
        error.sentence(_device_name(request)),
        status_code=error.status_code,
        heading=error.heading,
    )


async def on_not_signed_in(request: Request, error: Exception) -> Response:
    """To the sign-in page (or 401 for the script, which goes there itself)."""
    if wants_json(request):
        return JSONResponse({"error": NOT_SIGNED_IN}, status_code=401)
    return RedirectResponse("/signin", status_code=303)


async def on_session_ended(request: Request, error: Exception) -> Response:
    """The cloud no longer accepts this session's tokens: sign out, and say so."""
    session = current_session(request)
    if session is not None:
        await dashboard_of(request).sessions.sign_out(session)
        session.flash.append(("error", SESSION_ENDED))
    if wants_json(request):
        return JSONResponse({"error": SESSION_ENDED}, status_code=401)
    return RedirectResponse("/signin", status_code=303)


async def on_invalid_argument(request: Request, error: Exception) -> Response:
    """The library refused a value before sending it (out of the device's range)."""
    assert isinstance(error, InvalidArgumentError)
    detail = error.message or str(error)
    return await error_response(
        request, InvalidValue(detail).sentence(_device_name(request)), status_code=400
    )


async def on_not_found(request: Request, error: Exception) -> Response:
    """The cloud says the device is gone: a 404 page, or a sentence for a control."""
    if request.method == "GET" and not wants_json(request):
        return await error_response(
            request, NOT_ON_ACCOUNT, status_code=404, heading="No such device"
        )
    message = human_message(error, device_name=_device_name(request))
    return await error_response(request, message, status_code=404, heading="No such device")


async def on_cloud_error(request: Request, error: Exception) -> Response:
    """Any other library error (device offline, cloud unreachable): 502 with a sentence."""
    log_error(request.url.path, error)
    message = human_message(error, device_name=_device_name(request))
    return await error_response(request, message, status_code=502)


async def on_http_error(request: Request, error: Exception) -> Response:
    """Starlette's own (no such page, wrong method): the error page, or JSON for the script."""
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        message, heading = "There is no such page on this dashboard.", "Page not found"
    elif error.status_code == 405:
        message, heading = "That address does not take this kind of request.", "Not allowed"
    else:
        message, heading = str(error.detail), "Something went wrong"
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=error.status_code)
    response = dashboard_of(request).render(
        request,
        "error.html",
        {"heading": heading, "message": message},
        session=None,
        status_code=error.status_code,
    )
    if error.headers:
        response.headers.update(error.headers)
    return response


async def on_server_error(request: Request, error: Exception) -> Response:
    """A bug: log it, and show a plain message (never a traceback) to the browser."""
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    if wants_json(request):
        return JSONResponse({"error": SERVER_ERROR}, status_code=500)
    html = (
        dashboard_of(request)
        .templates.get_template("error.html")
        .render(
            heading="Something went wrong",
            message=SERVER_ERROR,
            csrf_token="",
            email=None,
            flash=[],
            request=request,
        )
    )
    return HTMLResponse(html, status_code=500)


def log_error(what: str, error: Exception) -> None:
    """Log a failure without risking a secret in the log.

    The library's errors never carry secrets; anything else is logged by type only, as its text
    could (in a bug) quote a request.
    """
    if isinstance(error, KasaCloudError):
        log.warning("%s failed: %r", what, error)
    else:
        log.warning("%s failed: %s", what, type(error).__name__, exc_info=error)


Handler = Callable[[Request, Exception], Awaitable[Response]]

# Most specific first is not needed: Starlette picks the handler of the nearest class in the MRO.
EXCEPTION_HANDLERS: Mapping[Any, Handler] = {
    NotSignedIn: on_not_signed_in,
    WebError: on_web_error,
    TokenExpiredError: on_session_ended,
    InvalidArgumentError: on_invalid_argument,
    NotFoundError: on_not_found,
    KasaCloudError: on_cloud_error,
    HTTPException: on_http_error,
    Exception: on_server_error,
}
"""``exception_handlers`` for :class:`starlette.applications.Starlette`."""
