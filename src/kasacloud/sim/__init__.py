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
- :data:`DEMO_HOUSE`: the devices of the demo account; :func:`new_device_id`;
- :mod:`kasacloud.sim.smart`: SMART devices (Tapo, newer Kasa) from SMART captures;
  :func:`build_any` builds either kind from a profile reference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kasacloud.sim.clock import SimClock
from kasacloud.sim.demo import DEMO_HOUSE, DemoDeviceSpec
from kasacloud.sim.device import BOOT_TIME_S, SimulatedDevice, build_device, default_alias
from kasacloud.sim.ids import child_id, new_device_id
from kasacloud.sim.profile import Profile, builtin_profiles, load_profile
from kasacloud.sim.smart import (
    LazySmartDevice,
    SmartDevice,
    build_smart_device,
    find_smart_profile,
)


def build_any(
    profile: str,
    *,
    device_id: str,
    alias: str | None,
    clock: SimClock,
    state: dict[str, Any] | None = None,
    region: str | None = None,
    lazy: bool = False,
) -> SimulatedDevice | SmartDevice | LazySmartDevice:
    """Build an IOT or a SMART device from a profile name or file (told apart by content).

    Built-in IOT profile names win over SMART ones of the same short name. ``lazy``: build the
    device on first use (an IOT device's capabilities, see :func:`build_device`; a SMART device
    whole, see :class:`~kasacloud.sim.smart.LazySmartDevice`); it answers as an eager one.

    Raises:
        KeyError: no profile of that name; ValueError, OSError: a file that cannot be used.
    """
    if profile.endswith(".json") or Path(profile).is_file():
        found = find_smart_profile(profile)  # None: an IOT file, which load_profile reads
    else:
        try:
            load_profile(profile)
            found = None
        except KeyError:
            found = find_smart_profile(profile)
            if found is None:
                raise KeyError(f"no built-in profile or file named {profile!r}") from None
    if found is not None and lazy:
        return LazySmartDevice(
            found, device_id=device_id, alias=alias, clock=clock, state=state, region=region
        )
    if found is not None:
        return build_smart_device(
            found, device_id=device_id, alias=alias, clock=clock, state=state, region=region
        )
    return build_device(
        load_profile(profile),
        device_id=device_id,
        alias=alias,
        clock=clock,
        state=state,
        region=region,
        lazy=lazy,
    )


__all__ = [
    "BOOT_TIME_S",
    "DEMO_HOUSE",
    "DemoDeviceSpec",
    "LazySmartDevice",
    "Profile",
    "SimClock",
    "SimulatedDevice",
    "SmartDevice",
    "build_any",
    "build_device",
    "builtin_profiles",
    "child_id",
    "default_alias",
    "load_profile",
    "new_device_id",
]
