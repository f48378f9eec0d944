"""Capabilities: small classes that each know one wire module's queries, state and commands."""

from __future__ import annotations

from kasacloud.client.devices.modules.base import Module, method_result
from kasacloud.client.devices.modules.cloud import CloudInfo
from kasacloud.client.devices.modules.energy import Energy
from kasacloud.client.devices.modules.led import Led
from kasacloud.client.devices.modules.light import (
    HSV,
    DimmerLight,
    Light,
    LightStripLight,
)
from kasacloud.client.devices.modules.relay import Relay
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
    "Relay",
    "Rule",
    "Rules",
    "Schedule",
    "ScheduleRule",
    "Time",
    "color_temp_range_k",
    "method_result",
]
