"""Typed Kasa devices: one class per family, capabilities as modules, features for everything."""

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
    covers,
    merge_queries,
)
from kasacloud.client.devices.factory import device_class, from_cloud, listing_query
from kasacloud.client.devices.feature import Feature, FeatureCategory, FeaturePart, FeatureType
from kasacloud.client.devices.modules import (
    HSV,
    Away,
    AwayRule,
    Countdown,
    CountdownRule,
    Module,
    ModuleName,
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
    "Feature",
    "FeatureCategory",
    "FeaturePart",
    "FeatureType",
    "LightStrip",
    "Module",
    "ModuleName",
    "Outlet",
    "Plug",
    "Rule",
    "Rules",
    "Schedule",
    "ScheduleRule",
    "Strip",
    "WallSwitch",
    "covers",
    "device_class",
    "from_cloud",
    "listing_query",
    "merge_queries",
]
