"""Simulated TP-Link Kasa devices that answer cloud passthrough requests as the real ones do.

>>> from kasacloud.sim import SimClock, build_device, new_device_id
>>> clock = SimClock(speed=0)                        # frozen: time moves only by advance()
>>> plug = build_device("HS110(US)", device_id=new_device_id(), alias="Kettle", clock=clock)
>>> plug.handle({"count_down": {"add_rule": {"enable": 1, "delay": 60, "act": 1, "name": "x"}}})[
...     "count_down"]["add_rule"]["err_code"]
0
>>> clock.advance(60)
>>> plug.handle({"system": {"get_sysinfo": None}})["system"]["get_sysinfo"]["relay_state"]
1

- :class:`SimClock`: the simulated time, which tests run fast;
- :class:`Profile`, :func:`load_profile`: what a model is (our profile files, or python-kasa
  captures through :meth:`Profile.from_capture`);
- :func:`build_device` -> :class:`SimulatedDevice`: a device the server can host;
- :data:`DEMO_HOUSE`: the devices of the demo account; :func:`new_device_id`.
"""

from __future__ import annotations

from kasacloud.sim.clock import SimClock
from kasacloud.sim.demo import DEMO_HOUSE, DemoDeviceSpec
from kasacloud.sim.device import BOOT_TIME_S, SimulatedDevice, build_device, default_alias
from kasacloud.sim.ids import child_id, new_device_id
from kasacloud.sim.profile import Profile, builtin_profiles, load_profile

__all__ = [
    "BOOT_TIME_S",
    "DEMO_HOUSE",
    "DemoDeviceSpec",
    "Profile",
    "SimClock",
    "SimulatedDevice",
    "build_device",
    "builtin_profiles",
    "child_id",
    "default_alias",
    "load_profile",
    "new_device_id",
]
