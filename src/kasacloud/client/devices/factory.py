"""Which class a device gets: its family (``protocol.families``) decides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from kasacloud.client.devices.device import (
    Bulb,
    Device,
    Dimmer,
    DimmerOutlet,
    Hub,
    LightStrip,
    Plug,
    Sensor,
    SmartOutlet,
    Strip,
    WallSwitch,
)
from kasacloud.protocol import commands as C
from kasacloud.protocol import smart as S
from kasacloud.protocol.families import Family, classify, classify_smart_device

if TYPE_CHECKING:
    from kasacloud.client.session import CloudSession

CLASSES: Final[dict[Family, type[Device]]] = {
    Family.PLUG: Plug,
    Family.WALL_SWITCH: WallSwitch,
    Family.DIMMER: Dimmer,
    Family.STRIP: Strip,
    Family.BULB: Bulb,
    Family.LIGHT_STRIP: LightStrip,
    Family.HUB: Hub,
}
"""The class of each family a cloud listing holds (outlets are built by their strip)."""


def listing_query(entry: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """What a full update reads, guessed from a list entry before the device is typed.

    Sysinfo, the clock and the energy meter (realtime, this month's days, this year's months):
    a device without a meter answers "module not support" for it, which costs a few bytes and is
    ignored. For every IOT family this covers :meth:`Device.update_query`, so listing with
    ``update=True`` is one round trip per device.
    """
    modules = C.modules_for(str(entry.get("deviceType") or ""))
    today = dt.date.today()
    return {
        C.SYSTEM: {C.GET_SYSINFO: None},
        modules.emeter: {
            C.GET_REALTIME: None,
            C.GET_DAYSTAT: {"year": today.year, "month": today.month},
            C.GET_MONTHSTAT: {"year": today.year},
        },
        modules.time: {C.GET_TIME: None},
    }


def device_class(
    entry: Mapping[str, Any],
    sysinfo: Mapping[str, Any] | None,
    components: Mapping[str, int] | None = None,
) -> type[Device]:
    """The class for a device: from sysinfo when there is one, else from type and model.

    A SMART device's class comes from its ``component_nego`` (``components``) and type.
    """
    device_type = str(entry.get("deviceType") or "")
    if S.is_smart_device_type(device_type):
        family = classify_smart_device(device_type=device_type, components=components or {})
        return CLASSES.get(family, Device)
    family = classify(
        device_type=str(entry.get("deviceType") or ""),
        model=str(entry.get("deviceModel") or (sysinfo or {}).get("model") or ""),
        sysinfo=sysinfo,
    )
    return CLASSES.get(family, Device)  # cameras, Tapo devices: listed, not driven


def from_cloud(
    session: CloudSession,
    entry: Mapping[str, Any],
    sysinfo: Mapping[str, Any] | None,
    components: Mapping[str, int] | None = None,
) -> Device:
    """Build the typed device for a list entry and its sysinfo (``None``: offline).

    ``components``: a SMART device's ``component_nego`` (which decides its class and modules).
    """
    cls = device_class(entry, sysinfo, components)
    if components is not None:
        return cls(session, entry, sysinfo, components=components)
    return cls(session, entry, sysinfo)


def smart_child(parent: Device, child_id: str, index: int) -> Device | None:
    """The device for one child of a SMART strip or hub, typed from its components and info."""
    info = parent.smart_child_info(child_id)
    family = classify_smart_device(
        device_type=str(info.get("type") or ""),
        components=parent.smart_child_components.get(child_id, {}),
        info=info,
    )
    if isinstance(parent, Hub):
        return Sensor(parent, child_id, index)
    if isinstance(parent, Strip):
        cls = DimmerOutlet if family is Family.DIMMER else SmartOutlet
        return cls(parent, child_id, index)
    return None
