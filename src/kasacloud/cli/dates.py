"""Dates as people type them on a command line: ``2024-05-17``, ``2024-05``, ``2024``.

``--from`` takes the first day of what was named and ``--to`` the last, so ``--from 2024-03 --to
2024-04`` is the whole of March and April.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from kasacloud.cli.errors import usage_error

_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
MONTH_FORM = _MONTH
"""``YYYY-MM``."""
YEAR_FORM = _YEAR
"""``YYYY``."""

FORMATS_HELP = "YYYY-MM-DD, YYYY-MM or YYYY"


def _bounds(text: str, option: str) -> tuple[dt.date, dt.date]:
    """The first and last day of what ``text`` names."""
    text = text.strip()
    try:
        if m := _DAY.match(text):
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
            return day, day
        if m := _MONTH.match(text):
            year, month = int(m[1]), int(m[2])
            return dt.date(year, month, 1), dt.date(
                year, month, calendar.monthrange(year, month)[1]
            )
        if m := _YEAR.match(text):
            year = int(m[1])
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
    except ValueError as exc:  # 2024-02-30, 2024-13
        raise usage_error(
            f"{option} {text!r} is not a real date ({exc}).", hint=f"Use {FORMATS_HELP}."
        ) from None
    raise usage_error(f"{option} {text!r} is not a date.", hint=f"Use {FORMATS_HELP}.")


PERIODS_HELP = "--year YYYY (months), --month YYYY-MM (days) or --day YYYY-MM-DD (hours)"


def parse_month(text: str, option: str = "--month") -> tuple[int, int]:
    """``YYYY-MM`` as ``(year, month)``."""
    m = _MONTH.match(text.strip())
    if not m or not 1 <= int(m[2]) <= 12:
        raise usage_error(
            f"{option} {text!r} is not a month (YYYY-MM).", hint=f"Periods: {PERIODS_HELP}."
        )
    return int(m[1]), int(m[2])


def parse_year(text: str, option: str = "--year") -> int:
    """``YYYY`` as an int."""
    m = _YEAR.match(text.strip())
    if not m or int(m[1]) < 1970:
        raise usage_error(
            f"{option} {text!r} is not a year (YYYY).", hint=f"Periods: {PERIODS_HELP}."
        )
    return int(m[1])


def parse_day(text: str, option: str = "--day") -> dt.date:
    """``YYYY-MM-DD`` as a date."""
    m = _DAY.match(text.strip())
    try:
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as exc:
        raise usage_error(
            f"{option} {text!r} is not a real date ({exc}).", hint=f"Periods: {PERIODS_HELP}."
        ) from None
    raise usage_error(
        f"{option} {text!r} is not a day (YYYY-MM-DD).", hint=f"Periods: {PERIODS_HELP}."
    )


@dataclass(frozen=True)
class DateRange:
    """An inclusive range of days."""

    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, start: str | None, end: str | None, *, today: dt.date) -> DateRange:
        """``--from``/``--to`` as given; by default the 30 days up to and including ``today``."""
        last = _bounds(end, "--to")[1] if end else today
        first = _bounds(start, "--from")[0] if start else last - dt.timedelta(days=29)
        if first > last:
            raise usage_error(
                f"--from {first.isoformat()} is after --to {last.isoformat()}.",
                hint="Swap them, or leave --to out to end today.",
            )
        return cls(first, last)

    def months(self) -> Iterator[tuple[int, int]]:
        """Each ``(year, month)`` the range touches, in order."""
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            yield year, month
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end
