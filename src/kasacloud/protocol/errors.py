"""The cloud's error codes: one table, read by the client and written by the server.

Codes and messages come from PROTOCOL.md section 4. Each entry also says whether a client may retry
on its own, and how, so that retry policy is data rather than scattered ``if`` statements.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final


class Retry(enum.Enum):
    """What a client may do on its own after an error."""

    NEVER = "never"
    """Do not retry: the request or the credentials are wrong, or a person must act."""
    BACKOFF = "backoff"
    """Transient: retry with exponential backoff."""
    LONG_BACKOFF = "long_backoff"
    """Rate limited: retry with a long backoff, and slow down."""
    SLOW = "slow"
    """The device is offline: retrying soon rarely helps; retry slowly, if at all."""
    REFRESH = "refresh"
    """The token expired: refresh it (or log in again) once, then retry."""
    RELOGIN = "relogin"
    """The token or refresh token is unusable: a full login once, then retry."""
    REDIRECT = "redirect"
    """Wrong regional host: resend once to the host named in the result."""


@dataclass(frozen=True, slots=True)
class CloudError:
    """One row of the error table."""

    code: int
    message: str
    meaning: str
    retry: Retry


class ErrorCode(enum.IntEnum):
    """Names for the cloud's ``error_code`` values."""

    OK = 0
    UNKNOWN = -1
    JSON_FORMAT = -10100
    REQUEST_TIMEOUT = -20002
    RATE_LIMITED = -20004
    METHOD_NOT_FOUND = -20103
    PARAMETER_MISSING = -20104
    ARGS_INVALID = -20107
    WRONG_REGION = -20212
    DEVICE_NOT_FOUND = -20501
    DEVICE_BOUND_ELSEWHERE = -20506
    DEVICE_NOT_BOUND = -20507
    DEVICE_OFFLINE = -20571
    ALIAS_FORMAT = -20572
    NOT_ACCOUNTS_DEVICE = -20580
    ACCOUNT_NOT_FOUND = -20600
    WRONG_CREDENTIALS = -20601
    TOKEN_EXPIRED = -20651
    TOKEN_INVALID = -20652
    REFRESH_TOKEN_EXPIRED = -20655
    SESSION_CONFLICT = -20675
    MFA_REQUIRED = -20677
    APP_VERSION_TOO_OLD = -23003


_TABLE: Final[tuple[CloudError, ...]] = (
    CloudError(-1, "unknow error", "generic error", Retry.NEVER),
    CloudError(-10100, "JSON format error", "the body is not JSON", Retry.NEVER),
    CloudError(-20002, "Request timeout", "the device did not answer in time", Retry.BACKOFF),
    CloudError(
        -20004, "API rate limit exceeded", "too many requests or logins", Retry.LONG_BACKOFF
    ),
    CloudError(-20103, "Method not found", "no or unknown method", Retry.NEVER),
    CloudError(-20104, "Parameter doesn't exist", "a required parameter is missing", Retry.NEVER),
    CloudError(-20107, "args is invalid", "a parameter has a bad value", Retry.NEVER),
    CloudError(
        -20212,
        "Incorrect service entry address",
        "wrong regional host; the result names the right one",
        Retry.REDIRECT,
    ),
    CloudError(-20501, "device id does not exists", "unknown device", Retry.NEVER),
    CloudError(-20506, "device was binded to another account", "bound elsewhere", Retry.NEVER),
    CloudError(-20507, "device is not binded to any account", "not bound", Retry.NEVER),
    CloudError(-20571, "Device is offline", "the device has no cloud session", Retry.SLOW),
    CloudError(-20572, "alias format is incorrect", "bad alias", Retry.NEVER),
    CloudError(
        -20580, "Account is not binded to the device", "not this account's device", Retry.NEVER
    ),
    CloudError(-20600, "account not found", "no such account", Retry.NEVER),
    CloudError(
        -20601,
        "Incorrect email or password",
        "wrong credentials (never retried: lockout risk)",
        Retry.NEVER,
    ),
    CloudError(-20651, "Token expired", "the token expired", Retry.REFRESH),
    CloudError(-20652, "token is error", "malformed or unknown token", Retry.RELOGIN),
    CloudError(-20655, "Refresh token expired", "the refresh token expired", Retry.RELOGIN),
    CloudError(
        -20675,
        "account login in other places",
        "session conflict, token invalid, or account locked",
        Retry.RELOGIN,
    ),
    CloudError(-20677, "MFA required", "2-step verification needed", Retry.NEVER),
    CloudError(-23003, "App version is too old", "V1 login refused; use V2", Retry.NEVER),
)

ERRORS: Final[dict[int, CloudError]] = {e.code: e for e in _TABLE}
"""Every known cloud error, by code."""

DEVICE_MODULE_NOT_SUPPORTED: Final = -1
DEVICE_METHOD_NOT_SUPPORTED: Final = -2
DEVICE_INVALID_ARGUMENT: Final = -3

DEVICE_ERRORS: Final[dict[int, str]] = {
    DEVICE_MODULE_NOT_SUPPORTED: "module not support",
    DEVICE_METHOD_NOT_SUPPORTED: "member not support",
    DEVICE_INVALID_ARGUMENT: "invalid argument",
}
"""Device-level ``err_code`` values inside ``responseData``, with the devices' own messages."""


def lookup(code: int) -> CloudError:
    """Return the table row for ``code``; an unknown code is generic and never retried."""
    try:
        return ERRORS[code]
    except KeyError:
        return CloudError(code, "unknown error", "not in kasacloud's table", Retry.NEVER)


def default_message(code: int) -> str:
    """The message the cloud sends with ``code``."""
    return lookup(code).message
