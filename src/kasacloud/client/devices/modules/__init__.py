"""Capabilities: small classes that each know one wire module's queries, state and features."""

from __future__ import annotations

from kasacloud.client.devices.modules.base import Module, ModuleMapping, ModuleName, method_result
from kasacloud.client.devices.modules.cloud import CloudInfo
from kasacloud.client.devices.modules.energy import Energy, StripEnergy
from kasacloud.client.devices.modules.iot import iot_modules
from kasacloud.client.devices.modules.led import Led
from kasacloud.client.devices.modules.light import (
    HSV,
    DimmerLight,
    Light,
    LightStripLight,
)
from kasacloud.client.devices.modules.relay import Relay, StripRelay
from kasacloud.client.devices.modules.rules import (
    Away,
    AwayRule,
    Countdown,
    CountdownRule,
    Rule,
    Rules,
    Schedule,
    ScheduleRule,
)
from kasacloud.client.devices.modules.time import Time
from kasacloud.protocol.models import color_temp_range_k

__all__ = [
    "HSV",
    "Away",
    "AwayRule",
    "CloudInfo",
    "Countdown",
    "CountdownRule",
    "DimmerLight",
    "Energy",
    "Led",
    "Light",
    "LightStripLight",
    "Module",
    "ModuleMapping",
    "ModuleName",
    "Relay",
    "Rule",
    "Rules",
    "Schedule",
    "ScheduleRule",
    "StripEnergy",
    "StripRelay",
    "Time",
    "color_temp_range_k",
    "iot_modules",
    "method_result",
]
