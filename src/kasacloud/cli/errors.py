"""Exit codes, and the one place where an exception becomes one.

Every command runs through :func:`kasacloud.cli.runner.command`, which catches what a command raises
and hands it to :func:`classify`. The codes are documented in ``docs/cli.md``; scripts rely on them,
so a code never changes meaning.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import click

from kasacloud.client import errors as client_errors


class ExitCode(enum.IntEnum):
    """The ``kasacloud`` exit codes (``docs/cli.md``)."""

    OK = 0
    """The command did what was asked."""
    ERROR = 1
    """Anything not listed below (a bug, a protocol error, a refused request)."""
    USAGE = 2
    """Bad command line: unknown option, missing or malformed argument (click uses 2 too)."""
    AUTH = 3
    """Not signed in, wrong credentials, token unusable, or a verification code is needed/wrong."""
    NOT_FOUND = 4
    """No such device or outlet, or the name matches more than one."""
    OFFLINE = 5
    """The device is offline (no cloud session), or did not answer in time."""
    RATE_LIMITED = 6
    """The cloud refuses: too many requests. Wait, then retry."""
    DEVICE_ERROR = 7
    """The device refused the command (unsupported module or method, invalid argument)."""
    UNREACHABLE = 8
    """The cloud could not be reached (network error, timeout, TLS failure)."""
    INTERRUPTED = 130
    """Stopped with Ctrl-C (the shell convention: 128 + SIGINT)."""

    @property
    def slug(self) -> str:
        """A stable lower-case name for ``--json`` error objects (``"not_found"``)."""
        return self.name.lower()


@dataclass
class CliError(Exception):
    """An error the CLI reports itself: a message, what to do about it, and an exit code.

    Commands raise it for problems they detect (bad input, a missing outlet); library errors are
    translated into it by :func:`classify`.
    """

    message: str
    hint: str | None = None
    exit_code: ExitCode = ExitCode.ERROR
    cloud_code: int | None = None
    """The cloud's or device's numeric error code, when there is one."""
    candidates: list[dict[str, str]] = field(default_factory=list)
    """For an ambiguous device name: the devices it matched (``id``, ``alias``)."""

    def __str__(self) -> str:
        return self.message

    def with_code_not_found(self) -> CliError:
        """The same error, as "not found" (exit 4)."""
        self.exit_code = ExitCode.NOT_FOUND
        return self

    def to_json(self) -> dict[str, object]:
        """The error as printed on stderr with ``--json`` (schema in ``docs/cli.md``)."""
        data: dict[str, object] = {
            "error": self.exit_code.slug,
            "exit_code": int(self.exit_code),
            "message": self.message,
        }
        if self.hint:
            data["hint"] = self.hint
        if self.cloud_code is not None:
            data["cloud_code"] = self.cloud_code
        if self.candidates:
            data["candidates"] = self.candidates
        return data


def usage_error(message: str, hint: str | None = None) -> CliError:
    """A usage error found after click's own parsing (a bad date, an unknown outlet format)."""
    return CliError(message, hint=hint, exit_code=ExitCode.USAGE)


def from_click(error: click.ClickException) -> CliError:
    """Translate click's own usage errors so they go through the same printer."""
    message = error.format_message()
    if isinstance(error, click.UsageError) and error.ctx is not None:
        hint = f"Try '{error.ctx.command_path} --help'."
    else:
        hint = None
    code = ExitCode.USAGE if error.exit_code == 2 else ExitCode.ERROR
    return CliError(message, hint=hint, exit_code=code)


# Most specific first: the first class that matches decides.
_CODES: tuple[tuple[type[client_errors.KasaCloudError], ExitCode, str | None], ...] = (
    (
        client_errors.VerificationRequired,
        ExitCode.AUTH,
        "This account uses 2-step verification: run 'kasacloud login' in a terminal.",
    ),
    (
        client_errors.TokenExpiredError,
        ExitCode.AUTH,
        "The session ended: run 'kasacloud login' again.",
    ),
    (
        client_errors.AuthenticationError,
        ExitCode.AUTH,
        "Check the e-mail and password, then run 'kasacloud login' again.",
    ),
    (
        client_errors.AmbiguousDeviceError,
        ExitCode.NOT_FOUND,
        "Use more of the name, or the device id.",
    ),
    (
        client_errors.NotFoundError,
        ExitCode.NOT_FOUND,
        "Run 'kasacloud devices' to see the names and ids.",
    ),
    (
        client_errors.DeviceOfflineError,
        ExitCode.OFFLINE,
        "The device has no cloud connection: check its power and Wi-Fi.",
    ),
    (
        client_errors.CloudTimeoutError,
        ExitCode.OFFLINE,
        "The device or the cloud did not answer in time: try again, or raise --timeout.",
    ),
    (
        client_errors.RateLimitedError,
        ExitCode.RATE_LIMITED,
        "The cloud limits how often it may be asked: wait a minute, then try again.",
    ),
    (client_errors.DeviceError, ExitCode.DEVICE_ERROR, None),
    (client_errors.InvalidArgumentError, ExitCode.USAGE, None),
    (
        client_errors.CloudConnectionError,
        ExitCode.UNREACHABLE,
        "Check the network and the --cloud URL.",
    ),
    (
        client_errors.ProtocolError,
        ExitCode.ERROR,
        "The answer was not what a Kasa cloud sends: check the --cloud URL, or rerun with --debug.",
    ),
)


def classify(exc: BaseException) -> CliError:
    """The CLI error (message, hint, exit code) for anything a command raised."""
    if isinstance(exc, CliError):
        return exc
    if isinstance(exc, client_errors.KasaCloudError):
        code, hint = next(
            ((c, h) for cls, c, h in _CODES if isinstance(exc, cls)), (ExitCode.ERROR, None)
        )
        error = CliError(str(exc), hint=hint, exit_code=code, cloud_code=exc.code)
        if isinstance(exc, client_errors.AmbiguousDeviceError):
            error.message = f"{exc.selector!r} matches {len(exc.candidates)} devices:"
            error.candidates = [{"alias": a, "id": i} for a, i in exc.candidates]
        return error
    if isinstance(exc, OSError):
        return CliError(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
    return CliError(f"Unexpected error: {type(exc).__name__}: {exc}", hint="Run with --debug.")
