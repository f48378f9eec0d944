"""Behaviour of simulated devices, one small class per capability.

A profile lists the capabilities of its model by ``key``; :data:`CAPABILITY_CLASSES` maps each
key to its class. A device routes ``module -> method`` to them.
"""

from __future__ import annotations

from typing import Final

from kasacloud.sim.capabilities.base import Capability, DeviceError, PowerControl
from kasacloud.sim.capabilities.cloud import CloudCapability
from kasacloud.sim.capabilities.dimmer import DimmerCapability
from kasacloud.sim.capabilities.emeter import EmeterCapability
from kasacloud.sim.capabilities.light import LightCapability
from kasacloud.sim.capabilities.lightstrip import LightStripCapability
from kasacloud.sim.capabilities.outlets import OutletsCapability
from kasacloud.sim.capabilities.relay import RelayCapability
from kasacloud.sim.capabilities.rules import (
    AntiTheftCapability,
    CountDownCapability,
    RulesCapability,
    ScheduleCapability,
)
from kasacloud.sim.capabilities.system import SystemCapability
from kasacloud.sim.capabilities.time import TimeCapability

CAPABILITY_CLASSES: Final[dict[str, type[Capability]]] = {
    cls.key: cls
    for cls in (
        SystemCapability,
        RelayCapability,
        OutletsCapability,
        EmeterCapability,
        LightCapability,
        LightStripCapability,
        DimmerCapability,
        ScheduleCapability,
        CountDownCapability,
        AntiTheftCapability,
        TimeCapability,
        CloudCapability,
    )
}
"""Every capability, by the key profiles use."""

__all__ = [
    "CAPABILITY_CLASSES",
    "Capability",
    "DeviceError",
    "PowerControl",
    "RulesCapability",
]
