"""The energy meter: realtime readings and day/month history, normalized to W, V, A and kWh."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from kasacloud.client.concurrency import gather
from kasacloud.client.devices.feature import Feature, FeatureCategory, FeatureType
from kasacloud.client.devices.modules.base import Module
from kasacloud.client.energy import (
    EnergyDay,
    EnergyMonth,
    EnergyReading,
    days_from_raw,
    energy_kwh,
    months_from_raw,
    sum_days,
    sum_months,
)
from kasacloud.protocol import commands as C

if TYPE_CHECKING:
    from kasacloud.client.devices.device import Device


def _energy_features(module: Energy, *, electrical: bool) -> list[Feature]:
    """The meter's features; ``electrical``: it also measures voltage and current."""
    device = module.device

    def reading(attr: str) -> Callable[[], float | None]:
        def get() -> float | None:
            value: float | None = getattr(module.realtime, attr, None)
            return value

        return get

    features = [
        Feature(
            device=device, id="current_power", name="Current power", type=FeatureType.SENSOR,
            category=FeatureCategory.PRIMARY, unit="W", precision=1, getter=reading("power_w"),
        ),
        Feature(
            device=device, id="today_energy", name="Today's energy", type=FeatureType.SENSOR,
            category=FeatureCategory.INFO, unit="kWh", precision=3,
            getter=lambda: module.today_kwh,
        ),
        Feature(
            device=device, id="month_energy", name="This month's energy",
            type=FeatureType.SENSOR, category=FeatureCategory.INFO, unit="kWh", precision=3,
            getter=lambda: module.month_kwh,
        ),
    ]  # fmt: skip
    if electrical:
        features += [
            Feature(
                device=device, id="total_energy", name="Total energy", type=FeatureType.SENSOR,
                category=FeatureCategory.INFO, unit="kWh", precision=3,
                getter=reading("total_kwh"),
            ),
            Feature(
                device=device, id="voltage", name="Voltage", type=FeatureType.SENSOR,
                category=FeatureCategory.INFO, unit="V", precision=1, getter=reading("voltage_v"),
            ),
            Feature(
                device=device, id="current", name="Current", type=FeatureType.SENSOR,
                category=FeatureCategory.INFO, unit="A", precision=3, getter=reading("current_a"),
            ),
        ]  # fmt: skip
    return features


def _energy_of(entries: object, wanted: dict[str, int]) -> float:
    """The kWh of the one ``day_list``/``month_list`` entry matching ``wanted`` (0: none)."""
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and all(entry.get(k) == v for k, v in wanted.items()):
            return energy_kwh(entry)
    return 0.0


