r"""JSON encoding and decoding: orjson where it can, the standard library where it cannot.

orjson is several times faster than :mod:`json` for the envelopes and device answers of a
passthrough (measured: JSON was a fifth of a passthrough's time on the server). A few inputs
orjson refuses and :mod:`json` accepts (``NaN`` in a document read; integers beyond 64 bits,
strings with lone surrogates or dict keys that are not strings written) fall back to :mod:`json`,
and errors for bad input are worded by :mod:`json`. The differences left: output is compact;
non-ASCII text is written as UTF-8 rather than ``\u`` escapes (the same JSON value); a float NaN
or infinity is written as ``null`` (valid JSON, unlike the ``NaN`` of :mod:`json`); an integer
read beyond 64 bits becomes a float (no Kasa field holds one).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_COMPACT = (",", ":")


def loads(data: str | bytes | bytearray | memoryview) -> Any:
    """Parse JSON.

    Raises:
        json.JSONDecodeError: not JSON (as :func:`json.loads` reports it).
        UnicodeDecodeError: bytes that are not UTF-8.
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        # Either bad JSON or something only the standard library reads: let it decide, and
        # word the error.
        return json.loads(bytes(data) if isinstance(data, bytearray | memoryview) else data)


def dumps(value: Any) -> bytes:
    """Encode compact JSON, as UTF-8 bytes."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError, for what only the standard library writes
        return json.dumps(value, separators=_COMPACT).encode()


def dumps_str(value: Any) -> str:
    """Encode compact JSON, as text."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, separators=_COMPACT)
