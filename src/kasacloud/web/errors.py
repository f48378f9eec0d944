"""The dashboard's own refusals, as exception classes with the sentence to show and the status.

Request handlers raise these (or let the library raise its errors); :mod:`kasacloud.web.handlers`
turns each class into the answer.
"""

from __future__ import annotations

CSRF_REFUSED = (
    "This request was refused because it did not carry the page's security token. "
    "Reload the page and try again."
)
NOT_SIGNED_IN = "You are not signed in (or your session ended). Please sign in."
NOT_ON_ACCOUNT = (
    "There is no such device on this account: it may have been removed, or the link is wrong."
)
SERVER_ERROR = (
    "Something went wrong in the dashboard. Try again; if it keeps happening, see its log."
)


class WebError(Exception):
    """A request the dashboard refuses, with the sentence to show and the HTTP status."""

    status_code = 400
    heading = "Something went wrong"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def sentence(self, device_name: str | None) -> str:
        """The message shown, naming the device when there is one."""
        return self.message


class NotSignedIn(WebError):
    """The page needs a signed-in session, and there is none."""

    status_code = 401

    def __init__(self) -> None:
        super().__init__(NOT_SIGNED_IN)


class CsrfRefused(WebError):
    """A state-changing request without the session's CSRF token, or from another site."""

    status_code = 403
    heading = "Request refused"

    def __init__(self) -> None:
        super().__init__(CSRF_REFUSED)


class InvalidInput(WebError):
    """A form or query value the dashboard cannot use; ``message`` says what and what to do."""

    heading = "Not a value the dashboard can use"


class InvalidValue(InvalidInput):
    """A value the device cannot take (out of range, not a number)."""

    def sentence(self, device_name: str | None) -> str:
        """E.g. ``“Lamp” cannot take that value: brightness must be a number.``."""
        return f"“{device_name or 'The device'}” cannot take that value: {self.message}."


class DeviceLacks(InvalidInput):
    """The device does not have what the request needs (an energy meter, a light)."""

    def sentence(self, device_name: str | None) -> str:
        """E.g. ``“Hall lamp” has no energy meter.``."""
        return f"“{device_name or 'The device'}” {self.message}."


class NameTaken(InvalidInput):
    """Another device already has the name; the user may confirm to use it all the same."""

    status_code = 409
    heading = "That name is taken"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Another device is already called “{name}”. Two devices of one name are hard to tell "
            "apart (in the CLI, for voice assistants): choose another name, or tick “Use this name "
            "anyway” and rename again."
        )
        self.name = name


class Conflict(InvalidInput):
    """A request that cannot be done in the present state (an offline device, a stale scene)."""

    status_code = 409
    heading = "That cannot be done now"


class HomeUnreadable(Conflict):
    """The rooms-and-scenes file (the CLI's ``home.json``) cannot be read or written."""

    heading = "Rooms and scenes are not available"

    def __init__(self, detail: str) -> None:
        super().__init__(f"Rooms and scenes are not available: {detail}.")
