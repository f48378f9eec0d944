"""A simulated SMART device (and its children), built from a capture's structure.

Which methods a device answers follows its ``component_nego`` (see :mod:`.components`); every
answer starts from the capture's own result for that method, with the live state written over it,
so a fresh device answers as the capture does, and only what the state changes differs.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kasacloud.protocol import families, smart
from kasacloud.protocol.smart import SmartErrorCode
from kasacloud.sim.clock import SimClock
from kasacloud.sim.history import unit_noise
from kasacloud.sim.ids import child_id, mac_for, stable_hex
from kasacloud.sim.profile import mains_voltage_v, region_of
from kasacloud.sim.smart import components
from kasacloud.sim.smart.energy import SmartMeter
from kasacloud.sim.smart.errors import SmartDeviceError
from kasacloud.sim.smart.profile import SmartChildProfile, SmartProfile

SNAPSHOT_VERSION: Final = 1
MASKED: Final = "#MASKED_NAME#"
DEFAULT_POWER_W: Final = 60.0
"""What an energy-metering load draws when on, unless the profile or capture says otherwise."""
DEFAULT_OUTLET_POWER_W: Final = 40.0
_MAX_EVENTS_PER_CATCH_UP: Final = 10_000
_RULE_LIGHT_KEYS: Final = ("brightness", "hue", "saturation", "color_temp")
"""What a rule's ``desired_states`` may set on a light besides ``on``."""

JsonDict = dict[str, Any]


def _zone(name: object) -> tzinfo:
    if isinstance(name, str) and "/" in name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


def _masked(value: object) -> bool:
    if not isinstance(value, str):
        return True
    text = smart.decode_text(value)
    return text is None or MASKED in text or not text.strip()


def identity_of(info: Mapping[str, Any], node_id: str) -> JsonDict:
    """What a node owns of its ``get_device_info``: ids derived from its model and firmware, and
    a MAC of its own (only the keys the capture has)."""  # noqa: D205, D209
    found: JsonDict = {}
    fw = str(info.get("fw_ver", ""))
    for key, label in (("hw_id", "hwId"), ("fw_id", "fwId"), ("oem_id", "oemId")):
        if key in info:
            found[key] = stable_hex(label, str(info.get("model")), fw)
    if "mac" in info:
        found["mac"] = mac_for(node_id, str(info["mac"]))
    return found


def smart_alias(profile: SmartProfile, alias: str | None) -> str:
    """The name a device built with ``alias`` has: it, else the capture's, else a default."""
    name = alias
    if name is None:
        nick = profile.info.get("nickname")
        name = default_smart_alias(profile) if _masked(nick) else smart.decode_text(str(nick))
    return name or default_smart_alias(profile)


def cloud_entry(profile: SmartProfile, info: Mapping[str, Any], alias: str) -> JsonDict:
    """The device's own part of a ``getDeviceList`` entry, from its info and decoded alias."""
    model = profile.model
    return {
        "deviceType": profile.device_type,
        "fwVer": str(info.get("fw_ver", "")),
        "deviceName": model.split("(")[0],
        "deviceHwVer": profile.hw_ver,
        "deviceModel": model,
        "deviceMac": str(info.get("mac", "")).replace("-", "").replace(":", "").upper(),
        "oemId": str(info.get("oem_id", "")),
        "hwId": str(info.get("hw_id", "")),
        "fwId": str(info.get("fw_id", "")),
        "alias": alias,
    }


