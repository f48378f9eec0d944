"""Device profiles: what a model is, as data.

A :class:`Profile` holds everything that differs between models: names and versions, the
``get_sysinfo`` template, which capabilities the model has, its energy meter's units, its colour
temperature range, its typical power draw. Behaviour lives in :mod:`kasacloud.sim.capabilities`.

Profiles come from two places:

- our own JSON files in ``kasacloud/sim/profiles/`` (format ``"kasacloud_profile": 1``), written
  for the project; see ``docs/devices.md``;
- captures in python-kasa's fixture format (``module -> method -> response``), through
  :meth:`Profile.from_capture`. Those are test data under another licence: load them at run time,
  never copy them into the project.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

from kasacloud.protocol import commands
from kasacloud.protocol.families import Family, classify, family_named
from kasacloud.protocol.models import color_temp_range_k

JsonDict = dict[str, Any]

EmeterUnits = Literal["v1", "v2", "bulb"]

PROFILE_FORMAT_KEY: Final = "kasacloud_profile"
PROFILE_FORMAT_VERSION: Final = 1

MASKED_NAME: Final = "#MASKED_NAME#"
"""What the captures' publisher put in place of every alias."""

RULE_CAPABILITIES: Final = ("schedule", "count_down", "anti_theft")

# Typical load behind each kind of device when on, in watts: what the simulated energy meters
# draw unless the profile says otherwise. A plug's load is whatever is plugged into it.
DEFAULT_POWER_W: Final[dict[Family, float]] = {
    Family.PLUG: 60.0,
    Family.WALL_SWITCH: 40.0,
    Family.STRIP: 25.0,
    Family.DIMMER: 40.0,
    Family.BULB: 10.0,
    Family.LIGHT_STRIP: 12.0,
}

# Kasa firmware time zone indices (the devices' own table) of the regions' usual zones.
REGION_TIMEZONE_INDEX: Final[dict[str, int]] = {"US": 18, "EU": 41, "UK": 39}
UTC_TIMEZONE_INDEX: Final = 38


def region_of(model: str) -> str:
    """The region suffix of a model name: ``"HS110(EU)"`` -> ``"EU"`` (``""`` when absent)."""
    match = re.search(r"\(([A-Z]+)\)", model)
    return match.group(1) if match else ""


def model_base(model: str) -> str:
    """A model name without its region: ``"HS110(EU)"`` -> ``"HS110"``."""
    return model.split("(", 1)[0]


def mains_voltage_v(region: str) -> float:
    """Nominal mains voltage for a region: 120 V in North America, 230 V elsewhere."""
    return 120.0 if region in {"US", "CA", "MX"} else 230.0


