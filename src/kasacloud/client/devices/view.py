"""One view of a device for every surface: the CLI's ``devices``/``info``, and the dashboard.

:func:`view` reads a device (as of its last update) into a :class:`DeviceView`: plain data, the
same for an IOT plug and any other device with the same features. ``to_json()`` is the CLI's
documented JSON entry (docs/cli.md); the dashboard renders the same fields.

>>> v = view(device)                                  # doctest: +SKIP
>>> v.kind, v.is_on, v.power_w, [f["id"] for f in v.features]
('plug', True, 61.2, ['state', 'current_power', ...])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kasacloud.client.devices.feature import FeatureCategory
from kasacloud.client.devices.modules import Light, Module

if TYPE_CHECKING:
    from kasacloud.client.devices.device import Device

_CATEGORY_ORDER = {c: i for i, c in enumerate(FeatureCategory)}


@dataclass(frozen=True, slots=True)
class LightView:
    """A light's state: bulbs, light strips and dimmers."""

    is_on: bool | None
    brightness_pct: int | None
    hsv: tuple[int, int, int] | None
    """The colour setting (``None``: no colour); see ``shows_color``."""
    color_temp_k: int | None
    """The white's temperature; 0 while a colour is shown; ``None``: not tunable."""
    color_temp_range_k: tuple[int, int] | None
    is_dimmable: bool
    is_color: bool
    is_variable_color_temp: bool
    brightness_min: int = 0

    @property
    def shows_color(self) -> bool:
        """Whether the light shows a colour now (not white): a swatch makes sense."""
        return self.is_color and not self.color_temp_k

    def to_json(self) -> dict[str, Any]:
        """The CLI's ``light`` object (without ``device``)."""
        return {
            "is_on": self.is_on,
            "brightness_pct": self.brightness_pct,
            "hsv": list(self.hsv) if self.hsv is not None else None,
            "color_temp_k": self.color_temp_k,
            "color_temp_range_k": list(self.color_temp_range_k)
            if self.color_temp_range_k
            else None,
            "is_dimmable": self.is_dimmable,
            "is_color": self.is_color,
            "is_variable_color_temp": self.is_variable_color_temp,
        }


@dataclass(frozen=True, slots=True)
class DeviceView:
    """What a device is and shows, as plain data (see :func:`view`)."""

    id: str
    alias: str
    kind: str
    model: str
    device_type: str
    online: bool
    is_on: bool | None
    """On/off; ``None`` when offline or meaningless (a camera)."""
    has_energy: bool
    power_w: float | None
    """The power now (a strip: its outlets' sum); ``None`` without a meter or reading."""
    light: LightView | None
    outlet: int | None = None
    """A strip outlet's number, from 1."""
    parent: tuple[str, str] | None = None
    """A strip outlet's strip: ``(id, alias)``."""
    outlets: tuple[DeviceView, ...] = ()
    features: tuple[dict[str, Any], ...] = field(default=())
    """Every feature, described with its value (``Feature.describe()``), most prominent first."""

    @property
    def name(self) -> str:
        """How to name it to a person: the alias, else ``Outlet N``, else the id."""
        if self.alias:
            return self.alias
        return f"Outlet {self.outlet}" if self.outlet else self.id

    def ref_json(self) -> dict[str, Any]:
        """How results name a device: ``{"id", "alias"}`` (plus ``outlet``, ``parent``)."""
        data: dict[str, Any] = {"id": self.id, "alias": self.alias}
        if self.outlet is not None and self.parent is not None:
            data["outlet"] = self.outlet
            data["parent"] = {"id": self.parent[0], "alias": self.parent[1]}
        return data

    def to_json(self) -> dict[str, Any]:
        """The CLI's ``devices`` entry (docs/cli.md), with ``features``."""
        data: dict[str, Any] = {
            "id": self.id,
            "alias": self.alias,
            "kind": self.kind,
            "model": self.model,
            "device_type": self.device_type,
            "online": self.online,
            "is_on": self.is_on,
            "has_energy": self.has_energy,
            "features": [dict(f) for f in self.features],
        }
        if self.kind == "strip":
            data["outlets"] = [o.outlet_json() for o in self.outlets]
        return data

    def outlet_json(self) -> dict[str, Any]:
        """One entry of a strip's ``outlets``."""
        return {
            "outlet": self.outlet,
            "id": self.id,
            "alias": self.alias,
            "is_on": self.is_on,
            "features": [dict(f) for f in self.features],
        }


def _is_on(device: Device) -> bool | None:
    if not device.is_online or "state" not in device.features:
        return None
    return bool(device.features["state"].value)


def _light(device: Device) -> LightView | None:
    light = device.modules.get(Module.Light)
    if not isinstance(light, Light):
        return None
    hsv = light.hsv
    return LightView(
        is_on=_is_on(device),
        brightness_pct=light.brightness,
        hsv=tuple(hsv) if hsv is not None else None,  # type: ignore[arg-type]
        color_temp_k=light.color_temp_k,
        color_temp_range_k=light.color_temp_range_k,
        is_dimmable=light.is_dimmable,
        is_color=light.is_color,
        is_variable_color_temp=light.is_variable_color_temp,
        brightness_min=0,
    )


def view(device: Device) -> DeviceView:
    """Read ``device`` (as of its last update) into a :class:`DeviceView`.

    An offline device keeps its identity (and its light's capabilities); its state and features
    are left out, because what the last update saw is no longer true.
    """
    online = bool(device.is_online)
    features = sorted(device.features.values(), key=lambda f: _CATEGORY_ORDER[f.category])
    parent = getattr(device, "parent", None)
    index = getattr(device, "index", None)
    power = device.features.get("current_power")
    return DeviceView(
        id=device.device_id,
        alias=device.alias,
        kind=device.kind,
        model=device.model,
        device_type=device.device_type,
        online=online,
        is_on=_is_on(device),
        has_energy=device.has_energy,
        power_w=power.value if (online and power is not None) else None,
        light=_light(device),
        outlet=index + 1 if parent is not None and isinstance(index, int) else None,
        parent=(parent.device_id, parent.alias) if parent is not None else None,
        outlets=tuple(view(child) for child in getattr(device, "children", ())),
        features=tuple(f.describe() for f in features) if online else (),
    )
