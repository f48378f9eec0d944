"""Energy of a SMART load: hourly, daily and monthly Wh that grow with the simulated clock.

Daily and monthly totals and minutes on are the IOT simulator's
:class:`~kasacloud.sim.history.Meter` (with its synthesized past); hours are kept here for the
last :data:`KEEP_HOURS`, which is what
``get_energy_data`` with ``interval`` 60 reads.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any, Final

from kasacloud.sim.history import Meter

KEEP_HOURS: Final = 8 * 24
"""Hourly totals older than this are dropped (a real device keeps a few days of them)."""
HOUR_S: Final = 3600


class SmartMeter:
    """What one SMART load (a plug, an outlet) has counted."""

    def __init__(self, meter: Meter | None = None, hours: dict[int, float] | None = None) -> None:
        self.meter = meter or Meter()
        self.hours: dict[int, float] = dict(hours or {})
        """Start of a UTC hour (epoch seconds) -> Wh in it."""

    def add(self, start_s: float, end_s: float, power_w: float, tz: tzinfo) -> None:
        """Count ``power_w`` drawn from ``start_s`` to ``end_s`` (split at hour boundaries)."""
        at = start_s
        while at < end_s:
            hour = int(at // HOUR_S) * HOUR_S
            stop = min(end_s, hour + HOUR_S)
            seconds = stop - at
            wh = power_w * seconds / HOUR_S
            self.hours[hour] = self.hours.get(hour, 0.0) + wh
            day = datetime.fromtimestamp(at, tz).date()
            self.meter.energy_wh.add(day, wh)
            self.meter.on_minutes.add(day, seconds / 60.0)
            self.meter.total_wh += wh
            at = stop
        oldest = int(end_s // HOUR_S) * HOUR_S - KEEP_HOURS * HOUR_S
        for key in [k for k in self.hours if k < oldest]:
            del self.hours[key]

    def synthesize(self, *, seed: str, power_w: float, now_s: float, tz: tzinfo) -> None:
        """Invent a plausible past (days and months from ``Meter``, hours spread over each day)."""
        self.meter.synthesize(seed=seed, power_w=power_w, now_s=now_s, tz=tz)
        now_hour = int(now_s // HOUR_S) * HOUR_S
        now_local = datetime.fromtimestamp(now_s, tz)
        for back in range(1, KEEP_HOURS):
            hour = now_hour - back * HOUR_S
            day = datetime.fromtimestamp(hour, tz).date()
            day_wh = self.meter.energy_wh.days.get(day.isoformat(), 0.0)
            # A past day spread over its 24 hours; today over the hours gone so far.
            share = 24 if day != now_local.date() else max(1, now_local.hour)
            self.hours[hour] = day_wh / share

    # --- reading ----------------------------------------------------------------------------

    def today_wh(self, now_s: float, tz: tzinfo) -> float:
        """Wh of the local day of ``now_s``."""
        key = datetime.fromtimestamp(now_s, tz).date().isoformat()
        return self.meter.energy_wh.days.get(key, 0.0)

    def month_wh(self, now_s: float, tz: tzinfo) -> float:
        """Wh of the local month of ``now_s``."""
        key = datetime.fromtimestamp(now_s, tz).date().isoformat()[:7]
        return self.meter.energy_wh.months.get(key, 0.0)

    def today_minutes(self, now_s: float, tz: tzinfo) -> float:
        """Minutes on in the local day of ``now_s``."""
        key = datetime.fromtimestamp(now_s, tz).date().isoformat()
        return self.meter.on_minutes.days.get(key, 0.0)

    def month_minutes(self, now_s: float, tz: tzinfo) -> float:
        """Minutes on in the local month of ``now_s``."""
        key = datetime.fromtimestamp(now_s, tz).date().isoformat()[:7]
        return self.meter.on_minutes.months.get(key, 0.0)

    def past_days_wh(self, now_s: float, tz: tzinfo, days: int) -> float:
        """Wh of the last ``days`` local days, today included."""
        today = datetime.fromtimestamp(now_s, tz).date()
        return sum(
            self.meter.energy_wh.days.get((today - timedelta(days=i)).isoformat(), 0.0)
            for i in range(days)
        )

    def past_days_minutes(self, now_s: float, tz: tzinfo, days: int) -> float:
        """Minutes on in the last ``days`` local days, today included."""
        today = datetime.fromtimestamp(now_s, tz).date()
        return sum(
            self.meter.on_minutes.days.get((today - timedelta(days=i)).isoformat(), 0.0)
            for i in range(days)
        )

    def hourly(self, start_s: int, end_s: int) -> list[float]:
        """Wh of each hour from the hour holding ``start_s`` to the one holding ``end_s``."""
        first = start_s // HOUR_S * HOUR_S
        return [self.hours.get(h, 0.0) for h in range(first, end_s + 1, HOUR_S)]

    def daily(self, start_s: int, end_s: int, tz: tzinfo) -> list[float]:
        """Wh of each local day from the day of ``start_s`` to the day of ``end_s``."""
        day = datetime.fromtimestamp(start_s, tz).date()
        last = datetime.fromtimestamp(end_s, tz).date()
        out = []
        while day <= last:
            out.append(self.meter.energy_wh.days.get(day.isoformat(), 0.0))
            day += timedelta(days=1)
        return out

    def monthly(self, start_s: int, end_s: int, tz: tzinfo) -> list[float]:
        """Wh of each local month from the month of ``start_s`` to the month of ``end_s``."""
        first = datetime.fromtimestamp(start_s, tz).date()
        last = datetime.fromtimestamp(end_s, tz).date()
        year, month = first.year, first.month
        out = []
        while (year, month) <= (last.year, last.month):
            out.append(self.meter.energy_wh.months.get(f"{year:04d}-{month:02d}", 0.0))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    # --- persistence ------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready state."""
        return {
            "meter": self.meter.snapshot(),
            "hours": {str(k): round(v, 4) for k, v in self.hours.items()},
        }

    @classmethod
    def restore(cls, state: dict[str, Any]) -> SmartMeter:
        """Rebuild from :meth:`snapshot`."""
        hours = {int(k): float(v) for k, v in (state.get("hours") or {}).items()}
        return cls(Meter.restore(state.get("meter") or {}), hours)
