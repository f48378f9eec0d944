"""What the dashboard says when something goes wrong: the library's errors as sentences for people.

The library's own messages are written for developers ("-20601 Incorrect email or password"); a
person at the dashboard needs to know what happened and what to do. Nothing here ever includes a
token or a password: the library's errors do not carry them, and these sentences only name a device.
"""

from __future__ import annotations

from kasacloud.client.errors import (
    AuthenticationError,
    CloudConnectionError,
    CloudTimeoutError,
    DeviceError,
    DeviceOfflineError,
    InvalidArgumentError,
    KasaCloudError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    TokenExpiredError,
    VerificationRequired,
)
from kasacloud.protocol.errors import ErrorCode

SESSION_ENDED = "Your session with the cloud has ended. Please sign in again."


def _subject(device_name: str | None) -> str:
    return f"“{device_name}”" if device_name else "The device"


def sign_in_message(error: Exception) -> str:
    """The message for a failed sign-in (first step: e-mail and password)."""
    if isinstance(error, AuthenticationError) and not isinstance(error, VerificationRequired):
        if error.code == ErrorCode.ACCOUNT_NOT_FOUND:
            return "There is no account with that e-mail address."
        if error.code == ErrorCode.APP_VERSION_TOO_OLD:
            return (
                "This account uses 2-step verification, which the old (V1) sign-in cannot do. "
                "Start the dashboard with --protocol v2."
            )
        return "The e-mail address or the password is not right. Check both and try again."
    return human_message(error)


def verification_message(error: Exception) -> str:
    """The message for a failed second step (the verification code)."""
    if isinstance(error, AuthenticationError) and not isinstance(error, TokenExpiredError):
        return "That code is not right, or it has expired. Check it and try again."
    return human_message(error)


def human_message(error: Exception, *, device_name: str | None = None) -> str:
    """A sentence a person understands for ``error``, naming the device when there is one."""
    subject = _subject(device_name)
    if isinstance(error, TokenExpiredError):
        return SESSION_ENDED
    if isinstance(error, AuthenticationError):
        return "The cloud did not accept your sign-in. Please sign in again."
    if isinstance(error, DeviceOfflineError):
        return f"{subject} is offline. Check that it is plugged in and connected to Wi-Fi."
    if isinstance(error, RateLimitedError):
        return "The cloud is receiving too many requests. Wait a minute, then try again."
    if isinstance(error, NotFoundError):
        return f"{subject} is no longer on this account. Reload the page to see your devices."
    if isinstance(error, InvalidArgumentError):
        return f"{subject} cannot do that: {error.message}."
    if isinstance(error, DeviceError):
        return f"{subject} refused the command ({error.message})."
    if isinstance(error, CloudTimeoutError):
        return f"{subject} did not answer in time. Try again in a moment."
    if isinstance(error, CloudConnectionError):
        return "The cloud cannot be reached. Check the network connection, then try again."
    if isinstance(error, ProtocolError):
        return f"The cloud gave an answer the dashboard did not understand ({error.message})."
    if isinstance(error, KasaCloudError):
        return f"Something went wrong: {error.message}."
    return "Something went wrong in the dashboard. Try again; if it keeps happening, see its log."
