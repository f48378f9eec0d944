"""Which class a device gets, from its getDeviceList entry and (when online) its sysinfo."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kasacloud.client.devices.device import (
    Bulb,
    Device,
    Dimmer,
    LightStrip,
    Plug,
    Strip,
    WallSwitch,
)
from kasacloud.protocol import commands as C

# model prefixes, for devices listed offline (no sysinfo to look at)
_STRIPS = ("HS300", "HS107", "KP303", "KP400", "KP200", "EP40", "HS1071")
_DIMMERS = ("HS220", "KS220", "ES20M", "KS230", "KP405")
_SWITCHES = ("HS200", "HS210", "KS200", "KS205", "KS200M")
_LIGHT_STRIPS = ("KL400", "KL420", "KL430")


def _prefix(model: str) -> str:
    return model.split("(")[0].strip().upper()


def device_class(entry: Mapping[str, Any], sysinfo: Mapping[str, Any] | None) -> type[Device]:
    """The class for a device: from sysinfo when there is one, else from type and model."""
    device_type = str(entry.get("deviceType") or "")
    model = _prefix(str(entry.get("deviceModel") or (sysinfo or {}).get("model") or ""))
    if sysinfo:
        kind = str(sysinfo.get("type") or sysinfo.get("mic_type") or device_type).lower()
        dev_name = str(sysinfo.get("dev_name") or sysinfo.get("description") or "")
        if "smartbulb" in kind:
            return LightStrip if "length" in sysinfo else Bulb
        if "smartplug" in kind:
            if "children" in sysinfo:
                return Strip
            if "Dimmer" in dev_name or "brightness" in sysinfo:
                return Dimmer
            if "light" in dev_name.lower() or "switch" in dev_name.lower():
                return WallSwitch
            return Plug
    if device_type == C.DEVICE_TYPE_BULB:
        return LightStrip if model.startswith(_LIGHT_STRIPS) else Bulb
    if device_type in (C.DEVICE_TYPE_PLUG, C.DEVICE_TYPE_RANGE_EXTENDER):
        if model.startswith(_STRIPS):
            return Strip
        if model.startswith(_DIMMERS):
            return Dimmer
        if model.startswith(_SWITCHES):
            return WallSwitch
        return Plug
    return Device  # cameras, Tapo devices: listed, not driven


def from_cloud(session: Any, entry: Mapping[str, Any], sysinfo: Mapping[str, Any] | None) -> Device:
    """Build the typed device for a list entry and its sysinfo (``None``: offline)."""
    return device_class(entry, sysinfo)(session, entry, sysinfo)
