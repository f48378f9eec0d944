"""The ``kasacloud`` command: a click group; each command lives in a module of its own."""

from __future__ import annotations

import click

from kasacloud import __version__
from kasacloud.cli.adopt import adopt
from kasacloud.cli.commands import COMMANDS
from kasacloud.cli.runner import global_options
from kasacloud.cli.serve import serve
from kasacloud.cli.simulate import simulate
from kasacloud.cli.web import web


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kasacloud")
@global_options
def cli() -> None:
    """Control TP-Link Kasa devices through the TP-Link cloud, or run a compatible cloud."""


for _command in COMMANDS:
    cli.add_command(_command)
cli.add_command(serve)
cli.add_command(simulate)
cli.add_command(adopt)
cli.add_command(web)


def main() -> None:
    """Console-script entry point."""
    cli()
