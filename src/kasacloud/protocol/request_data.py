"""The ``requestData`` / ``responseData`` codec of a passthrough.

A passthrough carries the device's own JSON command, either as a JSON *string* (most clients) or as
a JSON *object*; the cloud answers ``responseData`` in the same form it was sent [V]. Both sides use
these functions, so the two forms are handled in exactly one way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kasacloud import _json
from kasacloud.protocol import wirejson


class RequestDataError(ValueError):
    """``requestData`` or ``responseData`` is neither a JSON object nor a string holding one."""


def encode(data: Mapping[str, Any], *, as_string: bool = True) -> str | dict[str, Any]:
    """Encode a device command (or answer) for the envelope: a JSON string, or the object itself."""
    if as_string:
        return _json.dumps_str(data)
    return dict(data)


def decode(value: object) -> tuple[dict[str, Any], bool]:
    """Decode ``requestData``/``responseData``; return the dict and whether it came as a string.

    A string is decoded within the wire limits (:func:`kasacloud.protocol.wirejson.loads`: depth,
    number length, valid Unicode).

    Raises:
        RequestDataError: when the value is not a JSON object or a string holding one.
    """
    if isinstance(value, Mapping):
        return dict(value), False
    if isinstance(value, str | bytes):
        try:
            parsed = wirejson.loads(value)
        except wirejson.WireJSONError as exc:
            raise RequestDataError(str(exc)) from None
        if not isinstance(parsed, dict):
            raise RequestDataError(f"expected a JSON object, got {type(parsed).__name__}")
        return parsed, True
    raise RequestDataError(f"expected a JSON object or string, got {type(value).__name__}")


def child_ids(request: Mapping[str, Any]) -> list[str] | None:
    """The ``context.child_ids`` of a decoded request (strip outlets), or ``None``."""
    context = request.get("context")
    if not isinstance(context, Mapping):
        return None
    ids = context.get("child_ids")
    if isinstance(ids, list) and all(isinstance(i, str) for i in ids):
        return list(ids)
    return None


def with_child(request: Mapping[str, Any], child_id: str | None) -> dict[str, Any]:
    """Return ``request`` addressed to one strip outlet (``context.child_ids``), or as it is."""
    out = dict(request)
    if child_id is not None:
        out["context"] = {"child_ids": [child_id]}
    return out
