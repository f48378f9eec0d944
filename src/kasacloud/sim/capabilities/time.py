"""The device clock: ``time`` on plugs, ``smartlife.iot.common.timesetting`` on bulbs."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kasacloud.protocol import commands
from kasacloud.sim.capabilities.base import (
    Call,
    Capability,
    Handler,
    JsonDict,
    invalid,
    require_int,
)

# Part of the firmware's own time zone table (index -> zone), the zones a simulated house is
# likely to use. Indices outside it answer -3 to set_timezone.
TIMEZONES: Final[dict[int, str]] = {
    2: "US/Hawaii",
    3: "US/Alaska",
    6: "PST8PDT",
    10: "MST7MDT",
    13: "CST6CDT",
    18: "America/New_York",
    38: "UTC",
    39: "Europe/London",
    41: "Europe/Amsterdam",
    42: "Europe/Belgrade",
    43: "Europe/Brussels",
}


@functools.cache
def zone_for(index: int) -> tzinfo:
    """The zone of a firmware time zone index (UTC for unknown ones or a host without tzdata)."""
    name = TIMEZONES.get(index, "UTC")
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        return UTC


class TimeCapability(Capability):
    """``get_time``, ``get_timezone``, ``set_time``, ``set_timezone``.

    ``set_time`` shifts what ``get_time`` reports (the device's own clock); rules and energy
    keep following the simulated clock, which is what a cloud-synchronised device does.
    """

    key = "time"

    def routes(self) -> Mapping[str, Mapping[str, Handler]]:
        """Methods of the time module."""
        return {
            self.profile.modules.time: {
                commands.GET_TIME: self.get_time,
                commands.GET_TIMEZONE: self.get_timezone,
                commands.SET_TIME: self.set_time,
                commands.SET_TIMEZONE: self.set_timezone,
            }
        }

    def get_time(self, params: JsonDict, call: Call) -> JsonDict:
        """Local date and time of the device."""
        local = self.device.local_time(call.now_s)
        return {
            "year": local.year,
            "month": local.month,
            "mday": local.day,
            "hour": local.hour,
            "min": local.minute,
            "sec": local.second,
        }

    def get_timezone(self, params: JsonDict, call: Call) -> JsonDict:
        """The firmware time zone index."""
        return {"index": self.device.timezone_index}

    def set_time(self, params: JsonDict, call: Call) -> JsonDict:
        """Set the device's own clock (``year, month, mday, hour, min, sec``)."""
        try:
            wanted = datetime(
                require_int(params, "year", 2000, 2099),
                require_int(params, "month", 1, 12),
                require_int(params, "mday", 1, 31),
                require_int(params, "hour", 0, 23),
                require_int(params, "min", 0, 59),
                require_int(params, "sec", 0, 59),
                tzinfo=self.device.tz,
            )
        except ValueError as error:
            raise invalid(str(error)) from error
        self.device.time_offset_s = wanted.timestamp() - call.now_s
        self.device.touch()
        return {}

    def set_timezone(self, params: JsonDict, call: Call) -> JsonDict:
        """Choose a time zone by firmware index."""
        index = require_int(params, "index", 0, 109)
        if index not in TIMEZONES:
            raise invalid(f"time zone index {index} is not simulated")
        self.device.timezone_index = index
        self.device.touch()
        return {}
