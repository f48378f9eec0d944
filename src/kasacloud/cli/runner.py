"""How every command runs: global options, the per-command context, output, and exit codes.

:func:`global_options` decorates the root group; :func:`command` turns a function that returns a
view into a click command that prints it (``--json`` or a table) and converts whatever it raises
into an exit code through :func:`kasacloud.cli.errors.classify`: the one place where that happens.
"""

from __future__ import annotations

import functools
import logging
import sys
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import anyio
import click

from kasacloud.cli import output
from kasacloud.cli.errors import CliError, ExitCode, classify, from_click
from kasacloud.cli.redact import RedactingFilter
from kasacloud.cli.settings import Settings

P = ParamSpec("P")
F = TypeVar("F", bound=Callable[..., Any])

DEBUG_LOGGERS = ("kasacloud.client", "kasacloud.cli")


def settings() -> Settings:
    """The settings of the running command (the root context's object)."""
    return click.get_current_context().ensure_object(Settings)


def _setter(attribute: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    """A callback that stores an option's value on :class:`Settings` (if it was given)."""

    def store(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        del param
        current = ctx.ensure_object(Settings)
        # A flag repeated after the command name (``devices --json``) must not undo the global one.
        if value is None or value is False:
            return
        setattr(current, attribute, value)

    return store


def global_options(group: F) -> F:
    """Add the global options to the root group; each stores itself on :class:`Settings`."""
    options = [
        click.option(
            "--cloud",
            metavar="URL",
            envvar="KASACLOUD_URL",
            callback=_setter("cloud_url"),
            expose_value=False,
            help="Cloud to use [env KASACLOUD_URL; default: the last login's, else TP-Link's].",
        ),
        click.option(
            "--username",
            "-u",
            metavar="EMAIL",
            envvar="KASA_USERNAME",
            callback=_setter("username"),
            expose_value=False,
            help="Account e-mail [env KASA_USERNAME; default: the last login's].",
        ),
        click.option(
            "--password",
            metavar="PASSWORD",
            envvar="KASA_PASSWORD",
            callback=_setter("password"),
            expose_value=False,
            help="Account password [env KASA_PASSWORD]. Better left out: 'login' prompts for it.",
        ),
        click.option(
            "--protocol",
            type=click.Choice(["v1", "v2"]),
            callback=_setter("protocol"),
            expose_value=False,
            help="Cloud API generation [default: the last login's, else v2].",
        ),
        click.option(
            "--json",
            "as_json",
            is_flag=True,
            callback=_setter("as_json"),
            expose_value=False,
            help="Print results (and errors, on stderr) as JSON for programs.",
        ),
        click.option(
            "--debug",
            is_flag=True,
            callback=_setter("debug"),
            expose_value=False,
            help="Trace requests and responses on stderr, secrets redacted.",
        ),
        click.option(
            "--timeout",
            "timeout_s",
            type=click.FloatRange(min=0.1),
            metavar="SECONDS",
            callback=_setter("timeout_s"),
            expose_value=False,
            help="Give up on a request after this long [default: 15].",
        ),
        click.option(
            "--retries",
            type=click.IntRange(0, 10),
            metavar="N",
            callback=_setter("retries"),
            expose_value=False,
            help="Retry a request that failed for a passing reason (timeout, network, the "
            "cloud's rate limit) up to N times, waiting longer each time [default: 2; 0: never].",
        ),
        click.option(
            "--config-dir",
            type=click.Path(file_okay=False, path_type=Path),
            envvar="KASACLOUD_CONFIG_DIR",
            callback=_setter("config_dir"),
            expose_value=False,
            help="Where the login profile and tokens live [env KASACLOUD_CONFIG_DIR].",
        ),
    ]
    for option in reversed(options):
        group = option(group)
    return group


def _json_option(f: F) -> F:
    """``--json`` after the command name too (``kasacloud devices --json``)."""
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        callback=_setter("as_json"),
        expose_value=False,
        help="Print the result as JSON.",
    )(f)


def _start_debug(current: Settings) -> None:
    """Route the library's trace (logger ``kasacloud.client``) to stderr, through a redactor."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(lambda: [current.password]))
    for name in DEBUG_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    current.__dict__["_debug_handler"] = handler


def _stop_debug(current: Settings) -> None:
    handler = current.__dict__.pop("_debug_handler", None)
    if handler is not None:
        for name in DEBUG_LOGGERS:
            logging.getLogger(name).removeHandler(handler)


def run_view(current: Settings, produce: Callable[[], output.View | None]) -> None:
    """Produce a view, print it, and exit with the code of whatever went wrong."""
    if current.debug:
        _start_debug(current)
    try:
        view = produce()
        if view is not None:
            output.emit(view, as_json=current.as_json)
            # a command on several devices prints every result, then exits with a failure's code
            if code := getattr(view, "exit_code", 0):
                raise click.exceptions.Exit(code)
    except click.exceptions.Exit:
        raise
    except click.Abort:
        output.emit_error(
            CliError("Stopped.", exit_code=ExitCode.INTERRUPTED), as_json=current.as_json
        )
        raise click.exceptions.Exit(ExitCode.INTERRUPTED) from None
    except KeyboardInterrupt:
        output.emit_error(
            CliError("Interrupted.", exit_code=ExitCode.INTERRUPTED), as_json=current.as_json
        )
        raise click.exceptions.Exit(ExitCode.INTERRUPTED) from None
    except click.ClickException as exc:
        error = from_click(exc)
        output.emit_error(error, as_json=current.as_json)
        raise click.exceptions.Exit(error.exit_code) from None
    except Exception as exc:
        error = classify(exc)
        if current.debug and error.exit_code == ExitCode.ERROR:
            # An unexpected error is a bug: the trace helps a report (secrets live in typed
            # containers whose repr hides them, and the redactor covers the log lines).
            sys.stderr.write("".join(traceback.format_exception(exc)))
        output.emit_error(error, as_json=current.as_json)
        raise click.exceptions.Exit(error.exit_code) from None
    finally:
        _stop_debug(current)


AsyncCommand = Callable[Concatenate[Settings, P], Awaitable[output.View | None]]


def command(name: str | None = None, **attrs: Any) -> Callable[[AsyncCommand[P]], click.Command]:
    """Make a click command of ``async def f(settings, **options) -> view``.

    The function runs on an event loop of its own (the client library is async); what it returns
    is printed, what it raises becomes an exit code. Example::

        @command("devices")
        async def devices(current: Settings) -> Listing: ...
    """

    def decorate(f: AsyncCommand[P]) -> click.Command:
        @functools.wraps(f)
        def callback(*args: P.args, **kwargs: P.kwargs) -> None:
            current = settings()

            def produce() -> output.View | None:
                async def main() -> output.View | None:
                    return await f(current, *args, **kwargs)

                return anyio.run(main)

            run_view(current, produce)

        make = cast(Callable[[Callable[..., None]], click.Command], click.command(name, **attrs))
        return make(_json_option(callback))

    return decorate


SyncCommand = Callable[Concatenate[Settings, P], output.View | None]


def sync_command(
    name: str | None = None, **attrs: Any
) -> Callable[[SyncCommand[P]], click.Command]:
    """Like :func:`command`, for a plain function that runs its own event loops (``anyio.run``).

    For commands that prompt: a prompt inside the event loop cannot be stopped with Ctrl-C
    (the loop's signal handler only cancels tasks, and the blocked read restarts).
    """

    def decorate(f: SyncCommand[P]) -> click.Command:
        @functools.wraps(f)
        def callback(*args: P.args, **kwargs: P.kwargs) -> None:
            current = settings()
            run_view(current, lambda: f(current, *args, **kwargs))

        make = cast(Callable[[Callable[..., None]], click.Command], click.command(name, **attrs))
        return make(_json_option(callback))

    return decorate
