"""What the agent knows of each device at one moment: immutable snapshots built from features.

The outputs (MQTT, Prometheus, history) never touch a live :class:`~kasacloud.client.Device`: the
poller turns each one into a :class:`DeviceSnapshot` after every read or command and hands the
whole fleet over at once. A snapshot is plain data, so the metrics thread can read it while the
event loop builds the next one.

Feature descriptions come from ``device.features`` (the device model's
:class:`~kasacloud.Feature`), so that everything downstream is keyed by feature id, type and unit
only, never by model or family.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kasacloud.client import Device, Hub, Outlet, Strip

SENSOR = "sensor"
BINARY_SENSOR = "binary_sensor"
SWITCH = "switch"
NUMBER = "number"
CHOICE = "choice"
ACTION = "action"

PRIMARY = "primary"
CONFIG = "config"
INFO = "info"
DEBUG = "debug"


def _lower_name(value: Any) -> str:
    """An enum member's (or a string's) name in lower case: ``FeatureType.SENSOR`` -> ``sensor``."""
    if isinstance(value, enum.Enum):
        return str(value.name).lower()
    return str(value).rsplit(".", 1)[-1].lower()


@dataclass(frozen=True, slots=True)
class FeatureSnapshot:
    """One feature of a device: its description and its value when it was read."""

    id: str
    name: str
    type: str
    """``sensor``, ``binary_sensor``, ``switch``, ``number``, ``choice`` or ``action``."""
    category: str = PRIMARY
    """``primary``, ``config``, ``info`` or ``debug``."""
    unit: str | None = None
    value: Any = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    writable: bool = False
    parts: int = 0
    """How many numbers the value has when it has several (``hsv``: 3), else 0."""


@dataclass(frozen=True, slots=True)
class DeviceSnapshot:
    """One device (or a strip's outlet) as the agent last saw it."""

    device_id: str
    alias: str
    model: str
    kind: str
    hw_version: str
    fw_version: str
    mac: str
    online: bool
    features: Mapping[str, FeatureSnapshot] = field(default_factory=dict)
    parent_id: str | None = None
    """The strip's id, for an outlet; the hub's, for a hub's sensor."""
    outlet: int | None = None
    """The outlet number (from 1, as printed on the strip), for an outlet."""
    color_temp_range_k: tuple[int, int] | None = None
    has_energy: bool = False

    def value(self, feature_id: str) -> Any:
        """A feature's value (``None`` when the device lacks it or it is unknown)."""
        feature = self.features.get(feature_id)
        return feature.value if feature is not None else None


def _from_feature(feature: Any) -> FeatureSnapshot:
    """Copy a device model :class:`~kasacloud.Feature` (read its value once, now)."""
    try:
        value = feature.value
    except Exception:  # a getter that cannot answer (offline, not read yet): unknown
        value = None
    type_name = _lower_name(feature.type)
    choices = tuple(str(c) for c in (getattr(feature, "choices", None) or ()))
    return FeatureSnapshot(
        id=str(feature.id),
        name=str(getattr(feature, "name", feature.id)),
        type=type_name,
        category=_lower_name(getattr(feature, "category", PRIMARY)),
        unit=getattr(feature, "unit", None),
        value=value,
        minimum=getattr(feature, "minimum", None),
        maximum=getattr(feature, "maximum", None),
        step=getattr(feature, "step", None),
        choices=choices,
        writable=bool(getattr(feature, "writable", False)),
        parts=len(getattr(feature, "parts", ()) or ()),
    )


def features_of(device: Device) -> dict[str, FeatureSnapshot]:
    """Every feature of ``device`` (the device model's ``device.features``)."""
    return {str(fid): _from_feature(f) for fid, f in device.features.items()}


def _unknown(features: Mapping[str, FeatureSnapshot]) -> dict[str, FeatureSnapshot]:
    """The features with their values unknown (an offline device's last sysinfo is not news)."""
    return {fid: dataclasses.replace(f, value=None) for fid, f in features.items()}


def _mac(device: Device) -> str:
    raw = device.mac.replace(":", "").replace("-", "").lower()
    if len(raw) != 12:
        return ""
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2))


def snapshot(device: Device, *, online: bool | None = None) -> DeviceSnapshot:
    """A snapshot of ``device`` now (``online``: override what the device object believes)."""
    is_online = device.is_online if online is None else online
    parent = getattr(device, "parent", None)  # a strip's outlet, a hub's sensor
    parent_id = parent.device_id if isinstance(parent, Device) else None
    features = features_of(device)
    color_temp = features.get("color_temp")
    rng = (
        (int(color_temp.minimum), int(color_temp.maximum))
        if color_temp is not None and color_temp.minimum is not None and color_temp.maximum
        else None
    )
    return DeviceSnapshot(
        device_id=device.device_id,
        alias=device.alias or device.device_id,
        model=device.model,
        kind=device.kind,
        hw_version=device.hw_ver,
        fw_version=device.fw_ver,
        mac="" if parent_id is not None else _mac(device),
        online=is_online,
        features=features if is_online else _unknown(features),
        parent_id=parent_id,
        outlet=device.index + 1 if isinstance(device, Outlet) else None,
        color_temp_range_k=rng,
        has_energy=device.has_energy,
    )


def fleet(devices: list[Device]) -> dict[str, DeviceSnapshot]:
    """Snapshots of every device, strip outlet and hub sensor, keyed by device id."""
    out: dict[str, DeviceSnapshot] = {}
    for device in devices:
        online = device.is_online
        out[device.device_id] = snapshot(device, online=online)
        if isinstance(device, Strip):
            for child in device.children:
                out[child.device_id] = snapshot(child, online=online)
        elif isinstance(device, Hub):
            for sensor in device.children:  # a sensor out of the hub's reach is offline too
                out[sensor.device_id] = snapshot(sensor, online=online and sensor.is_online)
    return out


def timestamp(value: Any) -> str | None:
    """A datetime feature value as ISO 8601 (with a zone when it has one)."""
    return value.isoformat() if isinstance(value, dt.datetime) else None
