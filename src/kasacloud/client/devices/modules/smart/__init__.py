"""The SMART flavour of the modules, and which ones a SMART device gets (``smart_modules``).

A SMART device says what it can do in ``component_nego``: the components, not its model, choose
its modules, as the family and sysinfo choose an IOT device's (:func:`iot_modules`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kasacloud.client.devices.modules.base import Module
from kasacloud.client.devices.modules.smart.base import SmartModule
from kasacloud.client.devices.modules.smart.modules import (
    SmartEnergy,
    SmartFan,
    SmartGradualOnOff,
    SmartLed,
    SmartLight,
    SmartLightStripLight,
    SmartRelay,
    SmartSensor,
    SmartStripRelay,
    SmartTime,
    nickname,
)
from kasacloud.client.devices.modules.smart.rules import SmartAway, SmartCountdown, SmartSchedule
from kasacloud.protocol.families import Family

if TYPE_CHECKING:
    from kasacloud.client.devices.device import Device

__all__ = [
    "SmartAway",
    "SmartCountdown",
    "SmartEnergy",
    "SmartFan",
    "SmartGradualOnOff",
    "SmartLed",
    "SmartLight",
    "SmartLightStripLight",
    "SmartModule",
    "SmartRelay",
    "SmartSchedule",
    "SmartSensor",
    "SmartStripRelay",
    "SmartTime",
    "nickname",
    "smart_modules",
]


def smart_modules(device: Device) -> list[Module]:
    """The modules of a SMART device or child, from its family and its components.

    A child (strip outlet, gang, hub sensor) has no clock or LED of its own: its parent's.
    """
    family = Family(device.kind)
    has = device.has_component
    child = getattr(device, "parent", None) is not None
    modules: list[Module] = []
    if family is Family.STRIP:
        modules.append(SmartStripRelay(device, "device"))
    elif family is Family.LIGHT_STRIP:
        modules.append(SmartLightStripLight(device, "light_strip"))
    elif family is Family.BULB or (has("brightness") and family is not Family.SENSOR):
        modules.append(SmartLight(device, "brightness"))
    if family in (Family.PLUG, Family.WALL_SWITCH, Family.DIMMER, Family.OUTLET):
        modules.append(SmartRelay(device, "device"))
    if has("energy_monitoring"):
        modules.append(SmartEnergy(device, "energy_monitoring"))
    if family is Family.SENSOR:
        modules.append(SmartSensor(device, "device"))
    if has("fan_control"):
        modules.append(SmartFan(device, "fan_control"))
    if has("on_off_gradually"):
        modules.append(SmartGradualOnOff(device, "on_off_gradually"))
    # Rules as the IOT devices have them: a strip's schedules and countdowns are its outlets',
    # away mode is the whole strip's; a hub sensor's "schedule" (a thermostat's) is not these.
    if family is not Family.SENSOR:
        if family is not Family.STRIP:
            if has("schedule"):
                modules.append(SmartSchedule(device, "schedule"))
            if has("countdown"):
                modules.append(SmartCountdown(device, "countdown"))
        if has("antitheft") and family is not Family.OUTLET:
            modules.append(SmartAway(device, "antitheft"))
    if not child:
        if has("led"):
            modules.append(SmartLed(device, "led"))
        if has("time"):
            modules.append(SmartTime(device, "time"))
    return modules
