"""The client's exceptions: a small tree, mapped from the cloud's codes through the one table.

Every error carries ``code`` (the cloud's ``error_code``, a device's ``err_code``, or ``None`` for
errors the client detects itself) and ``message`` (the cloud's own text when it sent one). No
message or ``repr`` ever holds a password, a token or a verification code.

::

    KasaCloudError
    ├── AuthenticationError            wrong credentials, not logged in, V1 refused
    │   ├── VerificationRequired       2-step verification: carries an MfaChallenge
    │   └── TokenExpiredError          the session expired and could not be renewed
    ├── DeviceOfflineError
    ├── RateLimitedError
    ├── NotFoundError                  unknown device or account
    │   └── AmbiguousDeviceError       a selector matched several devices: .candidates
    ├── DeviceError                    the device answered err_code != 0: .err_code
    ├── InvalidArgumentError           (also a ValueError) rejected before any request
    ├── ProtocolError                  the answer or the request is malformed
    ├── CloudTimeoutError              no answer in time (client side or -20002)
    └── CloudConnectionError           the cloud could not be reached
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from kasacloud.client.secrets import Secret
from kasacloud.protocol import assumptions
from kasacloud.protocol.errors import DEVICE_ERRORS, ErrorCode, default_message


class KasaCloudError(Exception):
    """Base of every kasacloud client error.

    Raised with the message first and the context as keywords::

        raise DeviceOfflineError("Kettle is offline", code=-20571, device_id=kettle.device_id)

    Attributes:
        message: the cloud's message, or the client's description.
        code: the cloud's ``error_code`` (or device ``err_code``); ``None`` when the client itself
            detected the problem.
        device_id: the device the call was for, when there was one.
        module, method: the device module and method that answered the error, when known.
    """

    def __init__(
        self,
        message: str,
        /,
        *,
        code: int | None = None,
        device_id: str | None = None,
        module: str | None = None,
        method: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message: str = message
        self.code = code
        self.device_id = device_id
        self.module = module
        self.method = method

    def __str__(self) -> str:
        return self.message if self.code is None else f"{self.message} (error {self.code})"

    def __repr__(self) -> str:
        context = "".join(
            f", {name}={value!r}"
            for name, value in (
                ("device_id", self.device_id), ("module", self.module), ("method", self.method)
            )
            if value
        )  # fmt: skip
        return f"{type(self).__name__}({self.message!r}, code={self.code!r}{context})"


class AuthenticationError(KasaCloudError):
    """The cloud refused the credentials or the session (wrong password, unknown account, ...)."""


@dataclass(frozen=True, slots=True)
class MfaChallenge:
    """What the second step of a 2-step-verification login needs.

    Pass it back to :meth:`kasacloud.KasaCloud.verify_login` with the code the user received. The
    password is kept (hidden) because the cloud wants it again with the code; it never shows in
    ``repr`` or ``str``.
    """

    process_id: str
    """The cloud's ``MFAProcessId``."""
    supported_types: tuple[int, ...]
    """``supportedMFATypes``: 1 = app push, 2 = e-mail."""
    mfa_type: int
    """The type the code was requested through (``assumptions.MFA_TYPE_EMAIL`` or ``_PUSH``)."""
    username: str
    app_server_url: str
    """The regional host that must receive the second step."""
    password: Secret = field(repr=False)

    @property
    def by_email(self) -> bool:
        """Whether the code was sent by e-mail (else as an app push)."""
        return self.mfa_type == assumptions.MFA_TYPE_EMAIL


class VerificationRequired(AuthenticationError):
    """The account uses 2-step verification: a code was sent; finish with ``verify_login``."""

    def __init__(self, message: str, *, challenge: MfaChallenge, code: int | None = None) -> None:
        super().__init__(message, code=code)
        self.challenge = challenge


class TokenExpiredError(AuthenticationError):
    """The token (and the refresh token, or the means to log in again) expired: log in again."""


class DeviceOfflineError(KasaCloudError):
    """The device has no cloud connection: listed, but it cannot be driven."""


class RateLimitedError(KasaCloudError):
    """The cloud answered "API rate limit exceeded" and retries did not get through."""


class NotFoundError(KasaCloudError):
    """No such device (or account)."""


