"""Energy readings in one set of units, whatever the hardware reports.

Older meters (HS110 hardware 1.x) answer floats in W, V, A and kWh (``power``, ``voltage``,
``current``, ``total``, ``energy``); newer ones (HS110 hw 4, KP115, KP125, EP25, HS300 outlets)
answer integers in mW, mV, mA and Wh (``power_mw``, ``voltage_mv``, ``current_ma``, ``total_wh``,
``energy_wh``); bulbs report ``power_mw`` only. The functions here turn either form into W, V, A
and kWh, so two devices under the same load give the same numbers; ``raw`` keeps what was sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
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
