"""The V1 JSON envelope, used by V1 and by V2 device calls, and the shape of every cloud answer.

Request: ``{"method": M, "params": {...}}``. Success: ``{"error_code": 0, "result": {...}}``.
Failure: ``{"error_code": N, "msg": "..."}`` with no ``result`` (or, for a few errors such as
-20212, a ``result`` with what the client needs next). V2 account calls answer in the same shape.
An MFA answer may come as ``error_code: 0`` with the real code nested as ``result.errorCode``
(a string): :func:`parse_reply` reads both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kasacloud.protocol import assumptions
from kasacloud.protocol.errors import default_message


class EnvelopeError(ValueError):
    """A body is not a cloud envelope; the message says what is missing."""


def request(method: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build a V1 request body."""
    return {"method": method, "params": dict(params or {})}


def success(result: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build a success answer."""
    return {"error_code": 0, "result": dict(result or {})}


def failure(
    code: int, msg: str | None = None, result: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Build an error answer; ``msg`` defaults to the cloud's own message for ``code``."""
    body: dict[str, Any] = {"error_code": code, "msg": msg or default_message(code)}
    if result is not None:
        body["result"] = dict(result)
    return body


def nested_failure(code: int, result: Mapping[str, Any], msg: str | None = None) -> dict[str, Any]:
    """Build an answer in the nested form: outer ``error_code`` 0, ``result.errorCode`` a string."""
    message = msg or default_message(code)
    inner = {"errorCode": str(code), assumptions.MFA_NESTED_MESSAGE_KEY: message}
    return success({**inner, **result})


@dataclass(frozen=True, slots=True)
class Reply:
    """A decoded cloud answer. ``error_code`` is the effective code: the nested one if set."""

    error_code: int
    msg: str
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.error_code == 0


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def parse_reply(body: object) -> Reply:
    """Decode a cloud answer, reading both the outer and the nested error code.

    Raises:
        EnvelopeError: when ``body`` is not an object with an integer ``error_code``.
    """
    if not isinstance(body, Mapping):
        raise EnvelopeError(f"expected a JSON object, got {type(body).__name__}")
    outer = _as_int(body.get("error_code"))
    if outer is None:
        raise EnvelopeError("the answer has no integer error_code")
    raw_result = body.get("result")
    result = dict(raw_result) if isinstance(raw_result, Mapping) else {}
    msg = body.get("msg")
    code = outer
    if outer == 0:
        nested = _as_int(result.get("errorCode"))
        if nested:
            code = nested
            msg = result.get(assumptions.MFA_NESTED_MESSAGE_KEY) or result.get("msg")
    text = msg if isinstance(msg, str) and msg else ("" if code == 0 else default_message(code))
    return Reply(code, text, result)
