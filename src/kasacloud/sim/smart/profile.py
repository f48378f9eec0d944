"""What a SMART device is: a python-kasa SMART capture, or a profile of our own in the same shape.

A capture maps each method to the ``result`` the device gave (``component_nego``,
``get_device_info``, ``get_energy_usage`` ...), plus ``discovery_result``; children (strip outlets,
KS240 gangs, hub sensors) are in ``get_child_device_list`` with their components in
``get_child_device_component_list``, and some captures hold a full capture per child in
``child_devices``. Our own profiles (``kasacloud/sim/profiles/smart/``) are written in the same
shape with ``"kasacloud_smart_profile": 1`` added, and may give a ``power_w``.

What a device can do is read from ``component_nego`` alone, never from its model name, so any
capture of these families loads.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final

from kasacloud.protocol import smart

PROFILE_FORMAT_KEY: Final = "kasacloud_smart_profile"
_NOT_METHODS: Final = frozenset(
    {"discovery_result", "child_devices", PROFILE_FORMAT_KEY, "power_w", "name"}
)

JsonDict = dict[str, Any]


def components_of(nego: object) -> dict[str, int]:
    """``{component id: ver_code}`` from a ``component_nego`` result."""
    found: dict[str, int] = {}
    if isinstance(nego, Mapping):
        for item in nego.get("component_list") or []:
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                found[item["id"]] = int(item.get("ver_code") or 1)
    return found


def is_smart_document(data: object) -> bool:
    """Whether parsed JSON is a SMART capture or profile (it has ``component_nego`` and info)."""
    return (
        isinstance(data, Mapping)
        and isinstance(data.get(smart.COMPONENT_NEGO), Mapping)
        and isinstance(data.get("get_device_info"), Mapping)
    )


@dataclass(frozen=True, slots=True)
class SmartChildProfile:
    """One child of a SMART device: its list entry, its components and its captured methods."""

    info: Mapping[str, Any]
    components: Mapping[str, int]
    methods: Mapping[str, Any]

    @property
    def category(self) -> str:
        """``plug.powerstrip.sub-plug``, ``subg.trigger.contact-sensor`` ..."""
        return str(self.info.get("category", ""))

    @property
    def model(self) -> str:
        """The child's model (``T310``)."""
        return str(self.info.get("model", ""))


@dataclass(frozen=True, slots=True)
class SmartProfile:
    """A SMART device model, as a capture (or our profile) shows it."""

    name: str
    source: str
    methods: Mapping[str, Any]
    """Method -> captured result (never handed out: devices copy what they use)."""
    components: Mapping[str, int]
    children: tuple[SmartChildProfile, ...] = ()
    discovery: Mapping[str, Any] = field(default_factory=dict)
    power_w: float | None = None
    """Nominal draw when on; None: from the capture's current power, else a default."""

    @property
    def info(self) -> Mapping[str, Any]:
        """The captured ``get_device_info``."""
        value = self.methods.get("get_device_info")
        return value if isinstance(value, Mapping) else {}

    @property
    def device_type(self) -> str:
        """``SMART.TAPOPLUG`` ..."""
        return str(self.info.get("type") or self.discovery.get("device_type") or "SMART.TAPOPLUG")

    @property
    def model(self) -> str:
        """The model with its region when discovery names it (``P110(EU)``), else the bare one."""
        return str(self.discovery.get("device_model") or self.info.get("model") or "")

    @property
    def hw_ver(self) -> str:
        """Hardware version."""
        return str(self.info.get("hw_ver", ""))

    @property
    def fw_ver(self) -> str:
        """Firmware version."""
        return str(self.info.get("fw_ver", ""))

    def template(self, method: str) -> Any:
        """A deep copy of the captured result of ``method`` (None if not captured)."""
        return copy.deepcopy(self.methods.get(method))

    def with_children(self, children: list[Mapping[str, Any]]) -> SmartProfile:
        """The same hub with ``children`` (child captures such as ``child/T310...json``) instead.

        Raises:
            ValueError: a child document is not a SMART child capture.
        """
        made = []
        for doc in children:
            if not is_smart_document(doc):
                raise ValueError("a hub child must be a SMART child capture")
            methods = {k: v for k, v in doc.items() if k not in _NOT_METHODS}
            made.append(
                SmartChildProfile(
                    info=doc["get_device_info"],
                    components=components_of(doc[smart.COMPONENT_NEGO]),
                    methods=methods,
                )
            )
        return SmartProfile(
            self.name,
            self.source,
            self.methods,
            self.components,
            tuple(made),
            self.discovery,
            self.power_w,
        )

    @classmethod
    def from_document(cls, data: Mapping[str, Any], *, source: str) -> SmartProfile:
        """Read a capture or our profile (same shape).

        Raises:
            ValueError: not a SMART capture (no ``component_nego`` or ``get_device_info``).
        """
        if not is_smart_document(data):
            raise ValueError(f"{source}: not a SMART capture (no component_nego/get_device_info)")
        methods = {k: v for k, v in data.items() if k not in _NOT_METHODS}
        discovery_answer = data.get("discovery_result")
        discovery: Mapping[str, Any] = {}
        if isinstance(discovery_answer, Mapping):
            inner = discovery_answer.get("result", discovery_answer)
            discovery = inner if isinstance(inner, Mapping) else {}
        children = _children_of(data)
        power = data.get("power_w")
        info = data["get_device_info"]
        name = str(data.get("name") or f"{discovery.get('device_model') or info.get('model')}")
        if info.get("hw_ver") and "name" not in data:
            name = f"{name}_{info['hw_ver']}"
        return cls(
            name=name,
            source=source,
            methods=methods,
            components=components_of(data[smart.COMPONENT_NEGO]),
            children=children,
            discovery=discovery,
            power_w=float(power) if isinstance(power, int | float) else None,
        )


