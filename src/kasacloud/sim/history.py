"""Day-by-day counters (energy in Wh, minutes on) as the devices keep them, and their synthesis.

Real Kasa devices keep about 30 days of daily totals and a year or two of monthly totals; a
freshly built simulated device gets 35 days and 12 months of plausible history, deterministic from
its id, so that charts have something to show from the first minute.
"""

from __future__ import annotations

import calendar
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

KEEP_DAYS = 62
"""Daily totals older than this many days are dropped (devices keep about a month)."""

SYNTHESIZED_DAYS = 35
SYNTHESIZED_MONTHS = 12


def unit_noise(*parts: object) -> float:
    """A deterministic number in [-1, 1] from ``parts`` (fast; no random state to keep)."""
    key = ":".join(map(str, parts)).encode()
    return (zlib.crc32(key) % 20001) / 10000.0 - 1.0


def _two_noises(seed: str, day: date) -> tuple[float, float]:
    # One hash, two independent-enough numbers in [-1, 1]: synthesis makes hundreds per device.
    h = zlib.crc32(f"{seed}:{day.toordinal()}".encode())
    return (h & 0xFFFF) / 32767.5 - 1.0, (h >> 16) / 32767.5 - 1.0


@dataclass
class DailyHistory:
    """Amounts per local day and per local month (``"2024-05-01"`` and ``"2024-05"``)."""

    days: dict[str, float] = field(default_factory=dict)
    months: dict[str, float] = field(default_factory=dict)
    # The last snapshot's rounded values, and the keys added to since: every state write takes a
    # snapshot, and rounding each of ~100 entries again was most of a write's own cost.
    _rounded: tuple[dict[str, float], dict[str, float]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _changed: set[str] = field(default_factory=set, init=False, repr=False, compare=False)

    def add(self, day: date, amount: float) -> None:
        """Add ``amount`` to ``day`` and to its month."""
        if amount <= 0:
            return
        day_key = day.isoformat()
        month_key = day_key[:7]
        if day_key not in self.days and len(self.days) >= KEEP_DAYS:
            self._prune(day)
        self.days[day_key] = self.days.get(day_key, 0.0) + amount
        self.months[month_key] = self.months.get(month_key, 0.0) + amount
        if self._rounded is not None:
            self._changed.add(day_key)

    def invalidate(self) -> None:
        """Forget the cached snapshot (after writing to ``days`` or ``months`` directly)."""
        self._rounded = None
        self._changed.clear()

    def _prune(self, today: date) -> None:
        oldest = (today - timedelta(days=KEEP_DAYS)).isoformat()
        for key in [k for k in self.days if k < oldest]:
            del self.days[key]
        self.invalidate()

    def clear(self) -> None:
        """Forget everything (``erase_emeter_stat``)."""
        self.days.clear()
        self.months.clear()
        self.invalidate()

    def day_list(self, year: int, month: int) -> list[tuple[int, float]]:
        """``(day, amount)`` for every recorded day of a month, in order."""
        prefix = f"{year:04d}-{month:02d}-"
        return sorted((int(k[8:]), v) for k, v in self.days.items() if k.startswith(prefix))

    def month_list(self, year: int) -> list[tuple[int, float]]:
        """``(month, amount)`` for every recorded month of a year, in order."""
        prefix = f"{year:04d}-"
        return sorted((int(k[5:]), v) for k, v in self.months.items() if k.startswith(prefix))

    def total(self) -> float:
        """Sum over all recorded months."""
        return sum(self.months.values())

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready state, rounded so that a snapshot stays small (new dicts, the caller's)."""
        if self._rounded is None:
            self._rounded = (
                {k: round(v, 4) for k, v in self.days.items()},
                {k: round(v, 4) for k, v in self.months.items()},
            )
        else:
            days, months = self._rounded
            for day_key in self._changed:  # only the keys added to since the last snapshot
                month_key = day_key[:7]
                days[day_key] = round(self.days[day_key], 4)
                months[month_key] = round(self.months[month_key], 4)
        self._changed.clear()
        days, months = self._rounded
        return {"days": dict(days), "months": dict(months)}

    @classmethod
    def restore(cls, state: dict[str, Any]) -> DailyHistory:
        """Rebuild from :meth:`snapshot`."""
        return cls(
            days={str(k): float(v) for k, v in state.get("days", {}).items()},
            months={str(k): float(v) for k, v in state.get("months", {}).items()},
        )


@dataclass
class Meter:
    """What one load (a plug, a bulb, or one outlet of a strip) has counted."""

    energy_wh: DailyHistory = field(default_factory=DailyHistory)
    on_minutes: DailyHistory = field(default_factory=DailyHistory)
    total_wh: float = 0.0
    """Lifetime energy since the last erase (``total`` / ``total_wh`` in ``get_realtime``)."""

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready state."""
        return {
            "energy_wh": self.energy_wh.snapshot(),
            "on_minutes": self.on_minutes.snapshot(),
            "total_wh": round(self.total_wh, 4),
        }

    @classmethod
    def restore(cls, state: dict[str, Any]) -> Meter:
        """Rebuild from :meth:`snapshot`."""
        return cls(
            energy_wh=DailyHistory.restore(state.get("energy_wh", {})),
            on_minutes=DailyHistory.restore(state.get("on_minutes", {})),
            total_wh=float(state.get("total_wh", 0.0)),
        )

    def synthesize(self, *, seed: str, power_w: float, now_s: float, tz: tzinfo) -> None:
        """Invent plausible past use, deterministic from ``seed`` (the device or outlet id).

        ``SYNTHESIZED_DAYS`` daily and ``SYNTHESIZED_MONTHS`` monthly totals before ``now_s``.
        """
        local_now = datetime.fromtimestamp(now_s, tz)
        today = local_now.date()
        # Each load has its own habit: on for 2 to 10 hours a typical day.
        typical_hours = 6.0 + 4.0 * unit_noise(seed, "habit")
        minutes = self.on_minutes
        energy = self.energy_wh
        for back in range(SYNTHESIZED_DAYS, -1, -1):
            day = today - timedelta(days=back)
            hours_noise, power_noise = _two_noises(seed, day)
            hours = typical_hours * (1.0 + 0.5 * hours_noise)
            if back == 0:
                # Today so far: the same habit, pro rata.
                hours = typical_hours * (local_now.hour + local_now.minute / 60.0) / 24.0
            wh = hours * power_w * (1.0 + 0.03 * power_noise)
            day_key = day.isoformat()
            month_key = day_key[:7]
            minutes.days[day_key] = hours * 60.0
            minutes.months[month_key] = minutes.months.get(month_key, 0.0) + hours * 60.0
            energy.days[day_key] = wh
            energy.months[month_key] = energy.months.get(month_key, 0.0) + wh
            self.total_wh += wh
        # Whole months before the daily window: only monthly totals survive on a real device.
        first_daily = today - timedelta(days=SYNTHESIZED_DAYS)
        year, month = today.year, today.month
        for _ in range(SYNTHESIZED_MONTHS):
            month -= 1
            if month == 0:
                year, month = year - 1, 12
            days_in_month = calendar.monthrange(year, month)[1]
            if date(year, month, days_in_month) < first_daily:
                uncovered = days_in_month
            elif (first_daily.year, first_daily.month) == (year, month):
                uncovered = first_daily.day - 1
            else:
                uncovered = 0
            if uncovered == 0:
                continue
            hours = typical_hours * uncovered * (1.0 + 0.2 * unit_noise(seed, year, month))
            key = f"{year:04d}-{month:02d}"
            self.on_minutes.months[key] = self.on_minutes.months.get(key, 0.0) + hours * 60.0
            month_wh = hours * power_w
            self.energy_wh.months[key] = self.energy_wh.months.get(key, 0.0) + month_wh
            self.total_wh += month_wh
        # Written directly above: snapshots must round everything again.
        self.on_minutes.invalidate()
        self.energy_wh.invalidate()