class SmartNode:
    """One SMART endpoint: the device itself, or one of its children (outlet, gang, sensor).

    Holds the live ``get_device_info``, the rule tables, the meter, and the captured answers of
    everything else; :mod:`.components` turns its components into methods.
    """

    def __init__(
        self,
        *,
        methods: Mapping[str, Any],
        component_ids: Mapping[str, int],
        node_id: str,
        alias: str,
        clock: SimClock,
        power_w: float,
        parent: SmartNode | None = None,
    ) -> None:
        self.node_id = node_id
        self.clock = clock
        self.parent = parent
        self.components = dict(component_ids)
        self.templates: dict[str, Any] = {m: copy.deepcopy(v) for m, v in methods.items()}
        self.info: JsonDict = copy.deepcopy(dict(methods.get("get_device_info") or {}))
        self.info["device_id"] = node_id
        if "nickname" in self.info or parent is None:
            self.info["nickname"] = smart.encode_text(alias)
        if parent is not None and "parent_device_id" in self.info:
            self.info["parent_device_id"] = parent.node_id
        if "original_device_id" in self.info and parent is not None:
            self.info["original_device_id"] = parent.node_id
        self.info.update(identity_of(self.info, node_id))
        self.power_w = power_w
        self.mains_v: float = parent.mains_v if parent is not None else 230.0
        self.tz = _zone(self.info.get("region"))
        self.meter = SmartMeter()
        now_s = clock.now()
        self.caught_up_s = now_s
        self.on_since_s: float | None = now_s - float(self.info.get("on_time") or 0)
        if not self.info.get("device_on"):
            self.on_since_s = None
        self.rules = components.RuleTables.from_templates(self.templates)
        self.changed: set[str] = set()
        """Captured answers a generic setter changed (kept in the snapshot)."""
        self.routes = components.routes_for(self)
        self.revision = 0

    # --- what it is -------------------------------------------------------------------------

    def fw_label(self) -> str:
        """The firmware version (the ids are derived from it)."""
        return str(self.info.get("fw_ver", ""))

    def has(self, component: str) -> bool:
        """Whether ``component_nego`` lists ``component``."""
        return component in self.components

    @property
    def switchable(self) -> bool:
        """Whether it has an on/off state (sensors do not)."""
        return "device_on" in self.info

    @property
    def meters_energy(self) -> bool:
        """Whether it measures energy (component ``energy_monitoring``)."""
        return self.has("energy_monitoring")

    @property
    def alias(self) -> str:
        """The decoded nickname."""
        return smart.decode_text(str(self.info.get("nickname", ""))) or ""

    @property
    def is_on(self) -> bool:
        """The relay or light state."""
        return bool(self.info.get("device_on"))

    def power_now_w(self, now_s: float) -> float:
        """What it draws now: the nominal draw while on, with a little noise per minute."""
        if not self.is_on or not self.meters_energy:
            return 0.0
        return self.power_w * (1.0 + 0.03 * unit_noise(self.node_id, "p", int(now_s // 60)))

    # --- time -------------------------------------------------------------------------------

    def catch_up(self, now_s: float) -> None:
        """Carry out the countdowns, schedules and away switches due up to ``now_s``, in time
        order; count energy and time on between them."""  # noqa: D205, D209
        for _ in range(_MAX_EVENTS_PER_CATCH_UP):
            due = self.rules.next_countdown(self.caught_up_s)
            timed = self.rules.next_timed(self.caught_up_s, self.tz)
            countdown_at = due[0] if due is not None else None
            timed_at = timed.at_s if timed is not None else None
            if (
                countdown_at is not None
                and countdown_at <= now_s
                and (timed_at is None or countdown_at <= timed_at)
            ):
                assert due is not None
                at, rule = due
                self._count(self.caught_up_s, at)
                self.caught_up_s = at
                self.rules.fire_countdown(rule)
                self.apply_states(rule.get("desired_states") or {}, at)
            elif timed is not None and timed.at_s <= now_s:
                self._count(self.caught_up_s, timed.at_s)
                self.caught_up_s = timed.at_s
                self.apply_states(timed.states, timed.at_s)
                if timed.last_of_rule:
                    timed.rule["enable"] = False
            else:
                break
            self.revision += 1
        self._count(self.caught_up_s, now_s)
        self.caught_up_s = max(self.caught_up_s, now_s)

    def apply_states(self, states: Mapping[str, Any], at_s: float) -> None:
        """What a rule sets (``desired_states``): on/off, and a light's keys where it has them.

        A node without an on/off state of its own (a strip) switches its outlets.
        """
        if "on" in states:
            on = bool(states["on"])
            if self.switchable:
                self.set_on(on, at_s)
            else:
                for child in getattr(self, "children", ()):
                    if child.switchable:
                        child.catch_up(at_s)  # the outlet's own rules due before this first
                        child.set_on(on, at_s)
                        child.revision += 1
        light = {k: v for k, v in states.items() if k in _RULE_LIGHT_KEYS}
        if light and self.switchable:
            # A rule with a value the light cannot take switches it all the same.
            with contextlib.suppress(SmartDeviceError):
                self.call("set_device_info", light)

    def _count(self, start_s: float, end_s: float) -> None:
        if end_s > start_s and self.switchable and self.is_on:
            self.meter.add(start_s, end_s, self.power_w if self.meters_energy else 0.0, self.tz)

    def set_on(self, on: bool, now_s: float) -> None:
        """Switch on or off (``on_time`` restarts)."""
        if on == self.is_on:
            return
        self.info["device_on"] = on
        self.on_since_s = now_s if on else None

    def local_time(self, now_s: float) -> datetime:
        """The node's local time."""
        return datetime.fromtimestamp(now_s, self.tz)

    # --- answering --------------------------------------------------------------------------

    def call(self, method: str, params: JsonDict) -> Any:
        """Answer one method: its result, or :class:`SmartDeviceError`."""
        handler = self.routes.get(method)
        if handler is None:
            raise SmartDeviceError(SmartErrorCode.UNKNOWN_METHOD)
        return handler(params)

    def handle(self, request: Mapping[str, Any]) -> JsonDict:
        """Answer one SMART request (``multipleRequest`` included) with the device's answer."""
        try:
            method, params = smart.method_of(request)
        except smart.SmartRequestError:
            return smart.failure(SmartErrorCode.PARAMS_ERROR)
        if method == smart.MULTIPLE_REQUEST:
            requests = params.get("requests")
            if not isinstance(requests, list):
                return smart.failure(SmartErrorCode.PARAMS_ERROR)
            responses = []
            for item in requests:
                answer = self.handle(item)
                name = item.get("method") if isinstance(item, Mapping) else None
                responses.append({"method": name, **answer})
            return smart.success({"responses": responses})
        try:
            result = self.call(method, params)
        except SmartDeviceError as exc:
            return smart.failure(exc.code)
        return smart.success(result if result is not None else {})

    # --- persistence ------------------------------------------------------------------------

    def snapshot(self) -> JsonDict:
        """JSON-ready state of this node."""
        return {
            "info": copy.deepcopy(self.info),
            "set": {m: copy.deepcopy(self.templates[m]) for m in sorted(self.changed)},
            "rules": self.rules.snapshot(),
            "meter": self.meter.snapshot(),
            "on_since_s": self.on_since_s,
            "caught_up_s": self.caught_up_s,
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Continue from :meth:`snapshot`."""
        info = state.get("info")
        if isinstance(info, Mapping):
            self.info = copy.deepcopy(dict(info))
            self.info["device_id"] = self.node_id
        for method, value in (state.get("set") or {}).items():
            if method in self.templates:
                self.templates[method] = copy.deepcopy(value)
                self.changed.add(method)
        self.rules = components.RuleTables.restore(state.get("rules") or {}, self.templates)
        self.meter = SmartMeter.restore(state.get("meter") or {})
        since = state.get("on_since_s")
        self.on_since_s = float(since) if isinstance(since, int | float) else None
        caught = state.get("caught_up_s")
        if isinstance(caught, int | float):
            self.caught_up_s = float(caught)
        self.tz = _zone(self.info.get("region"))


class SmartDevice(SmartNode):
    """A SMART device the server hosts (a ``HostedDevice``), with its children.

    Use :func:`build_smart_device` to make one.
    """

    def __init__(
        self,
        profile: SmartProfile,
        *,
        device_id: str,
        alias: str | None,
        clock: SimClock,
        region: str | None = None,
    ) -> None:
        self.profile = profile
        self.device_id = device_id
        self.region = region
        self._lock = threading.RLock()
        self._online = True
        super().__init__(
            methods=profile.methods,
            component_ids=profile.components,
            node_id=device_id,
            alias=smart_alias(profile, alias),
            clock=clock,
            power_w=_nominal_power(profile.methods, profile.power_w, DEFAULT_POWER_W),
        )
        self.mains_v = mains_voltage_v(region_of(profile.model))
        self.children: list[SmartNode] = []
        for index, child in enumerate(profile.children):
            self.children.append(self._build_child(index, child))

    def _build_child(self, index: int, child: SmartChildProfile) -> SmartNode:
        hub_child = str(child.info.get("category", "")).startswith("subg.")
        # Outlets and gangs: the parent id and a 2-digit index, as the IOT strips' outlets; hub
        # sensors are devices of their own, with ids of their own.
        node_id = (
            stable_hex("child", self.device_id, str(index), length=40)
            if hub_child
            else child_id(self.device_id, index)
        )
        nick = child.info.get("nickname")
        alias = (
            f"{child.model or 'Child'} {index + 1}"
            if _masked(nick)
            else (smart.decode_text(str(nick)) or "")
        )
        return SmartNode(
            methods=child.methods,
            component_ids=child.components,
            node_id=node_id,
            alias=alias,
            clock=self.clock,
            power_w=_nominal_power(child.methods, None, DEFAULT_OUTLET_POWER_W),
            parent=self,
        )

    def child(self, node_id: object) -> SmartNode | None:
        """The child with this id."""
        return next((c for c in self.children if c.node_id == node_id), None)

    # --- HostedDevice -----------------------------------------------------------------------

    def cloud_info(self) -> JsonDict:
        """The device's own part of a ``getDeviceList`` entry (alias decoded)."""
        return cloud_entry(self.profile, self.info, self.alias)

    def discovery_result(self, host: str, http_port: int) -> JsonDict:
        """What the device answers to UDP 20002 discovery at ``host``: the capture's answer, with
        this device's address, MAC and id, and KLAP login v2 as the LAN encryption (the LAN
        server, :mod:`kasacloud.lan.klap`, puts in the one it serves: KLAP or AES)."""  # noqa: D205, D209
        result = copy.deepcopy(dict(self.profile.discovery))
        # The capture's encrypted discovery payload was for another client's key: never replayed.
        result.pop("encrypt_info", None)
        result.update(
            {
                "device_id": stable_hex("discovery", self.device_id),
                "device_model": self.profile.model,
                "device_type": self.profile.device_type,
                "ip": host,
                "mac": str(self.info.get("mac", "")).replace(":", "-"),
                "factory_default": False,
                "is_support_iot_cloud": True,
                "obd_src": result.get("obd_src", "tplink"),
                "mgt_encrypt_schm": {
                    "encrypt_type": "KLAP",
                    "http_port": http_port,
                    "is_support_https": False,
                    "lv": 2,
                },
            }
        )
        return result

    def is_online(self) -> bool:
        """False while unplugged (``set_online(False)``)."""
        return self._online

    def set_online(self, online: bool) -> None:
        """Plug in or unplug."""
        self._online = online

    async def passthrough(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer a SMART request (the cloud's ``requestData``)."""
        return self.handle(request)

    def handle(self, request: Mapping[str, Any]) -> JsonDict:
        """Answer one SMART request, after catching up with the clock."""
        with self._lock:
            now_s = self.clock.now()
            self.catch_up(now_s)
            for child in self.children:
                child.catch_up(now_s)
            before = self._revisions()
            answer = super().handle(request)
            if self._revisions() != before:
                self.revision += 1
            return answer

    def _revisions(self) -> tuple[int, ...]:
        return (self.revision, *(c.revision for c in self.children))

    def state_revision(self) -> int:
        """Grows whenever persistent state changed."""
        return self.revision

    def snapshot(self) -> JsonDict:
        """JSON-serializable persistent state, children included."""
        with self._lock:
            return {
                "v": SNAPSHOT_VERSION,
                "kind": "smart",
                "device": super().snapshot(),
                "children": [c.snapshot() for c in self.children],
            }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Continue from :meth:`snapshot`."""
        super().restore(state.get("device") or {})
        for child, saved in zip(self.children, state.get("children") or [], strict=False):
            if isinstance(saved, Mapping):
                child.restore(saved)

    def synthesize_history(self) -> None:
        """Invent a plausible energy and time-on past for every node that switches."""
        now_s = self.clock.now()
        for node in (self, *self.children):
            if node.switchable:
                power = node.power_w if node.meters_energy else 0.0
                node.meter.synthesize(seed=node.node_id, power_w=power, now_s=now_s, tz=node.tz)


def _nominal_power(methods: Mapping[str, Any], given: float | None, default: float) -> float:
    if given is not None and given > 0:
        return given
    current = methods.get("get_current_power")
    watts = current.get("current_power") if isinstance(current, Mapping) else None
    if isinstance(watts, int | float) and watts > 0:
        return float(watts)
    return default


def default_smart_alias(profile: SmartProfile) -> str:
    """A readable alias for a device built without one: ``"P110 plug"``, ``"H100 hub"``."""
    base = profile.model.split("(")[0] or "Tapo"
    family = families.classify_smart(
        profile.components,
        device_type=profile.device_type,
        child_categories=[c.category for c in profile.children],
    )
    if profile.device_type in families.SMART_HUB_TYPES:
        return f"{base} hub"
    return f"{base} {family.noun}"


def build_smart_device(
    profile: SmartProfile,
    *,
    device_id: str,
    alias: str | None,
    clock: SimClock,
    state: Mapping[str, Any] | None = None,
    region: str | None = None,
) -> SmartDevice:
    """Build a simulated SMART device; continue from ``state`` (a snapshot) if given.

    >>> from kasacloud.sim import SimClock, new_device_id
    >>> from kasacloud.sim.smart import build_smart_device, find_smart_profile
    >>> plug = build_smart_device(find_smart_profile("P110(EU)_1.0"), device_id=new_device_id(),
    ...                           alias="Kettle", clock=SimClock(speed=0))
    >>> plug.handle({"method": "set_device_info", "params": {"device_on": True}})
    {'error_code': 0, 'result': {}}
    """
    created = _lazy_created_s(state)
    if created is not None:
        # A device stored before anybody used it: as fresh, built when it came to be.
        return built_at(
            profile, created, device_id=device_id, alias=alias, clock=clock, region=region
        )
    device = SmartDevice(profile, device_id=device_id, alias=alias, clock=clock, region=region)
    if state is not None and state.get("kind") == "smart":
        device.restore(state)
        if alias is not None:
            device.info["nickname"] = smart.encode_text(alias)
    else:
        device.synthesize_history()
    return device


def _lazy_created_s(state: Mapping[str, Any] | None) -> float | None:
    """When an unused lazy device came to be, if ``state`` is its small snapshot."""
    if state is None or state.get("kind") != "smart" or "device" in state:
        return None
    created = state.get("created_s")
    return float(created) if isinstance(created, int | float) else None


def built_at(
    profile: SmartProfile,
    created_s: float,
    *,
    device_id: str,
    alias: str | None,
    clock: SimClock,
    region: str | None = None,
    state: Mapping[str, Any] | None = None,
) -> SmartDevice:
    """The device as built at ``created_s`` (from ``state`` if given), then living on ``clock``.

    What a lazy device builds on first use: construction reads the clock (time on, the
    synthesized history), so it reads a clock stopped at ``created_s``; the device then catches
    up with the live clock on its first request, as an eager one idle since would.
    """
    stopped = SimClock(created_s, speed=0)
    device = build_smart_device(
        profile, device_id=device_id, alias=alias, clock=stopped, state=state, region=region
    )
    for node in (device, *device.children):
        node.clock = clock
    return device
