"""Sign-in, sessions and CSRF: the ``signed_in`` decorator and the sign-in pages.

The browser holds only a random session id (see :mod:`kasacloud.web.sessions`). Every request
handler that needs an account is wrapped in :func:`signed_in`, which finds the session or raises
:class:`~kasacloud.web.errors.NotSignedIn`; every state-changing one reads its form through
:func:`csrf_form`, which raises :class:`~kasacloud.web.errors.CsrfRefused` unless the form carries
the session's token and comes from this dashboard's own pages.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from kasacloud.client import KasaCloud
from kasacloud.client.errors import AuthenticationError, RateLimitedError, VerificationRequired
from kasacloud.web import devices as device_ops
from kasacloud.web.dashboard import Dashboard, dashboard_of
from kasacloud.web.errors import CSRF_REFUSED, CsrfRefused, NotSignedIn
from kasacloud.web.handlers import error_response, log_error
from kasacloud.web.messages import sign_in_message, verification_message
from kasacloud.web.sessions import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    PendingSignIn,
    WebSession,
)

SignedInHandler = Callable[[Request, WebSession], Awaitable[Response]]


def session_of(request: Request) -> WebSession | None:
    """The browser's live session (signed in or not), or ``None``."""
    return dashboard_of(request).sessions.get(request.cookies.get(SESSION_COOKIE))


def signed_in(handler: SignedInHandler) -> Callable[[Request], Awaitable[Response]]:
    """Make ``handler(request, session)`` a route that needs a signed-in session.

    Without one the browser is sent to sign in (the page's script gets a 401). The session is also
    kept in ``request.state.session`` for the exception handlers.
    """

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        session = session_of(request)
        if session is None or not session.signed_in:
            raise NotSignedIn
        request.state.session = session
        return await handler(request, session)

    return endpoint


async def checked_form(request: Request, session: WebSession) -> FormData | None:
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


async def csrf_form(request: Request, session: WebSession) -> FormData:
    """The request's form; raises :class:`CsrfRefused` without the right token and origin."""
    form = await checked_form(request, session)
    if form is None:
        raise CsrfRefused
    return form


def set_session_cookie(dashboard: Dashboard, response: Response, session: WebSession) -> None:
    """Give the browser the session's id (HttpOnly, SameSite=Lax; Secure behind HTTPS)."""
    response.set_cookie(
        SESSION_COOKIE,
        session.id,
        httponly=True,
        samesite="lax",
        secure=dashboard.secure_cookies,
        path="/",
    )


# -- sign-in ---------------------------------------------------------------------------------------


