"""A simulated Kasa device: a profile, a set of capabilities, and lazily evaluated time."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime, time, timedelta, tzinfo
from typing import Any, Final

from kasacloud.protocol import errors
from kasacloud.sim.capabilities import CAPABILITY_CLASSES
from kasacloud.sim.capabilities.base import (
    Call,
    Capability,
    DeviceError,
    Handler,
    JsonDict,
    PowerControl,
)
from kasacloud.sim.capabilities.cloud import CloudCapability
from kasacloud.sim.capabilities.rules import NEXT_ACTION_TYPES, RulesCapability
from kasacloud.sim.capabilities.time import zone_for
from kasacloud.sim.clock import SimClock
from kasacloud.sim.history import Meter, unit_noise
from kasacloud.sim.ids import child_id, mac_for, stable_hex
from kasacloud.sim.profile import MASKED_NAME, Profile, model_base

BOOT_TIME_S: Final = 10.0
"""How long a rebooting device stays offline, in simulated seconds."""

DEFAULT_CLOUD_SERVER: Final = "n-devs.tplinkcloud.com"
"""What ``cnCloud.get_info`` reports as ``server`` unless told otherwise."""

SNAPSHOT_VERSION: Final = 1

_MAX_EVENTS_PER_CATCH_UP: Final = 100_000
"""A guard against a rule that would fire forever at one instant (a bug, not a feature)."""


def default_alias(profile: Profile) -> str:
    """A readable alias for a device built without one: ``"HS110 plug"``."""
    return f"{model_base(profile.model)} {profile.family.noun}"


class SimulatedDevice:
    """A Kasa device that answers passthrough requests as the real model does.

    Satisfies the server's ``HostedDevice`` protocol (``docs/architecture.md``). Time is lazy:
    every access first catches up to ``clock.now()``, firing rules that fell due and counting
    energy, so an idle device costs nothing and a jump of a month costs a few hundred steps.
    Use :func:`kasacloud.sim.build_device` to make one.
    """

    def __init__(
        self,
        profile: Profile,
        *,
        device_id: str,
        alias: str | None,
        clock: SimClock,
        owner: str | None = None,
        region: str | None = None,
        cloud_server: str | None = None,
    ) -> None:
        self.profile = profile
        self.device_id = device_id
        self.clock = clock
        self.region = region
        self.owner = owner
        self.cloud_server = cloud_server or DEFAULT_CLOUD_SERVER
        template_alias = str(profile.sysinfo.get("alias", ""))
        if alias is None:
            alias = default_alias(profile) if MASKED_NAME in template_alias else template_alias
        self.alias = alias or default_alias(profile)
        self.led_off = int(profile.sysinfo.get("led_off", 0))
        self.timezone_index = profile.timezone_index
        self.time_offset_s = 0.0
        self.mac = mac_for(
            device_id, str(profile.sysinfo.get("mac", profile.sysinfo.get("mic_mac", "")))
        )
        self.hw_id = stable_hex("hwId", profile.model, profile.hw_ver)
        self.oem_id = stable_hex("oemId", profile.model)
        self.fw_id = stable_hex("fwId", profile.model, profile.sw_ver)
        self._lock = threading.RLock()
        self._revision = 0
        self._online = True
        self._offline_from_s = 0.0
        self._offline_until_s = 0.0
        now_s = clock.now()
        self._caught_up_s = now_s
        self._created_s = now_s
        self.child_ids: list[str] = [child_id(device_id, i) for i in range(profile.outlet_count)]
        self.power: PowerControl | None = None
        self.capabilities: dict[str, Capability] = {}
        for key in profile.capabilities:
            self.capabilities[key] = CAPABILITY_CLASSES[key](self)
        self.has_emeter = "emeter" in self.capabilities
        self.meters: dict[int | None, Meter] = {target: Meter() for target in self.targets()}
        self._routes: dict[str, dict[str, Handler]] = {}
        for capability in self.capabilities.values():
            for module, methods in capability.routes().items():
                self._routes.setdefault(module, {}).update(methods)
        self._timed = [
            c
            for c in self.capabilities.values()
            if type(c).next_event_s is not Capability.next_event_s
        ]

    # -- HostedDevice ----------------------------------------------------------------------

    def cloud_info(self) -> dict[str, Any]:
        """The device's own part of a ``getDeviceList`` entry."""
        return {
            "deviceType": self.profile.device_type,
            "fwVer": self.profile.sw_ver,
            "deviceName": self.profile.device_name,
            "deviceHwVer": self.profile.hw_ver,
            "deviceModel": self.profile.model,
            "deviceMac": self.mac.replace(":", "").replace("-", "").upper(),
            "oemId": self.oem_id,
            "hwId": self.hw_id,
            "fwId": self.fw_id,
            "alias": self.alias,
        }

    def is_online(self) -> bool:
        """False while unplugged (``set_online(False)``) or rebooting."""
        if not self._online:
            return False
        now_s = self.clock.now()
        return not self._offline_from_s <= now_s < self._offline_until_s

    def set_cloud_binding(self, username: str | None, server: str) -> None:
        """Bound to the account ``username`` (an e-mail; None: unbound) on cloud host ``server``.

        The server calls this (``CloudBoundDevice``); ``cnCloud.get_info`` then reports it. The
        server owns bindings, so this does not count as a change of the device's own state.
        """
        self.owner = username
        self.cloud_server = server or DEFAULT_CLOUD_SERVER
        cloud = self.capabilities.get("cloud")
        if isinstance(cloud, CloudCapability):
            cloud.set_binding(username, self.cloud_server)

    def set_online(self, online: bool) -> None:
        """Plug in or unplug (the server's seeded-offline devices). Not part of the snapshot."""
        self._online = online

    async def passthrough(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer a decoded ``requestData`` dict; see :meth:`handle`."""
        return self.handle(request)

    def state_revision(self) -> int:
        """Grows whenever persistent state changed (a command, or a rule that fired).

        Energy counting does not move it: a snapshot records when it was taken, and a device
        restored from it counts the energy of the time in between itself.
        """
        return self._revision

    # -- requests ------------------------------------------------------------------------

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Answer a decoded ``requestData`` dict synchronously (for the LAN protocol too).

        Several modules may be asked at once; each answers on its own, errors included, as
        ``{"module": {"method": {..., "err_code": 0}}}``. ``context.child_ids`` aims the
        request at outlets of a strip.
        """
        with self._lock:
            now_s = self.clock.now()
            self.catch_up(now_s)
            answer: dict[str, Any] = {}
            try:
                children = self._children_of(request.get("context"))
            except DeviceError as error:
                return {m: error.as_answer() for m in request if m != "context"}
            call = Call(now_s=now_s, children=children)
            for module, methods in request.items():
                if module == "context":
                    continue
                answer[module] = self._answer_module(module, methods, call)
            return answer

    def _children_of(self, context: Any) -> tuple[int, ...] | None:
        if context is None:
            return None
        if not isinstance(context, Mapping) or not isinstance(context.get("child_ids"), list):
            raise DeviceError(errors.DEVICE_INVALID_ARGUMENT)
        indices: list[int] = []
        for wanted in context["child_ids"]:
            if not isinstance(wanted, str):
                raise DeviceError(errors.DEVICE_INVALID_ARGUMENT)
            # Real strips accept the full child id; some clients send the bare 2-digit index.
            key = wanted.upper()
            if key in self.child_ids:
                indices.append(self.child_ids.index(key))
            elif len(key) == 2 and key.isdigit() and int(key) < len(self.child_ids):
                indices.append(int(key))
            else:
                raise DeviceError(errors.DEVICE_INVALID_ARGUMENT)
        return tuple(dict.fromkeys(indices))

    def _answer_module(self, module: str, methods: Any, call: Call) -> Any:
        routes = self._routes.get(module)
        static = self.profile.static.get(module)
        stub = module in self.profile.stub_modules
        if module in self.profile.unsupported_modules or (
            routes is None and static is None and not stub
        ):
            return DeviceError(errors.DEVICE_MODULE_NOT_SUPPORTED).as_answer()
        if not isinstance(methods, Mapping):
            return DeviceError(errors.DEVICE_INVALID_ARGUMENT).as_answer()
        answers: dict[str, Any] = {}
        for method, params in methods.items():
            answers[method] = self._answer_method(
                module, method, params, call, routes, static, stub
            )
        return answers

    def _answer_method(
        self,
        module: str,
        method: str,
        params: Any,
        call: Call,
        routes: Mapping[str, Handler] | None,
        static: Mapping[str, Any] | None,
        stub: bool,
    ) -> JsonDict:
        if stub:
            return DeviceError(errors.DEVICE_MODULE_NOT_SUPPORTED).as_answer()
        handler = routes.get(method) if routes else None
        if handler is not None:
            if params is None:
                params = {}
            if not isinstance(params, Mapping):
                return DeviceError(errors.DEVICE_INVALID_ARGUMENT).as_answer()
            try:
                result = handler(dict(params), call)
            except DeviceError as error:
                return error.as_answer()
            return {**result, "err_code": 0}
        if static is not None and method in static:
            fixed = dict(static[method])
            fixed.setdefault("err_code", 0)
            return fixed
        return DeviceError(errors.DEVICE_METHOD_NOT_SUPPORTED).as_answer()

    # -- state -----------------------------------------------------------------------------

    def touch(self) -> None:
        """Record that persistent state changed."""
        self._revision += 1

    def targets(self) -> list[int | None]:
        """The loads of this device: each outlet of a strip, else the device itself."""
        if self.child_ids:
            return list(range(len(self.child_ids)))
        return [None]

    @property
    def tz(self) -> tzinfo:
        """The device's time zone (from its firmware time zone index)."""
        return zone_for(self.timezone_index)

    def local_time(self, now_s: float) -> datetime:
        """Local wall-clock time of the device at ``now_s`` (with any ``set_time`` offset)."""
        return datetime.fromtimestamp(now_s + self.time_offset_s, self.tz)

    def nominal_power_w(self, child: int | None) -> float:
        """What the load behind this device (or outlet) draws when fully on, in watts.

        The profile's typical draw, scaled by up to 15 % per device (or outlet) so that two
        plugs of one model do not read the same.
        """
        seed = self.device_id if child is None else self.child_ids[child]
        scale = 1.0 + 0.15 * unit_noise(seed, "load")
        if child is not None and child < len(self.profile.outlet_power_w):
            return self.profile.outlet_power_w[child] * scale
        return self.profile.power_w * scale

    def _rule_tables(self) -> list[RulesCapability]:
        return [c for c in self.capabilities.values() if isinstance(c, RulesCapability)]

    def next_action(self, child: int | None, now_s: float) -> JsonDict:
        """Sysinfo's ``next_action``: the first planned rule action (``{"type": -1}``: none)."""
        found = [
            (o, table.kind)
            for table in self._rule_tables()
            if (o := table.next_occurrence(child, now_s)) is not None
        ]
        if not found:
            return {"type": -1}
        occurrence, kind = min(found, key=lambda pair: pair[0].at_s)
        local = datetime.fromtimestamp(occurrence.at_s, self.tz)
        return {
            "type": NEXT_ACTION_TYPES[kind],
            "id": occurrence.entry.rule.get("id", ""),
            "schd_sec": local.hour * 3600 + local.minute * 60 + local.second,
            "action": occurrence.action,
        }

    def active_mode(self, now_s: float) -> str:
        """Sysinfo's ``active_mode``: a running countdown wins, then away mode, then schedules."""
        tables = {table.kind: table for table in self._rule_tables()}
        for kind in ("count_down", "anti_theft", "schedule"):
            table = tables.get(kind)
            if table is not None and table.has_active_rules():
                return kind
        return "none"

    def reboot(self, delay_s: float, now_s: float) -> None:
        """Go offline ``delay_s`` from now for :data:`BOOT_TIME_S`."""
        self._offline_from_s = now_s + delay_s
        self._offline_until_s = self._offline_from_s + BOOT_TIME_S

    def catch_up(self, now_s: float) -> None:
        """Live through the time since the last access: fire due rules, count energy."""
        with self._lock:
            t_s = self._caught_up_s
            if now_s <= t_s:
                return
            for _ in range(_MAX_EVENTS_PER_CATCH_UP):
                due_s: float | None = None
                due: list[Capability] = []
                for capability in self._timed:
                    event_s = capability.next_event_s(t_s)
                    if event_s is None or event_s > now_s:
                        continue
                    if due_s is None or event_s < due_s:
                        due_s, due = event_s, [capability]
                    elif event_s == due_s:
                        due.append(capability)
                if due_s is None:
                    break
                self._accumulate(t_s, due_s)
                for capability in due:
                    capability.fire(due_s)
                t_s = due_s
            self._accumulate(t_s, now_s)
            self._caught_up_s = now_s

    def _accumulate(self, start_s: float, end_s: float) -> None:
        """Count minutes on and energy between two instants with no state change between them."""
        power = self.power
        if power is None or end_s <= start_s:
            return
        loads = [(t, m) for t, m in self.meters.items() if power.is_on(t)]
        if not loads:
            return
        tz = self.tz
        t_s = start_s
        # One step per local day, so that a month-long jump is about thirty steps.
        while t_s < end_s:
            day = datetime.fromtimestamp(t_s, tz).date()
            midnight_s = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).timestamp()
            step_end_s = min(end_s, midnight_s)
            span_s = step_end_s - t_s
            for target, meter in loads:
                meter.on_minutes.add(day, span_s / 60.0)
                if self.has_emeter:
                    seed = self.device_id if target is None else self.child_ids[target]
                    wh = power.power_w(target) * span_s / 3600.0
                    wh *= 1.0 + 0.03 * unit_noise(seed, day)
                    meter.energy_wh.add(day, wh)
                    meter.total_wh += wh
            t_s = step_end_s

    def synthesize_history(self) -> None:
        """Give every load plausible past use (first build only; deterministic from ids)."""
        now_s = self.clock.now()
        for target, meter in self.meters.items():
            seed = self.device_id if target is None else self.child_ids[target]
            power_w = self.nominal_power_w(target) if self.has_emeter else 0.0
            if self.profile.is_light:
                power_w *= 0.6  # lights are rarely at full brightness
            meter.synthesize(seed=seed, power_w=power_w, now_s=now_s, tz=self.tz)

    def snapshot(self) -> dict[str, Any]:
        """Everything that must survive a restart, as small JSON-ready data."""
        with self._lock:
            self.catch_up(self.clock.now())
            return {
                "v": SNAPSHOT_VERSION,
                "model": self.profile.model,
                "alias": self.alias,
                "led_off": self.led_off,
                "timezone_index": self.timezone_index,
                "time_offset_s": self.time_offset_s,
                "caught_up_s": self._caught_up_s,
                "reboot": [self._offline_from_s, self._offline_until_s],
                "meters": {
                    "main" if t is None else str(t): m.snapshot() for t, m in self.meters.items()
                },
                "capabilities": {k: c.snapshot() for k, c in self.capabilities.items()},
            }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Load a :meth:`snapshot` (the device then catches up from the snapshot's time)."""
        with self._lock:
            self.alias = str(state.get("alias", self.alias))
            self.led_off = int(state.get("led_off", self.led_off))
            self.timezone_index = int(state.get("timezone_index", self.timezone_index))
            self.time_offset_s = float(state.get("time_offset_s", 0.0))
            self._caught_up_s = float(state.get("caught_up_s", self._caught_up_s))
            reboot = state.get("reboot") or [0.0, 0.0]
            self._offline_from_s, self._offline_until_s = float(reboot[0]), float(reboot[1])
            meters = state.get("meters", {})
            for target in self.meters:
                saved = meters.get("main" if target is None else str(target))
                if saved is not None:
                    self.meters[target] = Meter.restore(saved)
            for key, capability in self.capabilities.items():
                saved_state = state.get("capabilities", {}).get(key)
                if saved_state is not None:
                    capability.restore(saved_state)


def build_device(
    profile: Profile | str,
    *,
    device_id: str,
    alias: str | None,
    clock: SimClock,
    state: Mapping[str, Any] | None = None,
    region: str | None = None,
    owner: str | None = None,
    cloud_server: str | None = None,
) -> SimulatedDevice:
    """Build a simulated device.

    ``profile``: a :class:`Profile` or anything :func:`kasacloud.sim.load_profile` resolves.
    ``alias``: the device's name (``None``: the snapshot's, else a readable default).
    ``state``: a :meth:`SimulatedDevice.snapshot` to continue from; without one the device
    starts fresh, with synthesized energy history. ``owner``: the account's e-mail, reported by
    ``cnCloud.get_info`` (None: bound to no account, ``binded`` 0). ``region``: the server's
    region of the device, kept for the server. ``cloud_server``: the host ``cnCloud.get_info``
    reports.

    >>> from kasacloud.sim import SimClock, build_device, new_device_id
    >>> plug = build_device("HS110(US)_1.0", device_id=new_device_id(), alias="Kettle",
    ...                     clock=SimClock(speed=0))
    >>> plug.handle({"system": {"set_relay_state": {"state": 1}}})
    {'system': {'set_relay_state': {'err_code': 0}}}
    """
    if not isinstance(profile, Profile):
        from kasacloud.sim.profile import load_profile

        profile = load_profile(profile)
    device = SimulatedDevice(
        profile,
        device_id=device_id,
        alias=alias,
        clock=clock,
        owner=owner,
        region=region,
        cloud_server=cloud_server,
    )
    if state is not None:
        device.restore(state)
        if alias is not None:
            device.alias = alias
        if "meters" not in state:
            device.synthesize_history()
    else:
        device.synthesize_history()
    return device
