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
    AwayRule,
    CountdownRule,
    ScheduleRule,
)

__all__ = [
    "HSV",
    "AwayRule",
    "Bulb",
    "CountdownRule",
    "Device",
    "Dimmer",
    "LightStrip",
    "Outlet",
    "Plug",
    "ScheduleRule",
    "Strip",
    "WallSwitch",
    "device_class",
    "from_cloud",
    "merge_queries",
]
