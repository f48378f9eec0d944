"""Energy history that outlives the devices' own month: days and months per meter, in SQLite.

:class:`HistoryStore` is the one small interface (a PostgreSQL backend can follow);
:class:`SqliteHistory` is the embedded one, by default in the user data dir
(:func:`~kasacloud.agent.config.default_history_path`), where ``kasacloud export`` finds it.
:class:`HistoryRecorder` is the agent's side: on the first run and after a gap it back-fills
from the devices' own history (the months since the last recorded day, at least the last two),
then re-reads the current month at every history interval (one request per meter).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kasacloud.agent.budget import POLL, RequestBudget
from kasacloud.client import (
    AuthenticationError,
    CloudConnectionError,
    Device,
    DeviceOfflineError,
    KasaCloudError,
    Outlet,
    RateLimitedError,
)

logger = logging.getLogger("kasacloud.agent")

BACKFILL_MONTHS = 2
"""Months before the current one read on a first run (devices keep about 30 days of days)."""


@dataclass(frozen=True, slots=True)
class Meter:
    """A meter: a device, or a strip's outlet (``outlet`` from 1)."""

    meter_id: str
    alias: str
    outlet: int | None = None
    parent_id: str | None = None

    @classmethod
    def of(cls, device: Device) -> Meter:
        """The meter of a device (an outlet's alias says its strip, as ``export`` does)."""
        if isinstance(device, Outlet):
            return cls(
                device.device_id,
                f"{device.parent.alias} / {device.alias}",
                device.index + 1,
                device.parent.device_id,
            )
        return cls(device.device_id, device.alias)


@dataclass(frozen=True, slots=True)
class HistoryDay:
    """One meter's energy on one day."""

    meter: Meter
    date: dt.date
    energy_kwh: float


@dataclass(frozen=True, slots=True)
class HistoryMonth:
    """One meter's energy in one month."""

    meter: Meter
    year: int
    month: int
    energy_kwh: float


class HistoryStore(Protocol):
    """Where the history is kept: the whole interface a backend implements."""

    def record_days(self, meter: Meter, days: Iterable[tuple[dt.date, float]]) -> None:
        """Keep (or replace) ``meter``'s energy per day."""

    def record_months(self, meter: Meter, months: Iterable[tuple[int, int, float]]) -> None:
        """Keep (or replace) ``meter``'s energy per month (year, month, kWh)."""

    def last_day(self, meter_id: str) -> dt.date | None:
        """The latest day recorded for ``meter_id`` (``None``: nothing yet)."""

    def days(
        self, start: dt.date, end: dt.date, meter_ids: Collection[str] | None = None
    ) -> list[HistoryDay]:
        """Every recorded day from ``start`` to ``end`` (inclusive), by date then meter."""

    def months(
        self, start: tuple[int, int], end: tuple[int, int], meter_ids: Collection[str] | None = None
    ) -> list[HistoryMonth]:
        """Every recorded month from ``start`` to ``end`` ((year, month), inclusive)."""

    def close(self) -> None:
        """Release the store."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meters (
    meter_id TEXT PRIMARY KEY,
    alias TEXT NOT NULL,
    outlet INTEGER,
    parent_id TEXT
);
CREATE TABLE IF NOT EXISTS days (
    meter_id TEXT NOT NULL REFERENCES meters(meter_id),
    day TEXT NOT NULL,
    energy_kwh REAL NOT NULL,
    PRIMARY KEY (meter_id, day)
);
CREATE TABLE IF NOT EXISTS months (
    meter_id TEXT NOT NULL REFERENCES meters(meter_id),
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    energy_kwh REAL NOT NULL,
    PRIMARY KEY (meter_id, year, month)
);
"""


