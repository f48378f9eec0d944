"""The ``kasacloud`` command: a click group; each command lives in a module of its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from kasacloud import __version__
from kasacloud.cli import output
from kasacloud.cli.adopt import adopt
from kasacloud.cli.agent import agent
from kasacloud.cli.commands import COMMANDS
from kasacloud.cli.errors import CliError, from_click
from kasacloud.cli.runner import global_options
from kasacloud.cli.serve import serve
from kasacloud.cli.settings import Settings
from kasacloud.cli.simulate import simulate
from kasacloud.cli.web import web

_ARGV_KEY = "kasacloud.argv"


def _wants_json(argv: Sequence[str]) -> bool:
    """Whether ``--json`` was given anywhere before ``--`` (the options may not have parsed)."""
    end = list(argv).index("--") if "--" in argv else len(argv)
    return "--json" in argv[:end]


class _ReportedUsageError(click.ClickException):
    """A click usage error, shown the way every other error is (and as JSON with ``--json``)."""

    def __init__(self, error: CliError, *, as_json: bool) -> None:
        super().__init__(error.message)
        self.error = error
        self.as_json = as_json
        # click declares exit_code per class; ours depends on the error (2 usage, 1 other)
        setattr(self, "exit_code", int(error.exit_code))  # noqa: B010

    def show(self, file: Any = None) -> None:
        """Print through the CLI's one error printer (stderr)."""
        del file
        output.emit_error(self.error, as_json=self.as_json)


class KasaCloudGroup(click.Group):
    """The root group, whose click usage errors are reported like the commands' errors.

    An unknown option, a value out of range or a missing argument goes through the same printer
    (JSON on stderr with ``--json``) and exit code (2) as the errors the commands find.
    """

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """Parse the global options, keeping the command line for :meth:`invoke`'s errors."""
        argv = list(args)
        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        except click.ClickException as exc:
            if isinstance(exc, _ReportedUsageError):
                raise
            raise _ReportedUsageError(from_click(exc), as_json=_wants_json(argv)) from None
        ctx.meta[_ARGV_KEY] = argv
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a usage error of the command's own options is reported like others."""
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            if isinstance(exc, _ReportedUsageError):
                raise
            as_json = ctx.ensure_object(Settings).as_json or _wants_json(
                ctx.meta.get(_ARGV_KEY, [])
            )
            raise _ReportedUsageError(from_click(exc), as_json=as_json) from None


@click.group(cls=KasaCloudGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kasacloud")
@global_options
def cli() -> None:
    """Control TP-Link Kasa devices through the TP-Link cloud, or run a compatible cloud.

    Exit codes: 0 done, 1 other error, 2 usage, 3 sign-in/verification, 4 not found or
    ambiguous, 5 offline, 6 rate limited, 7 refused by the device, 8 cloud unreachable,
    130 interrupted (docs/cli.md).
    """


for _command in COMMANDS:
    cli.add_command(_command)
cli.add_command(serve)
cli.add_command(simulate)
cli.add_command(adopt)
cli.add_command(web)
cli.add_command(agent)


def main() -> None:
    """Console-script entry point."""
    cli()
