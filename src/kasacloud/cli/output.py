"""What the CLI prints: views (plain data) and the two formatters (``--json`` and tables).

A command returns a *view*: :class:`Record` (one object), :class:`Listing` (rows of objects) or
:class:`Message`. The view's ``to_json()`` is the stable ``--json`` schema documented in
``docs/cli.md``; :func:`render` turns the same view into a rich table with units for people.
Results go to stdout, errors, progress and ``--debug`` traces to stderr, and colour is used only
when the stream is a terminal (rich's own detection, which also honours ``NO_COLOR``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from rich.console import Console, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from kasacloud.cli.errors import CliError

JSONValue = Any
"""Anything :func:`json.dumps` accepts (kept loose on purpose: views build plain dicts)."""

Formatter = Callable[[Any], str]

# A pipe has no width; rich would assume 80 and wrap 40-character device ids. Scripts that read the
# human output (they should use --json) get whole lines instead.
_PIPE_WIDTH = 200


def _plain(value: Any) -> str:
    """How a value reads in a table when its column has no formatter of its own."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value) or "-"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def on_off(value: Any) -> str:
    """Render a relay/light state."""
    if value is None:
        return "-"
    return "on" if value else "off"


def online(value: Any) -> str:
    """Render a device's cloud status."""
    if value is None:
        return "-"
    return "online" if value else "offline"


@dataclass(frozen=True)
class Column:
    """One field of a view as a person sees it: a header, a unit and how to write the value."""

    key: str
    header: str
    unit: str | None = None
    fmt: Formatter | None = None
    justify: str = "left"
    compute: Callable[[dict[str, Any]], str] | None = None
    """Build the cell from the whole row (for cells that combine fields)."""

    def title(self) -> str:
        """The header with its unit: ``Power (W)``."""
        return f"{self.header} ({self.unit})" if self.unit else self.header

    def cell(self, row: dict[str, Any]) -> str:
        """The value of this column in ``row``, formatted."""
        if self.compute is not None:
            return self.compute(row)
        value = row.get(self.key)
        return (self.fmt or _plain)(value)


def number(key: str, header: str, unit: str, digits: int = 2) -> Column:
    """A right-aligned numeric column with a fixed number of decimals."""

    def fmt(value: Any) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    return Column(key, header, unit, fmt, justify="right")


class View(Protocol):
    """What every command returns."""

    def to_json(self) -> JSONValue:
        """The ``--json`` object."""
        ...


@dataclass
class Record:
    """One object (a device's info, a realtime reading): rendered as a two-column table."""

    data: dict[str, Any]
    fields: Sequence[Column]
    title: str | None = None
    note: str | None = None
    """A sentence printed after the table for people only (``--json`` has the data)."""

    def to_json(self) -> JSONValue:
        """The record's data, unchanged."""
        return self.data


@dataclass
class Listing:
    """Rows of objects (devices, rules, daily energy): rendered as a table."""

    key: str
    """The JSON key holding the rows: ``{"devices": [...]}``."""
    rows: list[dict[str, Any]]
    columns: Sequence[Column]
    meta: dict[str, Any] = field(default_factory=dict)
    """Top-level JSON keys beside the rows (the device, the period, the unit)."""
    title: str | None = None
    empty: str = "Nothing to show."
    footer: str | None = None

    def to_json(self) -> JSONValue:
        """``{**meta, key: rows}``."""
        return {**self.meta, self.key: self.rows}


@dataclass
class Message:
    """A sentence for people, and an object for programs."""

    text: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> JSONValue:
        """The data (``{"ok": true}`` when there is none)."""
        return self.data or {"ok": True}


@dataclass
class RawJSON:
    """JSON shown as JSON to everyone (``kasacloud raw``)."""

    value: JSONValue

    def to_json(self) -> JSONValue:
        """The value itself."""
        return self.value


def render(view: View) -> RenderableType:
    """The human form of ``view``."""
    if isinstance(view, Record):
        table = Table(title=view.title, show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column()
        for col in view.fields:
            if col.key in view.data:
                value = col.cell(view.data)
                with_unit = col.unit and value != "-"
                table.add_row(col.header, f"{value} {col.unit}" if with_unit else value)
        if view.note:
            return _Group(table, Text(view.note))
        return table
    if isinstance(view, Listing):
        if not view.rows:
            return Text(view.empty)
        table = Table(title=view.title, title_justify="left", caption=view.footer)
        for col in view.columns:
            table.add_column(col.title(), justify=col.justify)  # type: ignore[arg-type]
        for row in view.rows:
            table.add_row(*(col.cell(row) for col in view.columns))
        return table
    if isinstance(view, Message):
        return Text(view.text)
    if isinstance(view, RawJSON):
        return Text(json.dumps(view.value, indent=2, sort_keys=True))
    raise TypeError(f"no formatter for {type(view).__name__}")  # a bug in a command


class _Group:
    """Several renderables printed one after the other."""

    def __init__(self, *items: RenderableType) -> None:
        self.items = items

    def __rich__(self) -> RenderableType:
        from rich.console import Group

        return Group(*self.items)


def console(stream: TextIO | None = None, *, stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr): colour and width only on a terminal."""
    file = stream or (sys.stderr if stderr else sys.stdout)
    is_tty = file.isatty()
    return Console(
        file=file,
        width=None if is_tty else _PIPE_WIDTH,
        highlight=False,
        soft_wrap=not is_tty,
        emoji=False,
    )


def dump_json(value: JSONValue, stream: TextIO) -> None:
    """Write ``value`` as indented, key-sorted JSON and a newline."""
    stream.write(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False))
    stream.write("\n")
    stream.flush()


def emit(view: View, *, as_json: bool) -> None:
    """Print a command's result on stdout."""
    if as_json:
        dump_json(view.to_json(), sys.stdout)
    else:
        console().print(render(view))


def emit_error(error: CliError, *, as_json: bool) -> None:
    """Print an error on stderr: a JSON object with ``--json``, else a readable message."""
    if as_json:
        dump_json(error.to_json(), sys.stderr)
        return
    err = console(stderr=True)
    err.print(Text("Error: ", style="bold red") + Text(error.message))
    for candidate in error.candidates:
        err.print(Text(f"  {candidate.get('alias', '')}  ({candidate.get('id', '')})"))
    if error.hint:
        err.print(Text(error.hint, style="dim"))


def note(text: str) -> None:
    """A line for people on stderr (progress notes, warnings), never part of the result."""
    console(stderr=True).print(Text(text, style="dim"))


class Steps(Protocol):
    """A progress counter."""

    def advance(self, description: str) -> None:
        """One more step done; ``description`` says what comes next."""
        ...


class _NoProgress:
    def advance(self, description: str) -> None:
        del description


class _BarProgress:
    def __init__(self, progress: Progress, task: Any) -> None:
        self.progress = progress
        self.task = task

    def advance(self, description: str) -> None:
        self.progress.update(self.task, advance=1, description=description)


@contextmanager
def progress(total: int, description: str) -> Iterator[Steps]:
    """A progress bar on stderr when stderr is a terminal; nothing otherwise."""
    err = console(stderr=True)
    if not err.is_terminal:
        yield _NoProgress()
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    with bar:
        task = bar.add_task(description, total=total)
        yield _BarProgress(bar, task)
