"""The demo house: the devices the server seeds into its demo account (``docs/devices.md``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class DemoDeviceSpec:
    """One device of the demo house."""

    profile: str
    """A built-in profile name, for :func:`kasacloud.sim.load_profile`."""
    alias: str
    online: bool = True
    room: str = ""
    notes: str = ""


DEMO_HOUSE: Final[tuple[DemoDeviceSpec, ...]] = (
    DemoDeviceSpec("HS103(US)_2.1", "Hall lamp", room="Hall", notes="plain plug"),
    DemoDeviceSpec(
        "HS110(US)_1.0", "Kettle", room="Kitchen", notes="energy plug, V1 units (floats)"
    ),
    DemoDeviceSpec(
        "KP115(US)_1.0", "Fridge", room="Kitchen", notes="energy plug, V2 units (integers)"
    ),
    DemoDeviceSpec(
        "HS300(US)_2.0", "Office strip", room="Office", notes="6 outlets, energy per outlet"
    ),
    DemoDeviceSpec("KP303(US)_2.0", "TV strip", room="Living room", notes="3 outlets"),
    DemoDeviceSpec("KL130(US)_1.0", "Living room bulb", room="Living room", notes="colour bulb"),
    DemoDeviceSpec("KL120(US)_1.0", "Reading light", room="Bedroom", notes="tunable white bulb"),
    DemoDeviceSpec("KL430(US)_2.0", "TV backlight", room="Living room", notes="light strip"),
    DemoDeviceSpec("HS220(US)_1.0", "Dining dimmer", room="Dining room", notes="dimmer"),
    DemoDeviceSpec("HS200(US)_5.0", "Porch light", room="Porch", notes="wall switch"),
    DemoDeviceSpec(
        "HS105(US)_1.0", "Garage plug", online=False, room="Garage", notes="unplugged: offline"
    ),
)
"""Every device of the demo house, in the order the server seeds them."""
