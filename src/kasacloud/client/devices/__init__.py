"""Typed Kasa devices: one class per family, capabilities as small modules."""

from __future__ import annotations

from kasacloud.client.devices.device import (
    Bulb,
    Device,
    Dimmer,
    LightStrip,
    Outlet,
    Plug,
    Strip,
    WallSwitch,
    merge_queries,
)
from kasacloud.client.devices.factory import device_class, from_cloud
from kasacloud.client.devices.modules import (
    HSV,
    Away,
    AwayRule,
    Countdown,
    CountdownRule,
    Rule,
    Rules,
    Schedule,
    ScheduleRule,
)

__all__ = [
    "HSV",
    "Away",
    "AwayRule",
    "Bulb",
    "Countdown",
    "CountdownRule",
    "Device",
    "Dimmer",
    "LightStrip",
    "Outlet",
    "Plug",
    "Rule",
    "Rules",
    "Schedule",
    "ScheduleRule",
    "Strip",
    "WallSwitch",
    "device_class",
    "from_cloud",
    "merge_queries",
]
