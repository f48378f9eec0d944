"""Energy readings in one set of units, whatever the hardware reports.

Older meters (HS110 hardware 1.x) answer floats in W, V, A and kWh (``power``, ``voltage``,
``current``, ``total``, ``energy``); newer ones (HS110 hw 4, KP115, KP125, EP25, HS300 outlets)
answer integers in mW, mV, mA and Wh (``power_mw``, ``voltage_mv``, ``current_ma``, ``total_wh``,
``energy_wh``); bulbs report ``power_mw`` only. The functions here turn either form into W, V, A
and kWh, so two devices under the same load give the same numbers; ``raw`` keeps what was sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


def _num(raw: Mapping[str, Any], unit_key: str, milli_key: str) -> float | None:
    """The value in base units: ``raw[unit_key]`` as is, else ``raw[milli_key] / 1000``."""
    value = raw.get(unit_key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    milli = raw.get(milli_key)
    if isinstance(milli, int | float) and not isinstance(milli, bool):
        return milli / 1000.0
    return None


@dataclass(frozen=True, slots=True)
class EnergyReading:
    """A realtime reading: ``None`` where the device does not measure the quantity."""

    power_w: float | None
    voltage_v: float | None
    current_a: float | None
    total_kwh: float | None
    """Energy since the meter was last reset."""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    """The device's own answer, unchanged."""

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> EnergyReading:
        """Normalize a ``get_realtime`` answer (V1 floats or V2 milli-units)."""
        return cls(
            power_w=_num(raw, "power", "power_mw"),
            voltage_v=_num(raw, "voltage", "voltage_mv"),
            current_a=_num(raw, "current", "current_ma"),
            total_kwh=_num(raw, "total", "total_wh"),
            raw=dict(raw),
        )

    @classmethod
    def sum(cls, readings: Sequence[EnergyReading | None]) -> EnergyReading | None:
        """Several meters as one (a strip's outlets): power, current and totals add up.

        Voltage is the first meter's (the outlets share the mains). A quantity one of the meters
        lacks is ``None`` in the sum; ``None`` when there is no reading at all.
        """
        present = [r for r in readings if r is not None]
        if not present:
            return None

        def total(attr: str) -> float | None:
            values = [getattr(r, attr) for r in present]
            return None if any(v is None for v in values) else sum(values)

        return cls(
            power_w=total("power_w"),
            voltage_v=present[0].voltage_v,
            current_a=total("current_a"),
            total_kwh=total("total_kwh"),
            raw={"outlets": [r.raw for r in present]},
        )


@dataclass(frozen=True, slots=True)
class EnergyDay:
    """Energy used on one day (device local date)."""

    date: dt.date
    energy_kwh: float
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class EnergyMonth:
    """Energy used in one month."""

    year: int
    month: int
    energy_kwh: float
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


def energy_kwh(entry: Mapping[str, Any]) -> float:
    """The kWh of one ``day_list``/``month_list`` entry (``energy`` kWh or ``energy_wh``)."""
    return _num(entry, "energy", "energy_wh") or 0.0


def days_from_raw(raw: Mapping[str, Any]) -> list[EnergyDay]:
    """Normalize a ``get_daystat`` answer (``day_list``), sorted by date."""
    out = []
    for entry in raw.get("day_list") or []:
        kwh = _num(entry, "energy", "energy_wh")
        out.append(
            EnergyDay(
                dt.date(int(entry["year"]), int(entry["month"]), int(entry["day"])),
                kwh or 0.0,
                dict(entry),
            )
        )
    return sorted(out, key=lambda d: d.date)


def months_from_raw(raw: Mapping[str, Any]) -> list[EnergyMonth]:
    """Normalize a ``get_monthstat`` answer (``month_list``), sorted by month."""
    out = []
    for entry in raw.get("month_list") or []:
        kwh = _num(entry, "energy", "energy_wh")
        out.append(EnergyMonth(int(entry["year"]), int(entry["month"]), kwh or 0.0, dict(entry)))
    return sorted(out, key=lambda m: (m.year, m.month))


def sum_days(per_meter: Sequence[Sequence[EnergyDay]]) -> list[EnergyDay]:
    """Several meters' days as one list: the energy of each date added up, sorted by date."""
    totals: dict[dt.date, float] = {}
    for days in per_meter:
        for day in days:
            totals[day.date] = totals.get(day.date, 0.0) + day.energy_kwh
    return [EnergyDay(date, kwh) for date, kwh in sorted(totals.items())]


def sum_months(per_meter: Sequence[Sequence[EnergyMonth]]) -> list[EnergyMonth]:
    """Several meters' months as one list: the energy of each month added up, in order."""
    totals: dict[tuple[int, int], float] = {}
    for months in per_meter:
        for month in months:
            key = (month.year, month.month)
            totals[key] = totals.get(key, 0.0) + month.energy_kwh
    return [EnergyMonth(y, m, kwh) for (y, m), kwh in sorted(totals.items())]
