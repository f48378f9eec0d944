"""Which modules an IOT device has: its family and its sysinfo decide (data, not classes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kasacloud.client.devices.modules.base import Module
from kasacloud.client.devices.modules.cloud import CloudInfo
from kasacloud.client.devices.modules.energy import Energy, StripEnergy
from kasacloud.client.devices.modules.led import Led
from kasacloud.client.devices.modules.light import DimmerLight, Light, LightStripLight
from kasacloud.client.devices.modules.relay import Relay, StripRelay
from kasacloud.client.devices.modules.rules import Away, Countdown, Schedule
from kasacloud.client.devices.modules.time import Time
from kasacloud.protocol import commands as C
from kasacloud.protocol.families import Family

if TYPE_CHECKING:
    from kasacloud.client.devices.device import Device

_SWITCHED = (Family.PLUG, Family.WALL_SWITCH, Family.DIMMER, Family.OUTLET)


def _meters_energy(device: Device) -> bool:
    """Plugs and strips say so in sysinfo (``feature`` ``TIM:ENE``); an outlet's strip does."""
    holder = getattr(device, "parent", device)
    return "ENE" in str(holder.sysinfo.get("feature", "")).split(":")


def iot_modules(device: Device) -> list[Module]:
    """The modules of an IOT device, from its family (``kind``) and sysinfo.

    Rules are per outlet on a strip (a strip-wide read answers for no outlet), and an outlet's
    LED, clock, away rules and cloud binding are its strip's.
    """
    family = Family(device.kind)
    if family is Family.OTHER:
        return []
    wire = C.modules_for(device.device_type)
    modules: list[Module] = []
    if family in _SWITCHED:
        modules.append(Relay(device, C.SYSTEM))
    if family is Family.STRIP:
        modules.append(StripRelay(device, C.SYSTEM))
    if family is Family.DIMMER:
        modules.append(DimmerLight(device, C.DIMMER))
    if family is Family.BULB:
        modules.append(Light(device, C.LIGHTING))
    if family is Family.LIGHT_STRIP:
        modules.append(LightStripLight(device, C.LIGHT_STRIP))
    if family.is_light:
        # every bulb reports power; the module is dropped if the device says "not support"
        modules.append(Energy(device, wire.emeter))
    elif _meters_energy(device):
        meter = StripEnergy if family is Family.STRIP else Energy
        modules.append(meter(device, wire.emeter))
    if family in (Family.PLUG, Family.WALL_SWITCH, Family.DIMMER, Family.STRIP):
        modules.append(Led(device, C.SYSTEM))
    if family is not Family.OUTLET:
        modules += [
            Time(device, wire.time),
            Away(device, wire.anti_theft),
            CloudInfo(device, wire.cloud),
        ]
    if family is not Family.STRIP:
        modules += [Schedule(device, wire.schedule), Countdown(device, wire.count_down)]
    return modules
