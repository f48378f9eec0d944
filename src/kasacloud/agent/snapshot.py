"""What the agent knows of each device at one moment: immutable snapshots built from features.

The outputs (MQTT, Prometheus, history) never touch a live :class:`~kasacloud.client.Device`: the
poller turns each one into a :class:`DeviceSnapshot` after every read or command and hands the
whole fleet over at once. A snapshot is plain data, so the metrics thread can read it while the
event loop builds the next one.

Feature descriptions come from ``device.features`` (the device model's
:class:`~kasacloud.Feature`). A device object without ``features`` (an older client) is described
from its device-level attributes (``is_on``, ``brightness``, ``realtime``...) with the same ids,
types and units, so that everything downstream is keyed by feature id, type and unit only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kasacloud.client import Bulb, Device, Dimmer, Outlet, Strip

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
    """The strip's id, for an outlet."""
    outlet: int | None = None
    """The outlet number (from 1, as printed on the strip), for an outlet."""
    color_temp_range_k: tuple[int, int] | None = None
    has_energy: bool = False

    @property
    def meter_id(self) -> str:
        """The id history and metrics key this device's readings by (an outlet's own id)."""
        return self.device_id

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
        writable=type_name in (SWITCH, NUMBER, CHOICE, ACTION) and hasattr(feature, "set_value"),
    )


def _safe(getter: Any) -> Any:
    try:
        return getter()
    except Exception:
        return None


def _from_attributes(device: Device) -> dict[str, FeatureSnapshot]:
    """The same feature ids, types and units, from the device-level attributes."""
    out: dict[str, FeatureSnapshot] = {}

    def add(fid: str, name: str, ftype: str, value: Any, **kw: Any) -> None:
        out[fid] = FeatureSnapshot(id=fid, name=name, type=ftype, value=value, **kw)

    if not isinstance(device, Strip) and device.kind != "device":
        add("state", "State", SWITCH, _safe(lambda: device.is_on), writable=True)
    if isinstance(device, Dimmer) or (isinstance(device, Bulb) and device.is_dimmable):
        add(
            "brightness",
            "Brightness",
            NUMBER,
            _safe(lambda: device.brightness),
            unit="%",
            minimum=0 if isinstance(device, Bulb) else 1,
            maximum=100,
            step=1,
            writable=True,
        )
    if isinstance(device, Bulb):
        rng = device.color_temp_range_k
        if rng is not None:
            add(
                "color_temp",
                "Colour temperature",
                NUMBER,
                device.color_temp_k,
                unit="K",
                minimum=rng[0],
                maximum=rng[1],
                writable=True,
            )
        if device.is_color:
            add("hsv", "HSV", SENSOR, device.hsv, writable=True)
    reading = device.realtime
    if reading is not None and device.has_energy:
        add("current_power", "Current power", SENSOR, reading.power_w, unit="W")
        if reading.total_kwh is not None:
            add("total_energy", "Total energy", SENSOR, reading.total_kwh, unit="kWh")
        if reading.voltage_v is not None:
            add("voltage", "Voltage", SENSOR, reading.voltage_v, unit="V")
        if reading.current_a is not None:
            add("current", "Current", SENSOR, reading.current_a, unit="A")
    if device.rssi is not None and not isinstance(device, Outlet):
        add("rssi", "Signal strength", SENSOR, device.rssi, unit="dBm", category=DEBUG)
    led = _safe(lambda: device.led)
    if led is not None:
        add("led", "LED", SWITCH, led, category=CONFIG, writable=True)
    return out


def features_of(device: Device) -> dict[str, FeatureSnapshot]:
    """Every feature of ``device``, from ``device.features`` where the device model has it."""
    features = getattr(device, "features", None)
    if isinstance(features, Mapping):
        return {str(fid): _from_feature(f) for fid, f in features.items()}
    return _from_attributes(device)


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
    parent_id = device.parent.device_id if isinstance(device, Outlet) else None
    rng = device.color_temp_range_k if isinstance(device, Bulb) else None
    return DeviceSnapshot(
        device_id=device.device_id,
        alias=device.alias or device.device_id,
        model=device.model,
        kind=device.kind,
        hw_version=device.hw_ver,
        fw_version=device.fw_ver,
        mac="" if isinstance(device, Outlet) else _mac(device),
        online=is_online,
        features=features_of(device) if is_online else _unknown(features_of(device)),
        parent_id=parent_id,
        outlet=device.index + 1 if isinstance(device, Outlet) else None,
        color_temp_range_k=rng,
        has_energy=device.has_energy,
    )


def fleet(
    devices: list[Device], offline: frozenset[str] = frozenset()
) -> dict[str, DeviceSnapshot]:
    """Snapshots of every device and every strip outlet, keyed by device id."""
    out: dict[str, DeviceSnapshot] = {}
    for device in devices:
        online = device.is_online and device.device_id not in offline
        out[device.device_id] = snapshot(device, online=online)
        for child in getattr(device, "children", None) or []:
            out[child.device_id] = snapshot(child, online=online)
    return out


def timestamp(value: Any) -> str | None:
    """A datetime feature value as ISO 8601 (with a zone when it has one)."""
    return value.isoformat() if isinstance(value, dt.datetime) else None
