"""What every handler gets besides its parameters: the service and where the call came in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kasacloud.protocol import assumptions, families
from kasacloud.protocol.errors import ErrorCode
from kasacloud.server.faults import Fault
from kasacloud.server.service import CloudService


@dataclass(frozen=True, slots=True)
class Call:
    """One request: the service, the region whose port it reached, its query string, its source,
    and the app it comes from (``kasa`` or ``tapo``, :func:`kasacloud.server.apps.app_of`)."""  # noqa: D205, D209

    service: CloudService
    region: str
    query: Mapping[str, str]
    peer: str
    """The client's address: the TCP peer, or what a trusted proxy forwarded (see
    ``ServerConfig.trusted_proxies``)."""
    app: str = "kasa"


def limit_account_call(call: Call, params: Mapping[str, Any]) -> None:
    """Count an account call (login, refresh, 2-step) against its source address (and terminal).

    Raises:
        Fault: -20004 when over ``ServerConfig.address_rate_limit`` (or ``terminal_rate_limit``).
    """
    call.service.address_limiter.hit(call.peer)
    terminal = params.get("terminalUUID") or call.query.get("termID")
    if isinstance(terminal, str) and terminal:
        call.service.terminal_limiter.hit(terminal)


def require(params: Mapping[str, Any], *keys: str) -> None:
    """Raise -20104 unless every key is present (values are not checked here)."""
    for key in keys:
        if key not in params or params[key] is None:
            raise Fault(ErrorCode.PARAMETER_MISSING, f"Parameter doesn't exist: {key}")


def text(params: Mapping[str, Any], key: str) -> str:
    """A required string parameter: -20104 if missing, -20107 if not a string."""
    require(params, key)
    value = params[key]
    if not isinstance(value, str):
        raise Fault(ErrorCode.ARGS_INVALID, f"args is invalid: {key}")
    return value


def device_id(params: Mapping[str, Any]) -> str:
    """The required ``deviceId``: -20104 if missing, -20107 if not a string."""
    return text(params, "deviceId")


def terminal_id(params: Mapping[str, Any]) -> str:
    """The required ``terminalUUID``: -20104 if missing, -20107 if not a short string."""
    value = text(params, "terminalUUID")
    if len(value) > assumptions.MAX_TERMINAL_ID_CHARS:
        raise Fault(ErrorCode.ARGS_INVALID, "args is invalid: terminalUUID is too long")
    return value


def valid_alias(params: Mapping[str, Any]) -> str:
    """The required ``alias``, checked against the alias rules before anything changes.

    Raises:
        Fault: -20104 if missing; -20572 saying why (``protocol.families.alias_problem``: not a
            string, blank, longer than ``ALIAS_MAX_CHARS``, a control character, a surrogate).
    """
    require(params, "alias")
    value = params["alias"]
    problem = families.alias_problem(value)
    if problem is not None:
        raise Fault(ErrorCode.ALIAS_FORMAT, f"alias format is incorrect: {problem}")
    return str(value)


def truthy(value: object) -> bool:
    """``true`` or ``"true"`` (clients send either), or 1."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1"}
    return value is True or value == 1
