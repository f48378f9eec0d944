"""Every command of ``kasacloud`` (but ``serve``, which the server adds), for main.py."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