def _children_of(data: Mapping[str, Any]) -> tuple[SmartChildProfile, ...]:
    listing = data.get("get_child_device_list")
    entries = listing.get("child_device_list") if isinstance(listing, Mapping) else None
    if not isinstance(entries, list):
        return ()
    component_lists: dict[str, dict[str, int]] = {}
    parts = data.get("get_child_device_component_list")
    if isinstance(parts, Mapping):
        for item in parts.get("child_component_list") or []:
            if isinstance(item, Mapping):
                component_lists[str(item.get("device_id"))] = components_of(item)
    full = data.get("child_devices")
    full_captures = full if isinstance(full, Mapping) else {}
    children = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        child_id = str(entry.get("device_id", ""))
        capture = full_captures.get(child_id)
        methods: dict[str, Any] = {}
        components = component_lists.get(child_id, {})
        if isinstance(capture, Mapping):
            methods = {k: v for k, v in capture.items() if k not in _NOT_METHODS}
            components = components or components_of(capture.get(smart.COMPONENT_NEGO))
        methods["get_device_info"] = entry
        if not components:
            # Some firmware lists no components for a child: it has at least on/off if it says so.
            components = {"device": 1}
        children.append(SmartChildProfile(info=entry, components=components, methods=methods))
    return tuple(children)


@functools.cache
def builtin_smart_profiles() -> dict[str, SmartProfile]:
    """Every SMART profile shipped in ``kasacloud/sim/profiles/smart/``, by name."""
    found: dict[str, SmartProfile] = {}
    folder = resources.files("kasacloud.sim") / "profiles" / "smart"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            data = json.loads(entry.read_text(encoding="utf-8"))
            profile = SmartProfile.from_document(data, source=f"builtin:{entry.name}")
            found[profile.name] = profile
    return found


@functools.cache
def _load_file(path: str) -> SmartProfile:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    return SmartProfile.from_document(data, source=path)


def find_smart_profile(name_or_path: str | Path) -> SmartProfile | None:
    """A built-in SMART profile by name (``P110(EU)_1.0``, ``P110(EU)``, ``P110``), or a SMART
    capture file; None when the name is neither (it may be an IOT profile).

    Raises:
        ValueError, OSError: the file exists but cannot be read or parsed.
    """  # noqa: D205
    text = str(name_or_path)
    profiles = builtin_smart_profiles()
    if text in profiles:
        return profiles[text]
    for profile in profiles.values():
        if text in (profile.model, profile.model.split("(")[0]):
            return profile
    path = Path(text)
    if path.suffix == ".json" and path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            return None
        if is_smart_document(data):
            return _load_file(str(path.resolve()))
    return None
