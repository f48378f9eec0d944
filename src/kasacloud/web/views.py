"""What a tile shows: the library's devices, read once into plain values for templates and JSON.

Templates never call the library: a device is read here, after its ``update()``, into a
:class:`DeviceView`. That keeps every library call (and every error it can raise) in the request
handlers, and gives the JavaScript the same values the HTML was rendered from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

KIND_LABELS = {
    "bulb": "Bulb",
    "light_strip": "Light strip",
    "plug": "Plug",
    "strip": "Power strip",
    "wall_switch": "Wall switch",
    "dimmer": "Dimmer",
    "hub": "Hub",
    "device": "Device",
}

# Groups in the order the dashboard shows them: lights first, as the Kasa app does.
GROUPS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("lights", "Lights", frozenset({"bulb", "light_strip"})),
    ("plugs", "Plugs", frozenset({"plug"})),
    ("strips", "Power strips", frozenset({"strip"})),
    ("switches", "Switches and dimmers", frozenset({"wall_switch", "dimmer"})),
    ("sensors", "Hubs and sensors", frozenset({"hub"})),
    ("other", "Other devices", frozenset({"device"})),
)


def format_power(power_w: float | None) -> str | None:
    """A power figure as people read it: ``"12.3 W"``, ``"1.25 kW"``; ``None`` when unknown."""
    if power_w is None:
        return None
    if abs(power_w) >= 1000:
        return f"{power_w / 1000:.2f} kW"
    return f"{power_w:.1f} W"


def format_energy(energy_kwh: float) -> str:
    """An energy figure: ``"0.412 kWh"``, ``"12.4 kWh"``."""
    return f"{energy_kwh:.1f} kWh" if energy_kwh >= 10 else f"{energy_kwh:.3f} kWh"


def hsv_to_hex(hue: int, saturation: int, value: int = 100) -> str:
    """``#rrggbb`` for a hue (0-360), saturation and value (0-100), for ``<input type=color>``.

    >>> hsv_to_hex(0, 100), hsv_to_hex(120, 100), hsv_to_hex(0, 0)
    ('#ff0000', '#00ff00', '#ffffff')
    """
    h = (hue % 360) / 60.0
    s = max(0, min(saturation, 100)) / 100.0
    v = max(0, min(value, 100)) / 100.0
    c = v * s
    x = c * (1 - abs(h % 2 - 1))
    r, g, b = [(c, x, 0.0), (x, c, 0.0), (0.0, c, x), (0.0, x, c), (x, 0.0, c), (c, 0.0, x)][
        int(h) % 6
    ]
    m = v - c
    return "#" + "".join(f"{round((part + m) * 255):02x}" for part in (r, g, b))


def hex_to_hue_saturation(color: str) -> tuple[int, int]:
    """Hue (0-360) and saturation (0-100) of ``#rrggbb``; brightness is a control of its own.

    >>> hex_to_hue_saturation("#ff0000"), hex_to_hue_saturation("#00ff00")
    ((0, 100), (120, 100))

    Raises:
        ValueError: ``color`` is not ``#rrggbb``.
    """
    text = color.strip()
    if len(text) != 7 or not text.startswith("#"):
        raise ValueError(f"not a #rrggbb colour: {color!r}")
    r, g, b = (int(text[i : i + 2], 16) / 255.0 for i in (1, 3, 5))
    high, low = max(r, g, b), min(r, g, b)
    delta = high - low
    if delta == 0:
        hue = 0.0
    elif high == r:
        hue = 60 * (((g - b) / delta) % 6)
    elif high == g:
        hue = 60 * ((b - r) / delta + 2)
    else:
        hue = 60 * ((r - g) / delta + 4)
    saturation = 0.0 if high == 0 else delta / high
    return round(hue) % 360, round(saturation * 100)


@dataclass
class LightView:
    """A light's state and what it can do."""

    is_dimmable: bool
    is_color: bool
    is_variable_color_temp: bool
    brightness: int
    hue: int
    saturation: int
    color_temp_k: int
    """0 when the light shows a hue/saturation colour."""
    temp_min_k: int
    temp_max_k: int
    brightness_min: int = 0

    @property
    def in_colour_mode(self) -> bool:
        """Whether the light shows a hue/saturation colour (not white at a colour temperature)."""
        return self.is_color and self.color_temp_k == 0

    @property
    def mode_text(self) -> str:
        """What the light shows, for a light that can do both: "Colour" or "White, 2700 K"."""
        if self.in_colour_mode:
            return "Colour"
        if self.color_temp_k:
            return f"White, {self.color_temp_k} K"
        return "White"

    @property
    def color_temp_text(self) -> str:
        """The colour temperature as shown: "2700 K", or "—" while the light shows a colour."""
        if self.in_colour_mode or not self.color_temp_k:
            return "—"
        return f"{self.color_temp_k} K"

    @property
    def color_hex(self) -> str:
        """The colour for ``<input type=color>`` (full value: brightness has its own slider)."""
        return hsv_to_hex(self.hue, self.saturation)