class SqliteHistory:
    """The history in one SQLite file (WAL mode: ``export`` reads while the agent writes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        new = not path.exists()
        self._db = sqlite3.connect(path, check_same_thread=False)
        if new:
            os.chmod(path, 0o600)  # what was used when is the owner's business
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._db.commit()

    @classmethod
    def open_existing(cls, path: Path) -> SqliteHistory | None:
        """The store at ``path`` if there is one (``export`` does not create it)."""
        return cls(path) if path.is_file() else None

    def _meter(self, meter: Meter) -> None:
        self._db.execute(
            "INSERT INTO meters (meter_id, alias, outlet, parent_id) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(meter_id) DO UPDATE SET alias = excluded.alias, "
            "outlet = excluded.outlet, parent_id = excluded.parent_id",
            (meter.meter_id, meter.alias, meter.outlet, meter.parent_id),
        )

    def record_days(self, meter: Meter, days: Iterable[tuple[dt.date, float]]) -> None:
        """Keep (or replace) ``meter``'s energy per day."""
        with self._db:
            self._meter(meter)
            self._db.executemany(
                "INSERT OR REPLACE INTO days (meter_id, day, energy_kwh) VALUES (?, ?, ?)",
                [(meter.meter_id, d.isoformat(), float(kwh)) for d, kwh in days],
            )

    def record_months(self, meter: Meter, months: Iterable[tuple[int, int, float]]) -> None:
        """Keep (or replace) ``meter``'s energy per month."""
        with self._db:
            self._meter(meter)
            self._db.executemany(
                "INSERT OR REPLACE INTO months (meter_id, year, month, energy_kwh) "
                "VALUES (?, ?, ?, ?)",
                [(meter.meter_id, y, m, float(kwh)) for y, m, kwh in months],
            )

    def last_day(self, meter_id: str) -> dt.date | None:
        """The latest day recorded for ``meter_id``."""
        row = self._db.execute("SELECT MAX(day) FROM days WHERE meter_id = ?", (meter_id,))
        value = row.fetchone()[0]
        return dt.date.fromisoformat(value) if value else None

    @staticmethod
    def _filter(meter_ids: Collection[str] | None) -> tuple[str, list[str]]:
        if meter_ids is None:
            return "", []
        marks = ", ".join("?" for _ in meter_ids) or "NULL"
        return f" AND m.meter_id IN ({marks})", list(meter_ids)

    def days(
        self, start: dt.date, end: dt.date, meter_ids: Collection[str] | None = None
    ) -> list[HistoryDay]:
        """Every recorded day from ``start`` to ``end``."""
        where, args = self._filter(meter_ids)
        rows = self._db.execute(
            "SELECT m.meter_id, m.alias, m.outlet, m.parent_id, d.day, d.energy_kwh "
            "FROM days d JOIN meters m USING (meter_id) WHERE d.day BETWEEN ? AND ?"
            + where
            + " ORDER BY d.day, m.meter_id",
            [start.isoformat(), end.isoformat(), *args],
        )
        return [
            HistoryDay(Meter(mid, alias, outlet, parent), dt.date.fromisoformat(day), kwh)
            for mid, alias, outlet, parent, day, kwh in rows
        ]

    def months(
        self, start: tuple[int, int], end: tuple[int, int], meter_ids: Collection[str] | None = None
    ) -> list[HistoryMonth]:
        """Every recorded month from ``start`` to ``end``."""
        where, args = self._filter(meter_ids)
        rows = self._db.execute(
            "SELECT m.meter_id, m.alias, m.outlet, m.parent_id, o.year, o.month, o.energy_kwh "
            "FROM months o JOIN meters m USING (meter_id) "
            "WHERE (o.year * 12 + o.month) BETWEEN ? AND ?"
            + where
            + " ORDER BY o.year, o.month, m.meter_id",
            [start[0] * 12 + start[1], end[0] * 12 + end[1], *args],
        )
        return [
            HistoryMonth(Meter(mid, alias, outlet, parent), year, month, kwh)
            for mid, alias, outlet, parent, year, month, kwh in rows
        ]

    def close(self) -> None:
        """Close the database."""
        self._db.close()


def _months_back(today: dt.date, since: dt.date) -> list[tuple[int, int]]:
    """Every (year, month) from ``since``'s month to ``today``'s, oldest first."""
    out = []
    year, month = since.year, since.month
    while (year, month) <= (today.year, today.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _device_today(device: Device) -> dt.date:
    """The device's own date (its history is kept by its clock), else this computer's."""
    for holder in (device, getattr(device, "parent", None)):
        clock = getattr(holder, "time", None)
        if isinstance(clock, dt.datetime):
            return clock.date()
    return dt.date.today()


class HistoryRecorder:
    """The agent's history job: back-fill after a gap, then keep the current month fresh."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store
        self.recorded_days = 0
        """Day records written (a re-read day counts again)."""

    def _start(self, meter_id: str, today: dt.date) -> dt.date:
        last = self.store.last_day(meter_id)
        first_run = today.replace(day=1)
        for _ in range(BACKFILL_MONTHS):
            first_run = (first_run - dt.timedelta(days=1)).replace(day=1)
        if last is None:
            return first_run
        return min(last, today)  # a gap: from the last recorded day's month on

    async def collect(self, devices: Sequence[Device], budget: RequestBudget) -> None:
        """Read the months each meter misses (at least the current one) and the year's months."""
        from kasacloud.agent.poller import meters

        for device in meters(devices):
            if not device.is_online or device.energy is None:
                continue
            today = _device_today(device)
            meter = Meter.of(device)
            months = _months_back(today, self._start(meter.meter_id, today))
            try:
                for year, month in months:
                    await budget.acquire(1, POLL)
                    days = await device.energy.get_daily(year, month)
                    self.store.record_days(meter, [(d.date, d.energy_kwh) for d in days])
                    self.recorded_days += len(days)
                years = sorted({y for y, _ in months})
                for year in years:
                    await budget.acquire(1, POLL)
                    totals = await device.energy.get_monthly(year)
                    self.store.record_months(
                        meter, [(m.year, m.month, m.energy_kwh) for m in totals]
                    )
            except DeviceOfflineError:
                continue
            except (RateLimitedError, AuthenticationError, CloudConnectionError):
                raise  # the poller's to handle (backoff, the report)
            except KasaCloudError as exc:
                logger.warning("energy history of %s not read: %s", meter.alias, exc)


def history_records(
    start: dt.date, end: dt.date, meter_ids: Collection[str], path: Path | None = None
) -> list[dict[str, object]]:
    """``export``'s records of the recorded days (none when there is no history file)."""
    from kasacloud.agent.config import default_history_path

    try:
        store = SqliteHistory.open_existing(path or default_history_path())
    except (OSError, sqlite3.Error):
        return []  # a history that cannot be read is no worse than none
    if store is None:
        return []
    try:
        days = store.days(start, end, meter_ids)
    finally:
        store.close()
    return [
        {
            "device_id": day.meter.meter_id,
            "alias": day.meter.alias,
            "outlet": day.meter.outlet,
            "date": day.date.isoformat(),
            "energy_kwh": round(day.energy_kwh, 6),
        }
        for day in days
    ]
