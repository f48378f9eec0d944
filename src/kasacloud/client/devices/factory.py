"""Which class a device gets: its family (``protocol.families``) decides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from kasacloud.client.devices.device import (
    Bulb,
    Device,
    Dimmer,
    LightStrip,
    Plug,
    Strip,
    WallSwitch,
)
from kasacloud.protocol.families import Family, classify

if TYPE_CHECKING:
    from kasacloud.client.session import CloudSession

CLASSES: Final[dict[Family, type[Device]]] = {
    Family.PLUG: Plug,
    Family.WALL_SWITCH: WallSwitch,
    Family.DIMMER: Dimmer,
    Family.STRIP: Strip,
    Family.BULB: Bulb,
    Family.LIGHT_STRIP: LightStrip,
}
"""The class of each family a cloud listing holds (outlets are built by their strip)."""


def device_class(entry: Mapping[str, Any], sysinfo: Mapping[str, Any] | None) -> type[Device]:
    """The class for a device: from sysinfo when there is one, else from type and model."""
    family = classify(
        device_type=str(entry.get("deviceType") or ""),
        model=str(entry.get("deviceModel") or (sysinfo or {}).get("model") or ""),
        sysinfo=sysinfo,
    )
    return CLASSES.get(family, Device)  # cameras, Tapo devices: listed, not driven


def from_cloud(
    session: CloudSession, entry: Mapping[str, Any], sysinfo: Mapping[str, Any] | None
) -> Device:
    """Build the typed device for a list entry and its sysinfo (``None``: offline)."""
    return device_class(entry, sysinfo)(session, entry, sysinfo)
