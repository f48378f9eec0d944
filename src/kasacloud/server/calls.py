"""What every handler gets besides its parameters: the service and where the call came in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kasacloud.protocol.errors import ErrorCode
from kasacloud.server.faults import Fault
from kasacloud.server.service import CloudService


@dataclass(frozen=True, slots=True)
class Call:
    """One request: the service, the region whose port it reached, its query string, its peer,
    and the app it comes from (``kasa`` or ``tapo``, :func:`kasacloud.server.apps.app_of`)."""  # noqa: D205, D209

    service: CloudService
    region: str
    query: Mapping[str, str]
    peer: str
    app: str = "kasa"


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


def truthy(value: object) -> bool:
    """``true`` or ``"true"`` (clients send either), or 1."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1"}
    return value is True or value == 1