@dataclass(frozen=True)
class Profile:
    """One model (and hardware version) of Kasa device, as data.

    ``sysinfo`` is the ``get_sysinfo`` template: its keys are exactly the keys the model answers
    with, its values the defaults (ids and aliases are replaced per device). ``static`` holds
    answers that never change (``module -> method -> response``), such as
    ``get_light_details``. ``unsupported_modules`` answer "module not support" even if a
    capability would handle them; ``stub_modules`` are modules the firmware knows but the hardware
    lacks: they answer "module not support" inside each method (old HS100/HS220 firmware does this
    for ``emeter``).
    """

    name: str
    model: str
    hw_ver: str
    sw_ver: str
    family: Family
    device_type: str
    device_name: str
    capabilities: tuple[str, ...]
    sysinfo: Mapping[str, Any]
    emeter_units: EmeterUnits | None = None
    emeter_realtime_keys: tuple[str, ...] = ()
    power_w: float = 0.0
    outlet_power_w: tuple[float, ...] = ()
    color_temp_range_k: tuple[int, int] | None = None
    rules_version: int | None = 2
    timezone_index: int = UTC_TIMEZONE_INDEX
    static: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    unsupported_modules: frozenset[str] = frozenset()
    stub_modules: frozenset[str] = frozenset()
    initial_rules: Mapping[str, Any] = field(default_factory=dict)
    dimmer_parameters: Mapping[str, Any] = field(default_factory=dict)
    source: str = "builtin"

    @property
    def region(self) -> str:
        """Region suffix of the model (``"US"``, ``"EU"``, ``"UK"``...)."""
        return region_of(self.model)

    @property
    def voltage_v(self) -> float:
        """Nominal mains voltage of the model's region."""
        return mains_voltage_v(self.region)

    @property
    def modules(self) -> commands.Modules:
        """The module names this family answers to (plugs: ``emeter``; bulbs: ``smartlife...``)."""
        return commands.modules_for(self.device_type)

    @property
    def outlet_count(self) -> int:
        """Number of outlets of a strip (0 for everything else)."""
        return int(self.sysinfo.get("child_num", 0)) if self.family is Family.STRIP else 0

    @property
    def is_light(self) -> bool:
        """A bulb or a light strip."""
        return self.family.is_light

    # -- loading -------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, source: str = "builtin") -> Profile:
        """Build a profile from our own profile format (see ``docs/devices.md``)."""
        if data.get(PROFILE_FORMAT_KEY) != PROFILE_FORMAT_VERSION:
            raise ValueError(f"not a kasacloud profile (version {PROFILE_FORMAT_VERSION})")
        sysinfo = dict(data["sysinfo"])
        model = str(data["model"])
        hw_ver = str(data["hw_ver"])
        family = family_named(str(data["family"]))
        ct_range = data.get("color_temp_range_k")
        emeter = data.get("emeter") or {}
        return cls(
            name=str(data.get("name") or f"{model}_{hw_ver}"),
            model=model,
            hw_ver=hw_ver,
            sw_ver=str(data["sw_ver"]),
            family=family,
            device_type=str(data["device_type"]),
            device_name=str(data["device_name"]),
            capabilities=tuple(data["capabilities"]),
            sysinfo=sysinfo,
            emeter_units=emeter.get("units"),
            emeter_realtime_keys=tuple(emeter.get("realtime_keys", ())),
            power_w=float(data.get("power_w", DEFAULT_POWER_W[family])),
            outlet_power_w=tuple(float(w) for w in data.get("outlet_power_w", ())),
            color_temp_range_k=(int(ct_range[0]), int(ct_range[1])) if ct_range else None,
            rules_version=data.get("rules_version", 2),
            timezone_index=int(
                data.get("timezone_index", REGION_TIMEZONE_INDEX.get(region_of(model), 38))
            ),
            static=data.get("static", {}),
            unsupported_modules=frozenset(data.get("unsupported_modules", ())),
            stub_modules=frozenset(data.get("stub_modules", ())),
            dimmer_parameters=data.get("dimmer_parameters", {}),
            source=source,
        )

    @classmethod
    def from_capture(cls, capture: Mapping[str, Any] | str | Path) -> Profile:
        """Build a profile from a python-kasa fixture: a path to one, or its parsed content.

        Works for IOT plugs, strips, switches, dimmers, bulbs and light strips.

        The capture's ``get_sysinfo`` becomes the template; its rules, dimmer parameters and
        other answers become the device's initial state and static answers; its "module not
        support" answers are kept as such.
        """
        source = "capture"
        data: Mapping[str, Any]
        if isinstance(capture, str | Path):
            source = str(capture)
            data = json.loads(Path(capture).read_text(encoding="utf-8"))
        else:
            data = capture
        sysinfo = dict(data["system"]["get_sysinfo"])
        sysinfo.pop("err_code", None)
        model = str(sysinfo["model"])
        hw_ver = str(sysinfo["hw_ver"])
        device_type = str(sysinfo.get("type") or sysinfo.get("mic_type"))
        modules = commands.modules_for(device_type)

        unsupported: set[str] = set()
        stubs: set[str] = set()
        static: dict[str, dict[str, Any]] = {}
        for module, answer in data.items():
            if not isinstance(answer, Mapping):
                continue
            if _is_error(answer):
                unsupported.add(module)
                continue
            methods = {m: r for m, r in answer.items() if isinstance(r, Mapping)}
            if methods and all(_is_module_error(r) for r in methods.values()):
                stubs.add(module)
                continue
            static[module] = {m: _strip_err(r) for m, r in methods.items()}

        family = _family_of(sysinfo, device_type, data)
        caps = ["system", "time", "cloud"]
        caps.append(
            {
                Family.PLUG: "relay",
                Family.WALL_SWITCH: "relay",
                Family.DIMMER: "relay",
                Family.STRIP: "outlets",
                Family.BULB: "light",
                Family.LIGHT_STRIP: "lightstrip",
            }[family]
        )
        if family is Family.DIMMER:
            caps.append("dimmer")
        caps.extend(RULE_CAPABILITIES)

        emeter_units: EmeterUnits | None = None
        realtime_keys: tuple[str, ...] = ()
        emeter_module = modules.emeter
        realtime = static.get(emeter_module, {}).get("get_realtime")
        if family.is_light:
            if emeter_module not in unsupported | stubs:
                emeter_units = "bulb"
                realtime_keys = tuple(realtime) if realtime else ("power_mw",)
        elif "ENE" in str(sysinfo.get("feature", "")).split(":"):
            if realtime is not None:
                emeter_units = "v1" if "power" in realtime else "v2"
                realtime_keys = tuple(realtime)
            else:
                emeter_units = "v2"
                realtime_keys = ("current_ma", "voltage_mv", "power_mw", "total_wh")
        if emeter_units is not None:
            caps.append("emeter")

        # Dynamic answers are made by capabilities; what remains static is what no capability
        # computes (firmware lists, light details, sensors' configuration, homekit...).
        initial_rules: dict[str, Any] = {}
        for kind in RULE_CAPABILITIES:
            module = getattr(modules, kind)
            rules = static.get(module, {}).get("get_rules")
            if rules is not None:
                initial_rules[kind] = rules
        dimmer_parameters = static.get(commands.DIMMER, {}).get(commands.GET_DIMMER_PARAMETERS, {})
        rules_version: int | None = 2
        schedule_rules = initial_rules.get("schedule")
        if schedule_rules is not None:
            rules_version = schedule_rules.get("version")
        dynamic = {
            (modules.system, commands.GET_SYSINFO),
            (commands.DIMMER, commands.GET_DIMMER_PARAMETERS),
            (commands.LIGHTING, commands.GET_LIGHT_STATE),
            (commands.LIGHT_STRIP, commands.GET_LIGHT_STATE),
            (modules.cloud, commands.GET_INFO),
            (emeter_module, commands.GET_REALTIME),
        }
        for kind in RULE_CAPABILITIES:
            module = getattr(modules, kind)
            dynamic |= {(module, commands.GET_RULES), (module, commands.GET_NEXT_ACTION)}
        static = {
            module: {m: r for m, r in methods.items() if (module, m) not in dynamic}
            for module, methods in static.items()
        }
        static = {module: methods for module, methods in static.items() if methods}

        base = model_base(model)
        ct_range: tuple[int, int] | None = None
        if sysinfo.get("is_variable_color_temp"):
            ct_range = color_temp_range_k(base)
        details = static.get(commands.LIGHTING, static.get(commands.LIGHT_STRIP, {})).get(
            commands.GET_LIGHT_DETAILS, {}
        )
        power_w = float(details.get("wattage", DEFAULT_POWER_W[family]))
        outlet_count = int(sysinfo.get("child_num", 0)) if family is Family.STRIP else 0
        return cls(
            name=f"{model}_{hw_ver}",
            model=model,
            hw_ver=hw_ver,
            sw_ver=str(sysinfo.get("sw_ver", "")),
            family=family,
            device_type=device_type,
            device_name=str(sysinfo.get("dev_name") or sysinfo.get("description") or model),
            capabilities=tuple(caps),
            sysinfo=sysinfo,
            emeter_units=emeter_units,
            emeter_realtime_keys=realtime_keys,
            power_w=power_w,
            outlet_power_w=tuple(DEFAULT_POWER_W[Family.STRIP] for _ in range(outlet_count)),
            color_temp_range_k=ct_range,
            rules_version=rules_version,
            timezone_index=REGION_TIMEZONE_INDEX.get(region_of(model), UTC_TIMEZONE_INDEX),
            static=static,
            unsupported_modules=frozenset(unsupported),
            stub_modules=frozenset(stubs),
            initial_rules=initial_rules,
            dimmer_parameters=dimmer_parameters,
            source=source,
        )

    def sysinfo_template(self) -> JsonDict:
        """A private deep copy of the ``get_sysinfo`` template."""
        # Every get_sysinfo makes one: a shallow copy, then a JSON copy of the few nested
        # values, is ~20x copy.deepcopy.
        info = dict(self.sysinfo)
        for key in self._nested_sysinfo_keys:
            info[key] = _copy_json(info[key])
        return info

    @functools.cached_property
    def _nested_sysinfo_keys(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.sysinfo.items() if isinstance(v, dict | list))


