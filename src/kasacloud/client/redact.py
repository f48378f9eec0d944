"""Redaction of secrets in anything the client logs: bodies, answers, URLs, headers.

:func:`redact` is pure: it returns a redacted copy and never changes its argument. The session's
DEBUG trace (logger ``kasacloud.client``) passes everything through it, so a ``--debug`` run can be
pasted into a bug report.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from kasacloud.client.secrets import MASK, Secret

SECRET_KEYS: Final = frozenset(
    k.lower()
    for k in (
        "token",
        "refreshToken",
        "cloudPassword",
        "password",
        "passwd",
        "code",  # a 2-step verification code
        "X-Authorization",
        "Authorization",
        "Cookie",
        "Set-Cookie",
    )
)
"""Keys (compared case-insensitively) whose values are never shown."""

_TOKEN_IN_TEXT = re.compile(r"((?:^|[?&\s])(?:token|refreshToken)=)[^&\s]+", re.IGNORECASE)


def redact_url(url: str) -> str:
    """``url`` with the value of every secret query parameter masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _TOKEN_IN_TEXT.sub(rf"\1{MASK}", url)
    if not parts.query:
        return url
    query = [
        (k, MASK if k.lower() in SECRET_KEYS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


def redact(obj: Any) -> Any:
    """A copy of ``obj`` with every secret masked.

    Masks values under :data:`SECRET_KEYS` at any depth, :class:`Secret` values, ``token=`` in URLs
    and text, and the same inside JSON carried as a string (a passthrough's ``requestData``, which
    may hold ``cnCloud.bind``'s password).

    >>> redact({"params": {"token": "abc", "deviceId": "x"}})
    {'params': {'token': '********', 'deviceId': 'x'}}
    """
    if isinstance(obj, Secret):
        return MASK
    if isinstance(obj, Mapping):
        return {
            k: (MASK if isinstance(k, str) and k.lower() in SECRET_KEYS else redact(v))
            for k, v in obj.items()
        }
    if isinstance(obj, list | tuple):
        return type(obj)(redact(v) for v in obj)
    if isinstance(obj, bytes):
        return redact(obj.decode("utf-8", "replace"))
    if isinstance(obj, str):
        return _redact_text(obj)
    return obj


def _redact_text(text: str) -> str:
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            decoded = json.loads(text)
        except ValueError:
            pass
        else:
            return json.dumps(redact(decoded), separators=(",", ":"))
    if "://" in text and "?" in text:
        return redact_url(text)
    return _TOKEN_IN_TEXT.sub(rf"\1{MASK}", text)


class RedactingFilter(logging.Filter):
    """A logging filter that masks tokens in a record's arguments, message and traceback.

    V2 puts the token in the query string, and the HTTP stack may log a URL (aiohttp's client
    loggers, asyncio's reports of unclosed sessions and failed callbacks, whose tracebacks and
    reprs can carry a request URL): the session installs this filter on those loggers (see
    :func:`install_log_redaction`) so that ``logging.basicConfig(level=logging.DEBUG)`` shows no
    token. (A filter on a logger applies to the records logged *on* it, not to its children's:
    hence the list of names.)
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask secrets in place; never drops a record."""
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        if isinstance(record.msg, str) and "token" in record.msg.lower():
            record.msg = redact(record.msg)
        elif not isinstance(record.msg, str) and "token" in str(record.msg).lower():
            record.msg = redact(str(record.msg))
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            # formatted once here (the formatter reuses exc_text), so the traceback is masked
            text = logging.Formatter().formatException(record.exc_info)
            if "token" in text.lower():
                record.exc_text = _TOKEN_IN_TEXT.sub(rf"\1{MASK}", text)
        return True


def _redact_arg(arg: object) -> object:
    if isinstance(arg, int | float | bool) or arg is None:
        return arg
    text = str(arg)
    if "token" not in text.lower():
        return arg
    return redact_url(text) if "://" in text else redact(text)


_FILTER: Final = RedactingFilter()


HTTP_LOGGERS: Final = (
    "aiohttp",
    "aiohttp.client",
    "aiohttp.internal",
    "aiohttp.access",
    "aiohttp.server",
    "aiohttp.web",
    "aiohttp.websocket",
    "asyncio",
    "httpx",  # not the client's stack any more; a caller's code may still use it
)
"""The loggers :func:`install_log_redaction` filters by default."""


def install_log_redaction(logger_names: tuple[str, ...] = HTTP_LOGGERS) -> None:
    """Add :class:`RedactingFilter` to the loggers of the HTTP stack (once; idempotent)."""
    for name in logger_names:
        target = logging.getLogger(name)
        if _FILTER not in target.filters:
            target.addFilter(_FILTER)
