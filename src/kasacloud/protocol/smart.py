"""The SMART command set (Tapo, and Kasa hardware since 2022): requests, answers, errors. Pure.

PROTOCOL.md section 6. A SMART request is one method with its params::

    {"method": "get_device_info", "params": {...}, "requestTimeMils": 1700000000000}

and the device answers ``{"error_code": 0, "result": {...}}``, or ``{"error_code": N}`` with N from
the device's own table (:class:`SmartErrorCode`). ``multipleRequest`` batches several::

    {"method": "multipleRequest", "params": {"requests": [{"method": "get_device_info"}, ...]}}
    -> {"error_code": 0, "result": {"responses": [{"method": ..., "error_code": 0, "result": ...}]}}

``control_child`` reaches a child (a strip outlet, a KS240 gang, a hub sensor)::

    {"method": "control_child", "params": {"device_id": CHILD, "requestData": <SMART request>}}
    -> {"error_code": 0, "result": {"responseData": <the child's SMART answer>}}

Example::

    request = smart_request("get_device_info")
    assert method_of(request) == ("get_device_info", {})
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Mapping
from enum import IntEnum
from typing import Any, Final

MULTIPLE_REQUEST: Final = "multipleRequest"
CONTROL_CHILD: Final = "control_child"
COMPONENT_NEGO: Final = "component_nego"

DEVICE_TYPE_PREFIX: Final = "SMART."
"""Every SMART ``deviceType`` starts with this (``SMART.TAPOPLUG``, ``SMART.KASAHUB`` ...)."""


class SmartErrorCode(IntEnum):
    """The device's own error codes (python-kasa's ``SmartErrorCode`` lists them all)."""

    SUCCESS = 0
    COMMON_FAILED = -1
    UNSPECIFIC = -1001
    UNKNOWN_METHOD = -1002
    JSON_DECODE_FAIL = -1003
    JSON_ENCODE_FAIL = -1004
    REQUEST_LEN_ERROR = -1006
    PARAMS_ERROR = -1008
    DEVICE_ERROR = -1301
    SCHEDULE_ERROR = -1801
    SCHEDULE_FULL = -1802
    SCHEDULE_INDEX = -1805
    COUNTDOWN_ERROR = -1901
    ANTITHEFT_ERROR = -2001
    CHILD_DEVICE_NOT_FOUND = -2301
    """Unverified number for "no such child": python-kasa lists no code for it."""


class SmartRequestError(ValueError):
    """A SMART request that is not ``{"method": str, "params": object?}``."""


def is_smart_device_type(device_type: object) -> bool:
    """Whether a ``deviceType`` names a SMART device (``SMART.*``)."""
    return isinstance(device_type, str) and device_type.startswith(DEVICE_TYPE_PREFIX)


def smart_request(method: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One SMART request, stamped with ``requestTimeMils`` as the apps do."""
    request: dict[str, Any] = {"method": method, "requestTimeMils": int(time.time() * 1000)}
    if params is not None:
        request["params"] = dict(params)
    return request


def multiple_request(requests: list[Mapping[str, Any]]) -> dict[str, Any]:
    """A ``multipleRequest`` batching ``requests`` (each ``{"method", "params"?}``)."""
    return smart_request(MULTIPLE_REQUEST, {"requests": [dict(r) for r in requests]})


def method_of(request: object) -> tuple[str, dict[str, Any]]:
    """``(method, params)`` of a SMART request; missing or null params are ``{}``.

    Raises:
        SmartRequestError: not an object with a string ``method`` and object ``params``.
    """
    if not isinstance(request, Mapping):
        raise SmartRequestError("a SMART request is a JSON object")
    method = request.get("method")
    if not isinstance(method, str) or not method:
        raise SmartRequestError("a SMART request needs a string 'method'")
    params = request.get("params")
    if params is None:
        return method, {}
    if not isinstance(params, Mapping):
        raise SmartRequestError("'params' of a SMART request must be an object")
    return method, dict(params)


def success(result: Any = None) -> dict[str, Any]:
    """``{"error_code": 0, "result": result}`` (no ``result`` key for None)."""
    answer: dict[str, Any] = {"error_code": 0}
    if result is not None:
        answer["result"] = result
    return answer


def failure(code: int) -> dict[str, Any]:
    """``{"error_code": code}``."""
    return {"error_code": int(code)}


def error_code_of(answer: object) -> int | None:
    """The ``error_code`` of a SMART answer, or None if it has none."""
    if isinstance(answer, Mapping) and isinstance(answer.get("error_code"), int):
        return int(answer["error_code"])
    return None


def encode_text(text: str) -> str:
    """Base64 as devices keep ``nickname`` and ``ssid`` (and the Tapo list its ``alias``)."""
    return base64.b64encode(text.encode()).decode("ascii")


def decode_text(value: str) -> str | None:
    """The text of a base64 ``nickname``; None if it is not base64 of UTF-8."""
    try:
        return base64.b64decode(value.encode("ascii"), validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError):
        return None
