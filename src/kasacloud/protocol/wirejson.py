r"""JSON from the wire, decoded within limits: nesting depth, number length, valid Unicode.

Python's :func:`json.loads` accepts what a server must not: a document nested a thousand deep
(``RecursionError`` later, in whatever walks it), a number of any length (``ValueError`` past 4,300
digits, or a float that overflows to infinity), ``NaN``, and lone UTF-16 surrogates (``"\ud800"``),
which no store or encoder can write back. :func:`loads` refuses each with :class:`WireJSONError`,
whose message says what was wrong. The limits live in :mod:`kasacloud.protocol.assumptions`.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

from kasacloud.protocol import assumptions

_SURROGATE = re.compile("[\ud800-\udfff]")


class WireJSONError(ValueError):
    """A body (or a ``requestData`` string) is not JSON, or goes past a limit; says which."""


def _limited_int(max_chars: int) -> Any:
    def parse(literal: str) -> int:
        if len(literal) > max_chars:
            raise WireJSONError(f"a number is longer than {max_chars} characters")
        return int(literal)

    return parse


def _limited_float(max_chars: int) -> Any:
    def parse(literal: str) -> float:
        if len(literal) > max_chars:
            raise WireJSONError(f"a number is longer than {max_chars} characters")
        value = float(literal)
        if not math.isfinite(value):
            raise WireJSONError("a number is too large")
        return value

    return parse


def _no_constant(name: str) -> Any:
    raise WireJSONError(f"{name} is not a JSON number")


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a UTF-16 surrogate that is not part of a pair (cannot be UTF-8)."""
    return _SURROGATE.search(text) is not None


def loads(
    data: bytes | str,
    *,
    max_depth: int = assumptions.MAX_JSON_DEPTH,
    max_number_chars: int = assumptions.MAX_JSON_NUMBER_CHARS,
) -> Any:
    """Decode one JSON document (bytes must be UTF-8) within the limits.

    Raises:
        WireJSONError: not UTF-8, not JSON, nested deeper than ``max_depth``, a number longer
            than ``max_number_chars`` or not finite, or a string with a lone surrogate.
    """
    try:
        # orjson first (several times faster); it refuses lone surrogates, NaN, infinities,
        # integers beyond 64 bits and nesting past 1024, which the standard library then reads
        # within the limits. What it accepts can only break the depth limit, and only if the
        # text has more brackets than the limit (a count at C speed; most bodies have a few).
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    else:
        if _brackets(data) > max_depth:
            _check_depth(value, max_depth)
        return value
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WireJSONError(f"not valid UTF-8 at byte {exc.start}") from None
    else:
        text = data
    try:
        value = json.loads(
            text,
            parse_int=_limited_int(max_number_chars),
            parse_float=_limited_float(max_number_chars),
            parse_constant=_no_constant,
        )
    except json.JSONDecodeError as exc:
        raise WireJSONError(f"not valid JSON: {exc.msg} at position {exc.pos}") from None
    except RecursionError:
        # The C decoder counts its own nesting against the interpreter's recursion limit.
        raise WireJSONError(f"nested deeper than {max_depth} levels") from None
    _check(value, max_depth)
    return value


def _brackets(data: bytes | str) -> int:
    """How many ``[`` and ``{`` the text holds (inside strings too): a bound on its nesting."""
    if isinstance(data, str):
        return data.count("[") + data.count("{")
    return data.count(b"[") + data.count(b"{")


def _check_depth(value: Any, max_depth: int) -> None:
    """Walk the decoded value without recursion: its nesting only."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            raise WireJSONError(f"nested deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in children)


def _check(value: Any, max_depth: int) -> None:
    """Walk the decoded value without recursion: depth and surrogates."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                raise WireJSONError("a number is too large")
        elif isinstance(item, str):
            if _SURROGATE.search(item):
                raise WireJSONError("a string holds a lone UTF-16 surrogate (not valid Unicode)")
        elif isinstance(item, dict | list):
            if depth > max_depth:
                raise WireJSONError(f"nested deeper than {max_depth} levels")
            if isinstance(item, dict):
                for key, child in item.items():
                    if _SURROGATE.search(key):
                        raise WireJSONError(
                            "a key holds a lone UTF-16 surrogate (not valid Unicode)"
                        )
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
