"""The HTTP face of the cloud: a Starlette app with two routes.

- ``POST /``: the V1 envelope. Without ``X-Authorization`` it is a V1 call; with it, a signed V2
  device call, whose ``Content-MD5`` and signature are verified first.
- ``POST /api/v2/account/{call}``: V2 account calls; a valid signature is always required.
- ``POST /api/v2/common/passthrough``: SMART device calls (signed), :mod:`kasacloud.server.smart`.

Errors are answered as the real cloud answers them: HTTP 200 with ``error_code`` and ``msg``.
Nothing a client sends gets a 5xx or a traceback: bodies are decoded within limits
(:mod:`kasacloud.protocol.wirejson`), and :class:`NoServerErrors` turns any exception a handler
still raises into a -1 answer and one log line, keeping the connection open.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kasacloud import _json as fast_json
from kasacloud.protocol import assumptions, envelope, signing, wirejson
from kasacloud.protocol.errors import ErrorCode
from kasacloud.server import apps, smart, v1, v2
from kasacloud.server.calls import Call
from kasacloud.server.service import CloudService

log = logging.getLogger("kasacloud.server.http")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


_NO_QUERY = QueryParams()


class _TooLarge(Exception):
    pass


class NoServerErrors:
    """ASGI middleware: an exception escaping a handler becomes a -1 answer, not a 500.

    Starlette answers an unhandled exception with a 500 and a traceback in the log, and uvicorn
    then drops the connection without ``Connection: close``, so a keep-alive client's next call
    fails too. Here the client gets the cloud's error shape on a connection that stays usable,
    and the log gets one line naming the exception (its stack only at DEBUG).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; answer -1 for whatever it raises before its answer started."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # the last line of defence: every failure is answered
            log.error(
                "%s %s failed: %s: %s",
                scope.get("method"),
                scope.get("path"),
                type(exc).__name__,
                str(exc)[:200],
            )
            log.debug("stack of that failure", exc_info=True)
            if started:
                return  # part of an answer went out: nothing sensible can follow it
            answer = JSONResponse(envelope.failure(ErrorCode.UNKNOWN))
            await answer(scope, receive, send)


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refusing (early) anything over ``limit`` bytes.

    Read from the ASGI messages directly: Starlette's ``request.stream()`` is an async
    generator, a few microseconds per call that a passthrough feels.

    Raises:
        _TooLarge: the body (or its declared length) is over ``limit``.
        ClientDisconnect: the client went away before the body was complete.
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    receive = request.receive
    body = b""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect
        chunk: bytes = message.get("body", b"")
        body += chunk
        if len(body) > limit:
            raise _TooLarge
        if not message.get("more_body", False):
            return body


def _json(body: dict[str, Any]) -> Response:
    return Response(fast_json.dumps(body), media_type="application/json")


def _call(service: CloudService, request: Request, signed_by: signing.AppKey | None = None) -> Call:
    server = request.scope.get("server")
    port = server[1] if server else None
    # Most calls have no query string: skip parsing one (a few percent of a passthrough).
    query = request.query_params if request.scope.get("query_string") else _NO_QUERY
    app = apps.app_of(signed_by, query)
    return Call(service, service.region_for_port(port), query, _peer(request), app)


def _peer(request: Request) -> str:
    """The client's address: the TCP peer, or what a trusted proxy says it forwarded for."""
    peer = request.client.host if request.client else "?"
    trusted = request.app.state.trusted_proxies
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    # Right to left: each trusted proxy appended the address it got the request from; the first
    # untrusted one is the client. What is left of it, the client wrote itself.
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a proxy would not append that: believe nothing more
        if not _is_trusted(hop, trusted):
            return hop
    return peer


def _is_trusted(address: str, trusted: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in trusted)


