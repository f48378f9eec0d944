"""V2 account calls: ``POST /api/v2/account/<call>`` with a flat JSON body (always signed).

Login is regional: an account logs in on its home region's host; another region answers -20212
with the right ``appServerUrl``. An account with 2-step verification gets -20677 in the nested form
(outer ``error_code`` 0, ``result.errorCode`` "-20677") with ``MFAProcessId`` and
``supportedMFATypes``; the code goes to the MFA outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from kasacloud.protocol import assumptions, envelope
from kasacloud.protocol.errors import ErrorCode
from kasacloud.server.accounts import Account
from kasacloud.server.calls import Call, limit_account_call, require, terminal_id, text, truthy
from kasacloud.server.faults import Fault

log = logging.getLogger("kasacloud.server.v2")

Handler = Callable[[Call, Mapping[str, Any]], Awaitable[dict[str, Any]]]

SUPPORTED_MFA_TYPES = [assumptions.MFA_TYPE_PUSH, assumptions.MFA_TYPE_EMAIL]


async def _password(call: Call, params: Mapping[str, Any]) -> Account:
    """Check the body's credentials, then the region (only a right password learns the home)."""
    email = text(params, "cloudUserName")
    password = text(params, "cloudPassword")
    terminal_id(params)
    limit_account_call(call, params)
    account = await call.service.accounts.check_password(email, password, source=call.peer)
    if account.region != call.region:
        raise Fault(
            ErrorCode.WRONG_REGION,
            result={"appServerUrl": call.service.region_url(account.region)},
        )
    return account


async def get_account_status_and_url(call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
    """Where to log in: the region asked, for every e-mail (login names the home region).

    Answering the account's home region here would tell anyone, without a password, which
    e-mails have accounts (and where): see ``ACCOUNT_STATUS_URL_IS_ASKED_REGION``.
    """
    text(params, "cloudUserName")
    limit_account_call(call, params)
    return envelope.success({"appServerUrl": call.service.region_url(call.region)})


async def _logged_in(call: Call, account: Account, terminal: str, refresh: bool) -> dict[str, Any]:
    tokens = await call.service.accounts.issue(account, terminal, refresh=refresh)
    log.info("V2 login of account %s", account.account_id)
    return envelope.success({**account.login_result(), **tokens})


async def login(call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
    """Password login; -20677 (nested or outer, as configured) when verification is needed."""
    account = await _password(call, params)
    terminal = str(params["terminalUUID"])
    accounts = call.service.accounts
    if accounts.needs_mfa(account, terminal):
        process = accounts.start_mfa(account, terminal)
        needed = {"MFAProcessId": process.process_id, "supportedMFATypes": SUPPORTED_MFA_TYPES}
        if call.service.config.mfa_answer == "outer":
            return envelope.failure(ErrorCode.MFA_REQUIRED, result=needed)
        return envelope.nested_failure(ErrorCode.MFA_REQUIRED, needed)
    return await _logged_in(call, account, terminal, truthy(params.get("refreshTokenNeeded")))


def _code_sender(mfa_type: int) -> Handler:
    async def send(call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
        account = await _password(call, params)
        call.service.accounts.send_code(account, str(params["terminalUUID"]), mfa_type)
        return envelope.success()

    send.__doc__ = f"Send a verification code (MFA type {mfa_type}) to the outbox."
    return send


async def check_mfa_code_and_login(call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
    """Finish a login with a verification code."""
    require(params, "code", "MFAProcessId")
    account = await _password(call, params)
    terminal = str(params["terminalUUID"])
    await call.service.accounts.check_code(
        account,
        params["MFAProcessId"],
        params["code"],
        terminal,
        bind=truthy(params.get("terminalBindEnabled")),
        source=call.peer,
    )
    refresh = "refreshTokenNeeded" not in params or truthy(params.get("refreshTokenNeeded"))
    return await _logged_in(call, account, terminal, refresh)


async def refresh_token(call: Call, params: Mapping[str, Any]) -> dict[str, Any]:
    """A new token (and a rotated refresh token) for a refresh token."""
    require(params, "refreshToken")
    limit_account_call(call, params)
    return envelope.success(await call.service.accounts.refresh(params["refreshToken"]))


CALLS: dict[str, Handler] = {
    "getAccountStatusAndUrl": get_account_status_and_url,
    "login": login,
    "getEmailVC4TerminalMFA": _code_sender(assumptions.MFA_TYPE_EMAIL),
    "getPushVC4TerminalMFA": _code_sender(assumptions.MFA_TYPE_PUSH),
    "checkMFACodeAndLogin": check_mfa_code_and_login,
    "refreshToken": refresh_token,
}


async def dispatch(call: Call, name: str, payload: object) -> dict[str, Any]:
    """Answer one V2 account call (errors become error answers)."""
    handler = CALLS.get(name)
    if handler is None:
        log.info("refused an unknown V2 account call")
        return envelope.failure(ErrorCode.METHOD_NOT_FOUND)
    if not isinstance(payload, Mapping):
        log.info("V2 %s refused: the body is not a JSON object", name)
        return envelope.failure(ErrorCode.JSON_FORMAT, "JSON format error: not a JSON object")
    try:
        _check_app_type(call, payload)
        return await handler(call, payload)
    except Fault as fault:
        log.info("V2 %s answered %d", name, fault.code)
        return fault.body()


def _check_app_type(call: Call, params: Mapping[str, Any]) -> None:
    """Every V2 account call names its app: one of the known apps (``ServerConfig.app_types``)."""
    if text(params, "appType") not in call.service.config.app_types:
        raise Fault(ErrorCode.ARGS_INVALID, "args is invalid: appType is not a known app")
