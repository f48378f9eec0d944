"""Arguments and options several commands share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def device_argument(f: F) -> F:
    """``DEVICE``: an id, an alias, or a unique part of an alias."""
    return click.argument("device", metavar="DEVICE")(f)


def outlet_option(f: F) -> F:
    """``--outlet N|ALIAS`` for one outlet of a power strip."""
    return click.option(
        "--outlet",
        "-o",
        metavar="N|ALIAS",
        help="One outlet of a power strip (or sensor of a hub): its number (from 1) or its name.",
    )(f)


class AliasedGroup(click.Group):
    """A command group where ``delete`` and ``rm`` are other names of ``remove``.

    The aliases work on the command line but stay out of ``--help``, which lists ``remove`` once
    (its help says "also: delete, rm").
    """

    aliases: dict[str, str] = {"delete": "remove", "rm": "remove"}  # noqa: RUF012 - read only

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name`` names, through the aliases."""
        return super().get_command(ctx, self.aliases.get(cmd_name, cmd_name))
