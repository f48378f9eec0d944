"""V1 methods on ``POST /``: login, refreshToken, getDeviceList, passthrough, setAlias, unbind.

The same methods answer signed V2 device calls (the app verifies the signature first). Tokens from
V1 and V2 logins are the same kind of token, so either works here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from kasacloud.protocol import assumptions, envelope, request_data
from kasacloud.protocol.errors import ErrorCode
from kasacloud.server import apps
from kasacloud.server.accounts import Account
from kasacloud.server.calls import (
    Call,
    device_id,
    limit_account_call,
    require,
    terminal_id,
    text,
    truthy,
    valid_alias,
)
from kasacloud.server.faults import Fault

log = logging.getLogger("kasacloud.server.v1")

Handler = Callable[[Call, Mapping[str, Any]], Awaitable[dict[str, Any]]]


def authenticate(call: Call, params: Mapping[str, Any]) -> Account:
    """The account of the call's token (body first, then query string); counts the call."""
    token = params.get("token") or call.query.get("token")
    account = call.service.accounts.account_for_token(token)
    call.service.account_limiter.hit(account.account_id)
    return account


async def login(call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
    """Password login; an account with 2-step verification must use V2 (-23003)."""
    email = text(params, "cloudUserName")
    password = text(params, "cloudPassword")
    terminal = terminal_id(params)
    limit_account_call(call, params)
    accounts = call.service.accounts
    account = await accounts.check_password(email, password, source=call.peer)
    if account.mfa:
        raise Fault(assumptions.V1_MFA_ACCOUNT_LOGIN_CODE)
    tokens = await accounts.issue(
        account, terminal, refresh=truthy(params.get("refreshTokenNeeded"))
    )
    log.info("V1 login of account %s", account.account_id)
    return envelope.success({**account.login_result(), **tokens})


async def refresh_token(call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
    """A new token (and a rotated refresh token) for a refresh token."""
    require(params, "refreshToken")
    limit_account_call(call, params)
    return envelope.success(await call.service.accounts.refresh(params["refreshToken"]))


async def get_device_list(call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
    """The account's devices that the calling app lists, with every getDeviceList field."""
    account = authenticate(call, params)
    registry = call.service.registry
    listed = [e for e in registry.of(account) if apps.listed_for(call.app, e)]
    return envelope.success(
        {"deviceList": [apps.list_entry(call.app, registry.list_entry(e, account)) for e in listed]}
    )


async def passthrough(call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
    """Relay ``requestData`` to the device; answer ``responseData`` in the form it was sent."""
    account = authenticate(call, params)
    entry = call.service.registry.owned(account, device_id(params))
    if apps.is_smart(entry):
        # SMART devices do not answer IOT passthroughs: TP-Link's cloud says "offline".
        raise Fault(ErrorCode.DEVICE_OFFLINE)
    require(params, "requestData")
    try:
        request, as_string = request_data.decode(params["requestData"])
    except request_data.RequestDataError as exc:
        raise Fault(ErrorCode.ARGS_INVALID, f"args is invalid: requestData {exc}") from None
    response = await call.service.registry.passthrough(entry, request)
    return envelope.success({"responseData": request_data.encode(response, as_string=as_string)})


async def set_alias(call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
    """Rename a device."""
    account = authenticate(call, params)
    entry = call.service.registry.owned(account, device_id(params))
    alias = valid_alias(params)
    if apps.is_smart(entry):
        await apps.set_smart_alias(call.service.registry, entry, alias)
    else:
        await call.service.registry.set_alias(entry, alias)
    return envelope.success()


async def unbind_device(call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
    """Unbind a device from the caller's account."""
    account = authenticate(call, params)
    entry = call.service.registry.owned(account, device_id(params))
    user = params.get("cloudUserName")
    if user is not None and (not isinstance(user, str) or user.strip().lower() != account.email):
        raise Fault(ErrorCode.ARGS_INVALID, "args is invalid: cloudUserName")
    await call.service.registry.unbind(entry)
    log.info("device %s unbound from account %s", entry.device_id, account.account_id)
    return envelope.success()


async def hello_cloud(call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
    """A liveness call some clients make."""
    return envelope.success()


METHODS: dict[str, Handler] = {
    "login": login,
    "refreshToken": refresh_token,
    "getDeviceList": get_device_list,
    "passthrough": passthrough,
    "setAlias": set_alias,
    "unbindDevice": unbind_device,
    "helloCloud": hello_cloud,
}


async def dispatch(call: Call, payload: object) -> dict[str, Any]:
    """Answer one V1 envelope (errors become error answers)."""
    if not isinstance(payload, Mapping):
        log.info("refused a body that is not a JSON object")
        return envelope.failure(ErrorCode.JSON_FORMAT, "JSON format error: not a JSON object")
    method = payload.get("method")
    handler = METHODS.get(method) if isinstance(method, str) else None
    if handler is None:
        log.info("refused an unknown method")
        return envelope.failure(ErrorCode.METHOD_NOT_FOUND)
    params = payload.get("params")
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        log.info("%s refused: params is not an object", method)
        return envelope.failure(ErrorCode.ARGS_INVALID, "args is invalid: params")
    try:
        return await handler(call, params)
    except Fault as fault:
        log.info("%s answered %d", method, fault.code)
        return fault.body()