def trusted_networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Parse ``ServerConfig.trusted_proxies`` (addresses or networks).

    Raises:
        ValueError: an entry is neither, saying which.
    """
    networks: list[IPNetwork] = []
    for entry in proxies:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"trusted proxy {entry!r} is not an IP address or network (e.g. 10.0.0.0/8)"
            ) from None
    return tuple(networks)


async def _read(request: Request, service: CloudService) -> tuple[bytes | None, Response | None]:
    try:
        return await _body(request, service.config.max_body_bytes), None
    except _TooLarge:
        peer = _peer(request)
        log.info("refused a request on %s from %s: body too large", request.url.path, peer)
        status = assumptions.OVERSIZED_BODY_HTTP_STATUS
        failure = envelope.failure(ErrorCode.JSON_FORMAT, "Request body too large")
        return None, JSONResponse(failure, status_code=status)
    except ClientDisconnect:
        # The client went away (or the body read timed out): nobody is left to answer.
        return None, Response(status_code=400)


def _verify(
    request: Request, body: bytes, service: CloudService
) -> tuple[signing.AppKey | None, Response | None]:
    """The app whose key signed the request (its nonce first seen), or the refusal to answer."""
    try:
        verified = signing.check(request.headers, body, request.url.path, service.config.app_keys)
    except signing.SignatureError as exc:
        log.info("refused a V2 request on %s from %s: %s", request.url.path, _peer(request), exc)
        return None, _json(
            envelope.failure(assumptions.SIGNATURE_ERROR_CODE, assumptions.SIGNATURE_ERROR_MESSAGE)
        )
    if not service.nonces.first_use(verified.nonce):
        log.info("refused a replayed V2 request on %s from %s", request.url.path, _peer(request))
        return None, _json(
            envelope.failure(assumptions.SIGNATURE_ERROR_CODE, assumptions.REPLAYED_NONCE_MESSAGE)
        )
    return verified.app, None


def _parse(request: Request, body: bytes) -> tuple[object, Response | None]:
    """The decoded body, or the -10100 answer saying what is wrong with it."""
    try:
        return wirejson.loads(body), None
    except wirejson.WireJSONError as exc:
        log.info("refused a request on %s from %s: %s", request.url.path, _peer(request), exc)
        msg = f"JSON format error: {exc}"
        return None, _json(envelope.failure(assumptions.MALFORMED_BODY_CODE, msg))


async def root(request: Request) -> Response:
    """``POST /``: a V1 call, or (with ``X-Authorization``) a signed V2 device call."""
    service: CloudService = request.app.state.service
    body, refused = await _read(request, service)
    if refused is not None or body is None:
        return refused or Response(status_code=400)
    signed = signing.AUTHORIZATION_HEADER in request.headers
    signed_by = None
    if signed:
        signed_by, bad = _verify(request, body, service)
        if bad is not None:
            return bad
    payload, malformed = _parse(request, body)
    if malformed is not None:
        return malformed
    started = time.perf_counter()
    answer = await v1.dispatch(_call(service, request, signed_by), payload)
    if log.isEnabledFor(logging.DEBUG):  # the arguments cost more than the check
        method = payload.get("method") if isinstance(payload, dict) else None
        log.debug(
            "%s %s -> %s in %.1f ms",
            "V2" if signed else "V1",
            method if isinstance(method, str) and method in v1.METHODS else "?",
            answer.get("error_code"),
            (time.perf_counter() - started) * 1000,
        )
    return _json(answer)


async def _signed(request: Request) -> tuple[Call, object] | Response:
    """A signed V2 request read, verified and parsed: its call and payload, or the refusal."""
    service: CloudService = request.app.state.service
    body, refused = await _read(request, service)
    if refused is not None or body is None:
        return refused or Response(status_code=400)
    signed_by, bad = _verify(request, body, service)
    if bad is not None:
        return bad
    payload, malformed = _parse(request, body)
    if malformed is not None:
        return malformed
    return _call(service, request, signed_by), payload


async def account_call(request: Request) -> Response:
    """``POST /api/v2/account/{call}``: a signed V2 account call."""
    signed = await _signed(request)
    if isinstance(signed, Response):
        return signed
    call, payload = signed
    return _json(await v2.dispatch(call, request.path_params["call"], payload))


async def common_passthrough(request: Request) -> Response:
    """``POST /api/v2/common/passthrough``: a signed SMART device call."""
    signed = await _signed(request)
    if isinstance(signed, Response):
        return signed
    call, payload = signed
    return _json(await smart.common_passthrough(call, payload))


class CloudApp:
    """The cloud's ASGI app: ``POST /`` goes straight to :func:`root`, the rest through the router.

    Nearly every call a client makes is a ``POST /`` (login, listing, every V1 passthrough), and
    Starlette's router and exception middleware cost about as much as the whole answer of a
    simulated device. That one route skips them; :class:`NoServerErrors` around the whole app
    still answers whatever it raises.
    """

    def __init__(self, routes: Starlette) -> None:
        self.routes = routes
        self.state = routes.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection scope."""
        if scope["type"] == "http" and scope["path"] == "/" and scope["method"] == "POST":
            scope["app"] = self.routes  # what Request.app reads (the state lives there)
            response = await root(Request(scope, receive))
            await response(scope, receive, send)
            return
        await self.routes(scope, receive, send)


def create_app(service: CloudService) -> NoServerErrors:
    """The ASGI app serving ``service`` (every region: the local port says which)."""
    routes = Starlette(
        routes=[
            Route("/", root, methods=["POST"]),
            Route("/api/v2/account/{call}", account_call, methods=["POST"]),
            Route(assumptions.TAPO_PASSTHROUGH_PATH, common_passthrough, methods=["POST"]),
        ],
    )
    routes.state.service = service
    routes.state.trusted_proxies = trusted_networks(service.config.trusted_proxies)
    return NoServerErrors(CloudApp(routes))