def _copy_json(value: Any) -> Any:
    """A deep copy of JSON-like data (dicts, lists, scalars); anything else by copy.deepcopy."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    return copy.deepcopy(value)


def _is_error(answer: Mapping[str, Any]) -> bool:
    return "err_code" in answer and answer.get("err_code") != 0 and "err_msg" in answer


def _is_module_error(answer: Mapping[str, Any]) -> bool:
    return _is_error(answer) and answer.get("err_code") == -1


def _strip_err(answer: Mapping[str, Any]) -> Any:
    # A static answer keeps its own err_code when it is an error (e.g. get_intl_fw_list -7).
    if answer.get("err_code", 0) == 0:
        return {k: v for k, v in answer.items() if k != "err_code"}
    return dict(answer)


def _family_of(sysinfo: Mapping[str, Any], device_type: str, data: Mapping[str, Any]) -> Family:
    family = classify(device_type=device_type, sysinfo=sysinfo, modules=list(data))
    if family in (Family.OUTLET, Family.OTHER):
        raise ValueError(f"a capture of a {device_type} device cannot be simulated")
    return family


# -- built-in profiles ------------------------------------------------------------------------


@functools.cache
def builtin_profiles() -> dict[str, Profile]:
    """Every profile shipped in ``kasacloud/sim/profiles/``, by name (``"HS110(US)_1.0"``)."""
    found: dict[str, Profile] = {}
    folder = resources.files("kasacloud.sim") / "profiles"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            profile = Profile.from_json(json.loads(entry.read_text(encoding="utf-8")))
            found[profile.name] = profile
    return found


@functools.cache
def _load_file(path: str) -> Profile:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if PROFILE_FORMAT_KEY in data:
        return Profile.from_json(data, source=path)
    if "system" not in data:
        raise ValueError(f"{path}: neither a kasacloud profile nor a python-kasa IOT capture")
    return Profile.from_capture(Path(path))


@functools.cache
def _builtin_named(text: str) -> Profile | None:
    # Cached: a seed of 100,000 devices names a handful of models.
    profiles = builtin_profiles()
    if text in profiles:
        return profiles[text]
    for key in (lambda p: p.model, lambda p: model_base(p.model)):
        for profile in profiles.values():
            if key(profile) == text:
                return profile
    return None


def load_profile(name_or_path: str | Path) -> Profile:
    """Resolve a built-in profile name or a file (our format or a capture, told apart by content).

    Names: the full name (``"HS110(EU)_1.0"``), a model with region (``"HS110(EU)"``) or
    without (``"HS110"``); a short name picks the first matching profile in name order. Parsed
    profiles are cached, so building many devices of one model parses it once.
    """
    text = str(name_or_path)
    builtin = _builtin_named(text)
    if builtin is not None:
        return builtin
    path = Path(text)
    if path.suffix == ".json" or path.exists():
        return _load_file(str(path.resolve()))
    raise KeyError(f"no built-in profile or file named {text!r}")