@dataclass
class OutletView:
    """One outlet of a power strip."""

    id: str
    name: str
    is_on: bool
    has_energy: bool = False
    power_w: float | None = None

    @property
    def power_text(self) -> str | None:
        """The outlet's power, formatted."""
        return format_power(self.power_w)


@dataclass
class DeviceView:
    """Everything a device's tile shows, read from the library's device after ``update()``."""

    id: str
    name: str
    model: str
    kind: str
    online: bool
    is_on: bool | None = None
    has_energy: bool = False
    has_energy_history: bool = False
    power_w: float | None = None
    outlets: list[OutletView] = field(default_factory=list)
    sensors: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    """A hub's sensors: (name, [(reading, text)]), from the shared view's readings."""
    light: LightView | None = None
    error: str | None = None
    """A readable message when the device could not be read (other than being offline)."""
    led: bool | None = None
    """Whether the status LED is lit (``None``: it has none)."""
    parent_id: str | None = None
    """An outlet's strip."""

    @property
    def kind_label(self) -> str:
        """The kind of device, for people ("Power strip")."""
        return KIND_LABELS.get(self.kind, "Device")

    @property
    def power_text(self) -> str | None:
        """The device's power, formatted."""
        return format_power(self.power_w)

    @property
    def state_text(self) -> str:
        """The badge: Offline, On, Off, "2 of 3 on" for a strip."""
        if not self.online:
            return "Offline"
        if self.error:
            return "Not responding"
        if self.outlets:
            on = sum(o.is_on for o in self.outlets)
            return f"{on} of {len(self.outlets)} on"
        if self.is_on is None:
            return "Online"
        return "On" if self.is_on else "Off"

    @property
    def state_class(self) -> str:
        """The badge's style: ``on``, ``off`` or ``offline``."""
        if not self.online or self.error:
            return "offline"
        if self.outlets:
            return "on" if any(o.is_on for o in self.outlets) else "off"
        return "on" if self.is_on else "off"

    @property
    def offline_text(self) -> str:
        """What an offline tile says."""
        return "Offline: the cloud cannot reach it. Check that it has power and Wi-Fi."

    def to_json(self) -> dict[str, Any]:
        """The device for ``/api/devices``: the view's values plus formatted figures."""
        data = asdict(self)
        data.update(
            kind_label=self.kind_label,
            state_text=self.state_text,
            power_text=self.power_text,
            digest=self.digest,
        )
        for outlet, outlet_view in zip(data["outlets"], self.outlets, strict=True):
            outlet["power_text"] = outlet_view.power_text
        return data

    @property
    def digest(self) -> str:
        """A fingerprint of everything but the power figures.

        The page's script compares it with the tile's: a change made elsewhere (the Kasa app, a
        schedule) re-renders the tile, while power, which changes all the time, is updated in place.
        """
        data = asdict(self)
        data.pop("power_w")
        for outlet in data["outlets"]:
            outlet.pop("power_w")
        encoded = json.dumps(data, sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()[:16]


@dataclass
class DeviceGroup:
    """A section of the dashboard."""

    slug: str
    title: str
    devices: list[DeviceView]


def group_devices(devices: list[DeviceView]) -> list[DeviceGroup]:
    """Devices in sections by kind, each sorted by name; empty sections are left out."""
    groups = []
    for slug, title, kinds in GROUPS:
        members = sorted((d for d in devices if d.kind in kinds), key=lambda d: d.name.casefold())
        if members:
            groups.append(DeviceGroup(slug, title, members))
    return groups


NO_SWITCH = frozenset({"hub", "device"})
"""Kinds without on/off (a hub; a device of unknown kind): all on / all off leave them out."""

OTHER_ROOM = "*"
"""The form value that names the devices in no room ("Other devices"); no room can be called so."""


@dataclass
class RoomView:
    """A room (a group kept with the CLI's ``kasacloud group``) as a section of the dashboard."""

    name: str
    devices: list[DeviceView]
    """The tiles shown in it: its devices, and the strips of its outlets."""
    member_ids: list[str]
    """What all-on / all-off switches: its devices and outlets on the account."""
    missing: int = 0
    """Members the account no longer has."""
    is_other: bool = False

    @property
    def key(self) -> str:
        """The value of the all-on / all-off forms' ``room`` field."""
        return OTHER_ROOM if self.is_other else self.name

    @property
    def title(self) -> str:
        """The section's heading."""
        return "Other devices" if self.is_other else self.name


def rooms_of(
    devices: list[DeviceView], groups: dict[str, list[str]], parents: dict[str, str]
) -> list[RoomView]:
    """Devices by room, rooms by name, then "Other devices" (in no room); empty rooms are kept.

    ``parents`` maps an outlet's id to its strip's: a room that holds an outlet shows the strip's
    tile. A device in two rooms is shown in the first only (two tiles of one device would give the
    page two elements of one id), but all-on / all-off of either room switches it.
    """
    by_id = {d.id: d for d in devices}

    def switchable(member: str) -> bool:
        # A hub (or a device of unknown kind) has no on/off: all on / all off leaves it out
        # rather than report it as failing every time.
        view = by_id.get(member)
        return member in parents or (view is not None and view.kind not in NO_SWITCH)

    shown: set[str] = set()
    rooms = []
    for name in sorted(groups, key=str.casefold):
        ids = groups[name]
        present = [i for i in ids if i in by_id or i in parents]
        tiles = []
        for member in present:
            tile_id = parents.get(member, member)
            if tile_id in by_id and tile_id not in shown:
                shown.add(tile_id)
                tiles.append(by_id[tile_id])
        tiles.sort(key=lambda d: d.name.casefold())
        members = [i for i in present if switchable(i)]
        rooms.append(RoomView(name, tiles, members, missing=len(ids) - len(present)))
    in_a_room = {parents.get(i, i) for ids in groups.values() for i in ids}
    others = sorted((d for d in devices if d.id not in in_a_room), key=lambda d: d.name.casefold())
    if others:
        members = [d.id for d in others if switchable(d.id)]
        rooms.append(RoomView("", others, members, is_other=True))
    return rooms


@dataclass
class SceneView:
    """A saved scene, as the dashboard lists it."""

    name: str
    states: list[tuple[str, str]]
    """(device name, "on, 40 %" / "off") per device."""

    @property
    def text(self) -> str:
        """One line: "Hall lamp off, Living room bulb on (40 %)"."""
        return "; ".join(f"{name}: {state}" for name, state in self.states)


def scene_state_text(
    is_on: bool, brightness: int | None, hsv: tuple[int, int, int] | None, temp: int | None
) -> str:
    """What a scene puts a device in, in words: "off", "on, 40 %, 2700 K".

    >>> scene_state_text(True, 40, None, 2700), scene_state_text(False, None, None, None)
    ('on, 40 %, 2700 K', 'off')
    """
    if not is_on:
        return "off"
    parts = ["on"]
    if brightness is not None:
        parts.append(f"{brightness} %")
    if hsv is not None:
        parts.append(f"hue {hsv[0]}°")
    elif temp:
        parts.append(f"{temp} K")
    return ", ".join(parts)


def summary_text(devices: list[DeviceView]) -> str:
    """The line under the heading: how many devices, how many on, how many offline, total power."""
    if not devices:
        return "No devices."
    online = [d for d in devices if d.online and not d.error]
    on = sum(1 for d in online if d.is_on or any(o.is_on for o in d.outlets))
    parts = [f"{len(devices)} device{'s' if len(devices) != 1 else ''}", f"{on} on"]
    offline = len(devices) - len(online)
    if offline:
        parts.append(f"{offline} offline")
    powers = [d.power_w for d in online if d.power_w is not None]
    if powers:
        parts.append(f"{format_power(sum(powers))} in use")
    return " · ".join(parts)


# -- the device page ------------------------------------------------------------------------------

FeatureCategoryName = str
"""``primary``, ``config``, ``info`` or ``debug`` (the device model's categories)."""


def format_value(value: Any, unit: str | None, type_: str) -> str:
    """A feature's value as people read it, with its unit: ``"On"``, ``"12.3 W"``, ``"2700 K"``.

    >>> format_value(True, None, "switch"), format_value(12.345, "W", "sensor")
    ('On', '12.3 W')
    >>> format_value(0.41234, "kWh", "sensor"), format_value(None, "V", "sensor")
    ('0.412 kWh', '—')
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        if type_ == "binary_sensor":
            return "Yes" if value else "No"
        return "On" if value else "Off"
    if isinstance(value, dt.datetime):
        return value.strftime("%-d %b %Y, %H:%M")
    if isinstance(value, tuple) and len(value) == 3:  # HSV
        hue, saturation, brightness = value
        return f"hue {hue}°, saturation {saturation}%, brightness {brightness}%"
    if isinstance(value, float):
        if unit == "kWh":
            text = format_energy(value)
            return text
        if unit == "A":
            return f"{value:.3f} A"
        text = f"{value:.1f}"
    else:
        text = str(value)
    if not unit:
        return text
    return f"{text}{unit}" if unit in {"%", "°C"} else f"{text} {unit}"


@dataclass
class FeatureView:
    """One feature of a device (its state, a reading, a setting), as the device page shows it.

    Read from the device model's ``device.features`` (:func:`kasacloud.web.devices.features_of`).
    """

    id: str
    name: str
    type: str
    """``switch``, ``number``, ``choice``, ``action``, ``sensor`` or ``binary_sensor``."""
    category: FeatureCategoryName
    value: Any = None
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: list[str] = field(default_factory=list)
    writable: bool = False
    """Whether it can be set (the page offers a control for it)."""

    @property
    def value_text(self) -> str:
        """The value with its unit."""
        return format_value(self.value, self.unit, self.type)


DAY_NAMES = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
"""Index 0 is Sunday, as the devices count."""


def days_text(weekdays: tuple[bool, ...]) -> str:
    """``"every day"``, ``"weekdays"``, ``"weekends"`` or ``"Mon, Wed, Fri"``.

    >>> days_text((True,) * 7), days_text((False, True, False, True, False, True, False))
    ('every day', 'Mon, Wed, Fri')
    """
    if all(weekdays):
        return "every day"
    if weekdays == (False, True, True, True, True, True, False):
        return "weekdays"
    if weekdays == (True, False, False, False, False, False, True):
        return "weekends"
    return ", ".join(n for n, on in zip(DAY_NAMES, weekdays, strict=False) if on) or "no day"


def clock_text(minutes: int) -> str:
    """Minutes after midnight as ``HH:MM``."""
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def duration_text(seconds: int) -> str:
    """``"1 h 5 min"``, ``"4 min 10 s"``, ``"30 s"``.

    >>> duration_text(3900), duration_text(250), duration_text(30)
    ('1 h 5 min', '4 min 10 s', '30 s')
    """
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


@dataclass
class RuleView:
    """A schedule, countdown or away-mode rule, as the device page lists it."""

    kind: str
    """``schedule``, ``countdown`` or ``away``."""
    id: str
    name: str
    enabled: bool
    action_text: str
    when_text: str
    next_text: str | None = None
    """"Next: Wed 3 Dec, 07:30" for a schedule or away mode; "Time left: 4 min 10 s" for a timer."""
    turn_on: bool = True
    start: str = "00:00"
    end: str = "00:00"
    weekdays: tuple[bool, ...] = (True,) * 7
    delay_min: int = 1
    time_option: str = "time"


@dataclass
class RuleGroup:
    """The rules of one kind on a device (``supported`` False: the device has no such module)."""

    kind: str
    title: str
    rules: list[RuleView] = field(default_factory=list)
    supported: bool = True
    error: str | None = None


@dataclass
class DeviceDetail:
    """Everything the device page shows."""

    view: DeviceView
    features: list[FeatureView]
    details: list[tuple[str, str]]
    rule_groups: list[RuleGroup] = field(default_factory=list)
    parent_id: str | None = None
    parent_name: str | None = None
    is_outlet: bool = False
    can_reboot: bool = True
    energy_today_kwh: float | None = None
    energy_month_kwh: float | None = None
    device_time: dt.datetime | None = None
    watch_digest: str = ""
    """The digest of the device the page watches (an outlet's page watches its strip)."""

    @property
    def primary(self) -> list[FeatureView]:
        """The features shown first, with their controls."""
        return [f for f in self.features if f.category == "primary"]

    @property
    def settings(self) -> list[FeatureView]:
        """Configuration features (the LED, ...)."""
        return [f for f in self.features if f.category == "config"]

    @property
    def readings(self) -> list[FeatureView]:
        """Every feature with its value, for the table."""
        return [f for f in self.features if f.category != "debug"]
