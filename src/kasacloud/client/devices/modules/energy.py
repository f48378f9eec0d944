"""The energy meter: realtime readings and day/month history, normalized to W, V, A and kWh."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kasacloud.client.devices.modules.base import Module
from kasacloud.client.energy import (
    EnergyDay,
    EnergyMonth,
    EnergyReading,
    days_from_raw,
    months_from_raw,
)
from kasacloud.protocol import commands as C


class Energy(Module):
    """Energy metering (``emeter``, or ``smartlife.iot.common.emeter`` on bulbs).

    ``realtime`` is the reading from the last :meth:`Device.update`; the ``get_*`` methods ask
    the device now. Every value is in W, V, A and kWh whatever units the hardware reports; each
    result's ``raw`` keeps the device's own answer.
    """

    def __init__(self, device: Any, wire_name: str) -> None:
        super().__init__(device, wire_name)
        self.realtime: EnergyReading | None = None
        """The reading from the last update (``None`` before the first)."""

    def query(self) -> dict[str, Any]:
        """Read ``get_realtime`` on every update."""
        return {C.GET_REALTIME: None}

    def absorb_result(self, method: str, result: dict[str, Any]) -> None:
        """Keep the realtime reading."""
        result.pop("err_code", None)
        self.realtime = EnergyReading.from_raw(result)

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
