"""A second line of defence for ``--debug``.

The library already redacts its trace; this filter hides anything that still looks like a secret
before a line reaches the terminal.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

REDACTED = "<redacted>"

# Keys whose values are secrets wherever they appear: JSON bodies, query strings, headers.
_SECRET_KEYS = "|".join(
    (
        "cloudPassword",
        "password",
        "token",
        "refreshToken",
        "refresh_token",
        "code",
        "MFAProcessId",
        "terminalUUID",
        "termID",
        "Signature",
        "X-Authorization",
        "Authorization",
    )
)
_JSON_VALUE = re.compile(rf'("(?:{_SECRET_KEYS})"\s*:\s*)"[^"]*"', re.IGNORECASE)
_QUERY_VALUE = re.compile(rf"(\b(?:{_SECRET_KEYS})=)[^&\s\"',]+", re.IGNORECASE)
_REPR_VALUE = re.compile(rf"('(?:{_SECRET_KEYS})'\s*:\s*)'[^']*'", re.IGNORECASE)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with secret-looking values, and every literal of ``secrets``, replaced."""
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, REDACTED)
    text = _JSON_VALUE.sub(rf'\1"{REDACTED}"', text)
    text = _REPR_VALUE.sub(rf"\1'{REDACTED}'", text)
    return _QUERY_VALUE.sub(rf"\1{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrite each record's message through :func:`redact` (the handler then prints it)."""

    def __init__(self, secrets: Callable[[], Iterable[str | None]]) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the formatted message in place; never drops a record."""
        record.msg = redact(record.getMessage(), self._secrets())
        record.args = None
        return True