class Energy(Module):
    """Energy metering (``emeter``, or ``smartlife.iot.common.emeter`` on bulbs).

    ``realtime``, ``today_kwh`` and ``month_kwh`` are from the last :meth:`Device.update` (one
    request: the realtime reading and this month's days and this year's months ride along); the
    ``get_*`` methods ask the device now. Every value is in W, V, A and kWh whatever units the
    hardware reports; each result's ``raw`` keeps the device's own answer.
    """

    key = Module.Energy

    def __init__(self, device: Device, wire_name: str) -> None:
        super().__init__(device, wire_name)
        self.realtime: EnergyReading | None = None
        """The reading from the last update (``None`` before the first)."""
        self.today_kwh: float | None = None
        """Energy used today (the device's date), from the last update."""
        self.month_kwh: float | None = None
        """Energy used this month (the device's month), from the last update."""

    @property
    def measures_electrical(self) -> bool:
        """Whether voltage, current and a running total are measured (plugs; bulbs: power only)."""
        return self.wire_name == C.EMETER

    def query(self) -> dict[str, Any]:
        """The realtime reading, this month's days and this year's months."""
        today = self._today()
        return {
            C.GET_REALTIME: None,
            C.GET_DAYSTAT: {"year": today.year, "month": today.month},
            C.GET_MONTHSTAT: {"year": today.year},
        }

    def absorb_result(self, method: str, result: dict[str, Any]) -> None:
        """Keep the realtime reading and today's and this month's energy."""
        today = self._today()
        if method == C.GET_REALTIME:
            self.realtime = EnergyReading.from_raw(result)
        elif method == C.GET_DAYSTAT:
            wanted = {"year": today.year, "month": today.month, "day": today.day}
            self.today_kwh = _energy_of(result.get("day_list"), wanted)
        elif method == C.GET_MONTHSTAT:
            wanted = {"year": today.year, "month": today.month}
            self.month_kwh = _energy_of(result.get("month_list"), wanted)

    def features(self) -> list[Feature]:
        """``current_power``, ``today_energy``, ``month_energy``; plugs add the electrical ones."""
        return _energy_features(self, electrical=self.measures_electrical)

    async def get_realtime(self) -> EnergyReading:
        """Read the meter now."""
        result = await self.call(C.GET_REALTIME)
        self.absorb_result(C.GET_REALTIME, result)
        assert self.realtime is not None
        return self.realtime

    def _today(self) -> dt.date:
        """The device's own date, read by the last update; else this computer's.

        A device's clock (and time zone) may differ from this computer's, and "this month" means
        the device's month: that is how its history is kept.
        """
        for holder in (self.device, getattr(self.device, "parent", None)):
            device_time = getattr(holder, "time", None)
            if isinstance(device_time, dt.datetime):
                return device_time.date()
        return dt.date.today()

    async def get_daily(self, year: int | None = None, month: int | None = None) -> list[EnergyDay]:
        """Energy per day of ``year``-``month`` (default: the device's month); ~30 days kept."""
        today = self._today()
        result = await self.call(
            C.GET_DAYSTAT, {"year": year or today.year, "month": month or today.month}
        )
        return days_from_raw(result)

    async def get_monthly(self, year: int | None = None) -> list[EnergyMonth]:
        """Energy per month of ``year`` (default: the device's year)."""
        result = await self.call(C.GET_MONTHSTAT, {"year": year or self._today().year})
        return months_from_raw(result)

    async def erase_stats(self) -> None:
        """Erase the meter's history and total."""
        await self.call(C.ERASE_EMETER_STAT)


class StripEnergy(Energy):
    """A strip's energy: the sum of its outlets' meters (each outlet meters on its own).

    The strip itself reads nothing: its outlets' updates fill it, and its history calls ask
    every outlet (one request each: the protocol allows one outlet per request) and add up.
    """

    def _outlet_meters(self) -> Sequence[Energy]:
        children: Sequence[Device] = getattr(self.device, "children", ())
        return [m for c in children if (m := c.modules.get(Module.Energy)) is not None]

    def query(self) -> dict[str, Any]:
        """Nothing of its own."""
        return {}

    @property
    def realtime(self) -> EnergyReading | None:
        """The sum of the outlets' readings (voltage: the first outlet's)."""
        return EnergyReading.sum([m.realtime for m in self._outlet_meters()])

    @realtime.setter
    def realtime(self, value: EnergyReading | None) -> None:
        pass  # the outlets' readings are the truth; Energy.__init__ assigns None

    def _total(self, attr: str) -> float | None:
        values = [getattr(m, attr) for m in self._outlet_meters()]
        return None if not values or any(v is None for v in values) else sum(values)

    @property
    def today_kwh(self) -> float | None:
        """Today's energy of every outlet together."""
        return self._total("today_kwh")

    @today_kwh.setter
    def today_kwh(self, value: float | None) -> None:
        pass

    @property
    def month_kwh(self) -> float | None:
        """The month's energy of every outlet together."""
        return self._total("month_kwh")

    @month_kwh.setter
    def month_kwh(self, value: float | None) -> None:
        pass

    async def get_realtime(self) -> EnergyReading:
        """Read every outlet's meter now and add them up."""
        readings = await gather([m.get_realtime for m in self._outlet_meters()])
        total = EnergyReading.sum(readings)
        assert total is not None
        return total

    async def get_daily(self, year: int | None = None, month: int | None = None) -> list[EnergyDay]:
        """Energy per day, all outlets together."""
        meters = self._outlet_meters()
        return sum_days(await gather([partial(m.get_daily, year, month) for m in meters]))

    async def get_monthly(self, year: int | None = None) -> list[EnergyMonth]:
        """Energy per month, all outlets together."""
        meters = self._outlet_meters()
        return sum_months(await gather([partial(m.get_monthly, year) for m in meters]))

    async def erase_stats(self) -> None:
        """Erase every outlet's history and total."""
        await gather([m.erase_stats for m in self._outlet_meters()])
