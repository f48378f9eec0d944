"""The HTTP face of the cloud: a Starlette app with two routes.

- ``POST /``: the V1 envelope. Without ``X-Authorization`` it is a V1 call; with it, a signed V2
  device call, whose ``Content-MD5`` and signature are verified first.
- ``POST /api/v2/account/{call}``: V2 account calls; a valid signature is always required.
- ``POST /api/v2/common/passthrough``: SMART device calls (signed), :mod:`kasacloud.server.smart`.

Errors are answered as the real cloud answers them: HTTP 200 with ``error_code`` and ``msg``.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kasacloud import _json as fast_json
from kasacloud.protocol import assumptions, envelope, signing
from kasacloud.protocol.errors import ErrorCode
from kasacloud.server import apps, smart, v1, v2
from kasacloud.server.calls import Call
from kasacloud.server.service import CloudService

log = logging.getLogger("kasacloud.server.http")


_NO_QUERY = QueryParams()


class _TooLarge(Exception):
    pass


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refusing (early) anything over ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > limit:
            raise _TooLarge
    return bytes(chunks)


def _json(body: dict[str, Any]) -> Response:
    return Response(fast_json.dumps(body), media_type="application/json")


def _call(service: CloudService, request: Request, signed_by: signing.AppKey | None = None) -> Call:
    server = request.scope.get("server")
    port = server[1] if server else None
    peer = request.client.host if request.client else "?"
    # Most calls have no query string: skip parsing one (a few percent of a passthrough).
    query = request.query_params if request.scope.get("query_string") else _NO_QUERY
    app = apps.app_of(signed_by, query)
    return Call(service, service.region_for_port(port), query, peer, app)


async def _read(request: Request, service: CloudService) -> tuple[bytes | None, Response | None]:
    try:
        return await _body(request, service.config.max_body_bytes), None
    except _TooLarge:
        status = assumptions.OVERSIZED_BODY_HTTP_STATUS
        failure = envelope.failure(ErrorCode.JSON_FORMAT, "Request body too large")
        return None, JSONResponse(failure, status_code=status)


def _verify(
    request: Request, body: bytes, service: CloudService
) -> tuple[signing.AppKey | None, Response | None]:
    """The app whose key signed the request, or the refusal to answer."""
    try:
        app = signing.verify(request.headers, body, request.url.path, service.config.app_keys)
    except signing.SignatureError as exc:
        log.info("refused a V2 request on %s: %s", request.url.path, exc)
        return None, _json(
            envelope.failure(assumptions.SIGNATURE_ERROR_CODE, assumptions.SIGNATURE_ERROR_MESSAGE)
        )
    return app, None


def _parse(body: bytes) -> tuple[object, bool]:
    try:
        return fast_json.loads(body), True
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, False


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
    payload, ok = _parse(body)
    if not ok:
        return _json(envelope.failure(ErrorCode.JSON_FORMAT))
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


async def account_call(request: Request) -> Response:
    """``POST /api/v2/account/{call}``: a signed V2 account call."""
    service: CloudService = request.app.state.service
    body, refused = await _read(request, service)
    if refused is not None or body is None:
        return refused or Response(status_code=400)
    signed_by, bad = _verify(request, body, service)
    if bad is not None:
        return bad
    payload, ok = _parse(body)
    if not ok:
        return _json(envelope.failure(ErrorCode.JSON_FORMAT))
    name = request.path_params["call"]
    return _json(await v2.dispatch(_call(service, request, signed_by), name, payload))


async def common_passthrough(request: Request) -> Response:
    """``POST /api/v2/common/passthrough``: a signed SMART device call."""
    service: CloudService = request.app.state.service
    body, refused = await _read(request, service)
    if refused is not None or body is None:
        return refused or Response(status_code=400)
    signed_by, bad = _verify(request, body, service)
    if bad is not None:
        return bad
    payload, ok = _parse(body)
    if not ok:
        return _json(envelope.failure(ErrorCode.JSON_FORMAT))
    return _json(await smart.common_passthrough(_call(service, request, signed_by), payload))


def create_app(service: CloudService) -> Starlette:
    """The ASGI app serving ``service`` (every region: the local port says which)."""
    app = Starlette(
        routes=[
            Route("/", root, methods=["POST"]),
            Route("/api/v2/account/{call}", account_call, methods=["POST"]),
            Route(assumptions.TAPO_PASSTHROUGH_PATH, common_passthrough, methods=["POST"]),
        ]
    )
    app.state.service = service
    return app
