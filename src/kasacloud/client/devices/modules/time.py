"""The device clock: ``time.get_time`` (``smartlife.iot.common.timesetting`` on bulbs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kasacloud.client.devices.feature import Feature, FeatureCategory, FeatureType
from kasacloud.client.devices.modules.base import Module
from kasacloud.protocol import commands as C


def _parse(result: dict[str, Any]) -> dt.datetime | None:
    try:
        return dt.datetime(
            int(result["year"]),
            int(result["month"]),
            int(result["mday"]),
            int(result["hour"]),
            int(result["min"]),
            int(result["sec"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


class Time(Module):
    """The device's local time (naive: devices do not say their UTC offset in ``get_time``)."""

    key = Module.Time

    def __init__(self, device: Any, wire_name: str) -> None:
        super().__init__(device, wire_name)
        self.time: dt.datetime | None = None
        """The device time read by the last update."""

    def query(self) -> dict[str, Any]:
        """Read ``get_time`` on every update."""
        return {C.GET_TIME: None}

    def absorb_result(self, method: str, result: dict[str, Any]) -> None:
        """Keep the device time."""
        self.time = _parse(result)

    async def get_time(self) -> dt.datetime | None:
        """Read the device's clock now."""
        self.absorb_result(C.GET_TIME, await self.call(C.GET_TIME))
        return self.time

    async def get_timezone(self) -> dict[str, Any]:
        """The device's timezone setting, as the device reports it (``index`` and more)."""
        return await self.call(C.GET_TIMEZONE)

    def features(self) -> list[Feature]:
        """``device_time``: for troubleshooting."""
        return [
            Feature(
                device=self.device, id="device_time", name="Device time",
                type=FeatureType.SENSOR, category=FeatureCategory.DEBUG, getter=lambda: self.time,
            )
        ]  # fmt: skip