class AmbiguousDeviceError(NotFoundError):
    """A device selector matched several devices; ``candidates`` lists their aliases and ids."""

    def __init__(self, selector: str, candidates: Sequence[tuple[str, str]]) -> None:
        listed = ", ".join(f"{alias!r} ({device_id})" for alias, device_id in candidates)
        super().__init__(f"{selector!r} matches {len(candidates)} devices: {listed}")
        self.selector = selector
        self.candidates: list[tuple[str, str]] = list(candidates)
        """``(alias, device_id)`` of every device the selector matched."""


class DeviceError(KasaCloudError):
    """The device itself answered an error (``err_code`` inside ``responseData``)."""

    def __init__(
        self,
        message: str,
        *,
        code: int,
        device_id: str | None = None,
        module: str | None = None,
        method: str | None = None,
    ) -> None:
        where = f"{module}.{method}: " if module else ""
        super().__init__(
            f"{where}{message}", code=code, device_id=device_id, module=module, method=method
        )

    @property
    def err_code(self) -> int:
        """The device's ``err_code`` (the same as ``code``)."""
        assert self.code is not None
        return self.code


class InvalidArgumentError(KasaCloudError, ValueError):
    """An argument was rejected before any request (e.g. a colour temperature out of range)."""

    def __init__(self, message: str, *, device_id: str | None = None) -> None:
        super().__init__(message, device_id=device_id)


class ProtocolError(KasaCloudError):
    """The request was malformed for the cloud, or its answer was not what the protocol says."""


class CloudTimeoutError(KasaCloudError):
    """No answer in time: the client's timeout, or the cloud's -20002 "Request timeout"."""


class CloudConnectionError(KasaCloudError):
    """The cloud could not be reached (DNS, refused connection, TLS failure, ...)."""


class SmartUnavailableError(KasaCloudError):
    """A SMART (Tapo) device call while the Tapo side of the account is not signed in.

    The message says why (the Tapo sign-in's own error); Kasa (IOT) devices keep working.
    """


_BY_CODE: Final[dict[int, type[KasaCloudError]]] = {
    ErrorCode.REQUEST_TIMEOUT: CloudTimeoutError,
    ErrorCode.RATE_LIMITED: RateLimitedError,
    ErrorCode.DEVICE_NOT_FOUND: NotFoundError,
    ErrorCode.DEVICE_BOUND_ELSEWHERE: NotFoundError,
    ErrorCode.DEVICE_NOT_BOUND: NotFoundError,
    ErrorCode.NOT_ACCOUNTS_DEVICE: NotFoundError,
    ErrorCode.DEVICE_OFFLINE: DeviceOfflineError,
    ErrorCode.ACCOUNT_NOT_FOUND: AuthenticationError,
    ErrorCode.WRONG_CREDENTIALS: AuthenticationError,
    ErrorCode.APP_VERSION_TOO_OLD: AuthenticationError,
    ErrorCode.TOKEN_EXPIRED: TokenExpiredError,
    ErrorCode.TOKEN_INVALID: TokenExpiredError,
    ErrorCode.REFRESH_TOKEN_EXPIRED: TokenExpiredError,
    ErrorCode.SESSION_CONFLICT: AuthenticationError,
    ErrorCode.MFA_REQUIRED: AuthenticationError,
    ErrorCode.ALIAS_FORMAT: ProtocolError,
    ErrorCode.JSON_FORMAT: ProtocolError,
    ErrorCode.METHOD_NOT_FOUND: ProtocolError,
    ErrorCode.PARAMETER_MISSING: ProtocolError,
    ErrorCode.ARGS_INVALID: ProtocolError,
    ErrorCode.WRONG_REGION: ProtocolError,
    ErrorCode.UNKNOWN: KasaCloudError,
}


def error_class(code: int) -> type[KasaCloudError]:
    """The exception class for a cloud ``error_code`` (unknown codes: :class:`KasaCloudError`)."""
    return _BY_CODE.get(code, KasaCloudError)


def from_code(code: int, message: str | None = None) -> KasaCloudError:
    """Build the exception for a cloud ``error_code`` with the cloud's message."""
    text = message or default_message(code)
    if code == ErrorCode.APP_VERSION_TOO_OLD:
        text += " (V1 login is refused for this account: use protocol='v2')"
    return error_class(code)(text, code=code)


def device_error(
    err_code: int,
    message: str | None,
    *,
    module: str,
    method: str,
    device_id: str | None = None,
) -> DeviceError:
    """Build the error for a device-level ``err_code`` inside ``responseData``."""
    text = message or DEVICE_ERRORS.get(err_code, "device error")
    return DeviceError(text, code=err_code, device_id=device_id, module=module, method=method)