def _signin_form(
    request: Request,
    session: WebSession,
    *,
    error: str | None = None,
    email: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    dashboard = dashboard_of(request)
    return dashboard.render(
        request,
        "signin.html",
        {
            "error": error,
            "email_value": email,
            "signin_hint": dashboard.signin_hint,
            "cloud_name": dashboard.cloud_name,
        },
        session=session,
        status_code=status_code,
    )


async def signin_page(request: Request) -> Response:
    """``GET /signin``: the e-mail and password form."""
    session = session_of(request)
    if session is not None and session.signed_in:
        return RedirectResponse("/", status_code=303)
    if session is not None and session.pending is not None:
        return RedirectResponse("/signin/verify", status_code=303)
    if session is not None:
        return _signin_form(request, session)
    dashboard = dashboard_of(request)
    session = await dashboard.sessions.create()
    response = _signin_form(request, session)
    set_session_cookie(dashboard, response, session)
    return response


async def signin(request: Request) -> Response:
    """``POST /signin``: first step; on to the code page when the account asks for one."""
    dashboard = dashboard_of(request)
    session = session_of(request)
    if session is None:
        # The cookie is missing (expired, or cookies are off): start over with a fresh form.
        session = await dashboard.sessions.create()
        response = _signin_form(
            request, session, error="Your sign-in form expired. Please try again.", status_code=403
        )
        set_session_cookie(dashboard, response, session)
        return response
    form = await checked_form(request, session)
    if form is None:
        return _signin_form(request, session, error=CSRF_REFUSED, status_code=403)
    email = str(form.get("email") or "").strip()
    password = str(form.get("password") or "")
    if not email or not password:
        return _signin_form(
            request,
            session,
            error="Enter your e-mail address and your password.",
            email=email,
            status_code=400,
        )
    await dashboard.sessions.sign_out(session)
    client = device_ops.new_client(dashboard.cloud_url, dashboard.protocol)
    try:
        await device_ops.login(client, email, password)
    except VerificationRequired as needed:
        session.pending = PendingSignIn(email=email, client=client, challenge=needed.challenge)
        await dashboard.sessions.holds_client(session)
        return RedirectResponse("/signin/verify", status_code=303)
    except Exception as error:  # every failure becomes a message on the form
        await device_ops.close_client(client)
        log_error("sign-in", error)
        return _signin_form(
            request,
            session,
            error=sign_in_message(error),
            email=email,
            status_code=_sign_in_status(error),
        )
    return await _finish_signin(dashboard, session, email, client)


async def _finish_signin(
    dashboard: Dashboard, session: WebSession, email: str, client: KasaCloud
) -> Response:
    # A new id on sign-in: an id planted before (session fixation) is worth nothing after.
    session = await dashboard.sessions.rotate(session)
    session.client = client
    session.email = email
    session.pending = None
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(dashboard, response, session)
    return response


def _verify_form(
    request: Request, session: WebSession, *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    assert session.pending is not None
    by_email = bool(getattr(session.pending.challenge, "by_email", True))
    sent = (
        f"We sent a code to {session.pending.email}."
        if by_email
        else "A code was sent to the Kasa app on your phone."
    )
    return dashboard_of(request).render(
        request,
        "verify.html",
        {"error": error, "sent_text": sent},
        session=session,
        status_code=status,
    )


async def verify_page(request: Request) -> Response:
    """``GET /signin/verify``: the verification-code form."""
    session = session_of(request)
    if session is None or session.pending is None:
        return RedirectResponse("/signin", status_code=303)
    return _verify_form(request, session)


async def verify(request: Request) -> Response:
    """``POST /signin/verify``: second step, with the code the user received."""
    session = session_of(request)
    if session is None or session.pending is None:
        return RedirectResponse("/signin", status_code=303)
    form = await checked_form(request, session)
    if form is None:
        return _verify_form(request, session, error=CSRF_REFUSED, status=403)
    code = str(form.get("code") or "").strip().replace(" ", "")
    if not code:
        return _verify_form(request, session, error="Enter the code you received.", status=400)
    pending = session.pending
    try:
        await device_ops.verify_login(pending.client, pending.challenge, code)
    except Exception as error:  # every failure becomes a message on the form
        log_error("verification", error)
        return _verify_form(
            request,
            session,
            error=verification_message(error),
            status=_sign_in_status(error),
        )
    return await _finish_signin(dashboard_of(request), session, pending.email, pending.client)


async def cancel_signin(request: Request) -> Response:
    """``POST /signin/cancel``: forget a sign-in waiting for its code."""
    session = session_of(request)
    if session is not None and await checked_form(request, session) is not None:
        await dashboard_of(request).sessions.sign_out(session)
    return RedirectResponse("/signin", status_code=303)


async def signout(request: Request) -> Response:
    """``POST /signout``: close the session's client and forget the session."""
    session = session_of(request)
    if session is None:
        return RedirectResponse("/signin", status_code=303)
    if await checked_form(request, session) is None:
        return await error_response(
            request, CSRF_REFUSED, status_code=403, heading=CsrfRefused.heading
        )
    await dashboard_of(request).sessions.discard(session)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


routes = [
    Route("/signin", signin_page, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signin/verify", verify_page, methods=["GET"]),
    Route("/signin/verify", verify, methods=["POST"]),
    Route("/signin/cancel", cancel_signin, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
]
"""The sign-in routes."""


def _sign_in_status(error: Exception) -> int:
    """401 for a refused sign-in, 429 while the cloud slows this address down, else 502."""
    if isinstance(error, AuthenticationError):
        return 401
    return 429 if isinstance(error, RateLimitedError) else 502
