"""Simulated SMART devices (Tapo, and Kasa hardware since about 2022), built from captures.

>>> from kasacloud.sim import SimClock, new_device_id
>>> from kasacloud.sim.smart import build_smart_device, find_smart_profile
>>> plug = build_smart_device(find_smart_profile("P110(EU)_1.0"), device_id=new_device_id(),
...                           alias="Kettle", clock=SimClock(speed=0))
>>> plug.handle({"method": "get_device_info"})["result"]["device_on"]
False

- :class:`SmartProfile`, :func:`find_smart_profile`: a capture (or our profile in its shape);
- :func:`build_smart_device` -> :class:`SmartDevice`: a device the server can host, whose methods
  follow its ``component_nego`` (:mod:`kasacloud.sim.smart.components`).
"""

from __future__ import annotations

from kasacloud.sim.smart.device import (
    SmartDevice,
    SmartNode,
    build_smart_device,
    default_smart_alias,
)
from kasacloud.sim.smart.errors import SmartDeviceError
from kasacloud.sim.smart.lazy import LazySmartDevice
from kasacloud.sim.smart.profile import (
    SmartChildProfile,
    SmartProfile,
    builtin_smart_profiles,
    find_smart_profile,
    is_smart_document,
)

__all__ = [
    "LazySmartDevice",
    "SmartChildProfile",
    "SmartDevice",
    "SmartDeviceError",
    "SmartNode",
    "SmartProfile",
    "build_smart_device",
    "builtin_smart_profiles",
    "default_smart_alias",
    "find_smart_profile",
    "is_smart_document",
]
