"""The demo house: the devices the server seeds into its demo account (``docs/devices.md``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class DemoDeviceSpec:
    """One device of the demo house."""

    profile: str
    """A built-in profile name, IOT or SMART (:func:`kasacloud.sim.build_any`)."""
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
    # SMART devices (Tapo, and Kasa hardware since 2022): kasacloud/sim/profiles/smart/.
    DemoDeviceSpec("P110(EU)_1.0", "Coffee machine", room="Kitchen", notes="Tapo energy plug"),
    DemoDeviceSpec("P300(EU)_1.0", "Bedroom strip", room="Bedroom", notes="Tapo strip, 3 outlets"),
    DemoDeviceSpec("L530E(EU)_3.0", "Sofa lamp", room="Living room", notes="Tapo colour bulb"),
    DemoDeviceSpec(
        "L900-5(EU)_1.0", "Worktop light strip", room="Kitchen", notes="Tapo light strip, effects"
    ),
    DemoDeviceSpec("KS225(US)_1.0", "Stairs dimmer", room="Hall", notes="Kasa SMART dimmer"),
    DemoDeviceSpec(
        "H100(EU)_1.0", "Tapo hub", room="Hall", notes="Tapo hub: T310 climate, T110 contact"
    ),
)
"""Every device of the demo house, in the order the server seeds them."""
