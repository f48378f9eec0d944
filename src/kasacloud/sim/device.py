"""A simulated Kasa device: a profile, a set of capabilities, and lazily evaluated time."""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, tzinfo
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

    answers_at_once: Final = True
    """It answers from memory through :meth:`handle`: a server needs no timeout around it."""

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
        lazy: bool = False,
    ) -> None:
        self.profile = profile
        self.device_id = device_id
        self.clock: SimClock | _FrozenClock = clock
        """What the device's capabilities read the time from."""
        self._live_clock = clock
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
        self.hw_id, self.oem_id, self.fw_id = _model_ids(
            profile.model, profile.hw_ver, profile.sw_ver
        )
        self._lock = threading.RLock()
        self._revision = 0
        self._online = True
        self._offline_from_s = 0.0
        self._offline_until_s = 0.0
        now_s = clock.now()
        self._caught_up_s = now_s
        self._created_s = now_s
        """When the device came to be: its capabilities start from this instant."""
        self.child_ids: list[str] = [child_id(device_id, i) for i in range(profile.outlet_count)]
        self.has_emeter = "emeter" in profile.capabilities
        # The body (capabilities, meters, routes) is what costs time and memory; a lazy device
        # builds it on first use, as it would have been at ``_created_s`` (see _build_body).
        self._body_built = False
        self._pending_state: Mapping[str, Any] | None = None
        self._pending_history = False
        self._binding_told = False
        self._power: PowerControl | None = None
        self._capabilities: dict[str, Capability] = {}
        self._meters: dict[int | None, Meter] = {}
        self._routes: dict[str, dict[str, Handler]] = {}
        self._timed: list[Capability] = []
        self._rules: list[RulesCapability] = []
        self._rules_by_priority: list[RulesCapability] = []
        self._day_cache: tuple[tzinfo, float, date, float] | None = None
        # (revision, instant): with state at that revision, nothing acts on its own before that
        # instant, so catch_up need not ask every rule table again (see catch_up).
        self._quiet_until: tuple[int, float] = (-1, 0.0)
        if not lazy:
            self._ensure_body()

    # -- the body, built on first use ------------------------------------------------------

    @property
    def capabilities(self) -> dict[str, Capability]:
        """The device's capabilities, by key (building the body if it is not yet)."""
        self._ensure_body()
        return self._capabilities

    @property
    def meters(self) -> dict[int | None, Meter]:
        """What each load counted (building the body if it is not yet)."""
        self._ensure_body()
        return self._meters

    @meters.setter
    def meters(self, value: dict[int | None, Meter]) -> None:
        self._ensure_body()
        self._meters = value

    @property
    def power(self) -> PowerControl | None:
        """The capability that switches the load (set by that capability)."""
        self._ensure_body()
        return self._power

    @power.setter
    def power(self, value: PowerControl | None) -> None:
        self._power = value

    @property
    def is_built(self) -> bool:
        """Whether the body (capabilities, meters) exists yet; a lazy device builds it on use."""
        return self._body_built

    def _ensure_body(self) -> None:
        if self._body_built:
            return
        with self._lock:
            if not self._body_built:
                self._build_body()

    def _build_body(self) -> None:
        # Marked first: capabilities reach back into the device while they are constructed.
        self._body_built = True
        # Capabilities read the clock when constructed: they see the instant the device came
        # to be, so a device built late answers as one built then and idle since.
        self.clock = _FrozenClock(self._created_s)
        try:
            for key in self.profile.capabilities:
                self._capabilities[key] = CAPABILITY_CLASSES[key](self)
            self._meters = {target: Meter() for target in self.targets()}
            for capability in self._capabilities.values():
                for module, methods in capability.routes().items():
                    self._routes.setdefault(module, {}).update(methods)
            self._timed = [
                c
                for c in self._capabilities.values()
                if type(c).next_event_s is not Capability.next_event_s
            ]
            self._contributors = [
                c
                for c in self._capabilities.values()
                if type(c).contribute_sysinfo is not Capability.contribute_sysinfo
            ]
            self._rules = [c for c in self._capabilities.values() if isinstance(c, RulesCapability)]
            by_kind = {table.kind: table for table in self._rules}
            self._rules_by_priority = [  # what active_mode reports first
                by_kind[kind]
                for kind in ("count_down", "anti_theft", "schedule")
                if kind in by_kind
            ]
            state, self._pending_state = self._pending_state, None
            if state is not None:
                self._restore_body(state)
            if self._pending_history:
                self._pending_history = False
                self._synthesize_history_at(self._created_s)
            if self._binding_told:
                cloud = self._capabilities.get("cloud")
                if isinstance(cloud, CloudCapability):
                    cloud.set_binding(self.owner, self.cloud_server)
        finally:
            self.clock = self._live_clock

    def _prepare(self, state: Mapping[str, Any] | None, alias: str | None) -> None:
        """What :func:`build_device` does before the body: light state now, the rest pending."""
        if state is not None:
            self._restore_light(state)
            if alias is not None:
                self.alias = alias
            fresh = "meters" not in state
            if fresh and "created_s" in state:
                self._created_s = float(state["created_s"])
            if not fresh or "capabilities" in state:
                self._pending_state = state
            self._pending_history = fresh
        else:
            self._pending_history = True

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
        now_s = self._live_clock.now()
        return not self._offline_from_s <= now_s < self._offline_until_s

    def set_cloud_binding(self, username: str | None, server: str) -> None:
        """Bound to the account ``username`` (an e-mail; None: unbound) on cloud host ``server``.

        The server calls this (``CloudBoundDevice``); ``cnCloud.get_info`` then reports it. The
        server owns bindings, so this does not count as a change of the device's own state.
        """
        with self._lock:
            self.owner = username
            self.cloud_server = server or DEFAULT_CLOUD_SERVER
            if not self._body_built:
                self._binding_told = True  # applied once the body exists
                return
            cloud = self._capabilities.get("cloud")
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
            self._ensure_body()
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

    def sysinfo_contributors(self) -> list[Capability]:
        """The capabilities that write part of ``get_sysinfo``, in profile order."""
        self._ensure_body()
        return self._contributors

    def _rule_tables(self) -> list[RulesCapability]:
        self._ensure_body()
        return self._rules

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
        self._ensure_body()
        for table in self._rules_by_priority:
            if table.has_active_rules():
                return table.kind
        return "none"

    def reboot(self, delay_s: float, now_s: float) -> None:
        """Go offline ``delay_s`` from now for :data:`BOOT_TIME_S`."""
        self._offline_from_s = now_s + delay_s
        self._offline_until_s = self._offline_from_s + BOOT_TIME_S

    def catch_up(self, now_s: float) -> None:
        """Live through the time since the last access: fire due rules, count energy."""
        with self._lock:
            self._ensure_body()
            t_s = self._caught_up_s
            if now_s <= t_s:
                return
            revision, quiet_until_s = self._quiet_until
            if revision == self._revision and now_s < quiet_until_s:
                # Nothing is due yet, and nothing changed since that was worked out: the next
                # event after a later instant is the same one (most calls, a few µs each).
                self._accumulate(t_s, now_s)
                self._caught_up_s = now_s
                return
            for _ in range(_MAX_EVENTS_PER_CATCH_UP):
                due_s: float | None = None
                due: list[Capability] = []
                soonest_s = math.inf  # the first event after now_s
                for capability in self._timed:
                    event_s = capability.next_event_s(t_s)
                    if event_s is None:
                        continue
                    if event_s > now_s:
                        soonest_s = min(soonest_s, event_s)
                    elif due_s is None or event_s < due_s:
                        due_s, due = event_s, [capability]
                    elif event_s == due_s:
                        due.append(capability)
                if due_s is None:
                    self._quiet_until = (self._revision, soonest_s)
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
            day, midnight_s = self._local_day(t_s, tz)
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

    def _local_day(self, t_s: float, tz: tzinfo) -> tuple[date, float]:
        """The local day of ``t_s`` and the instant it ends (the last answer is kept: most
        calls of a device fall on the same day)."""  # noqa: D205, D209
        cached = self._day_cache
        if cached is not None and cached[0] is tz and cached[1] <= t_s < cached[3]:
            return cached[2], cached[3]
        day = datetime.fromtimestamp(t_s, tz).date()
        start_s = datetime.combine(day, time(0), tzinfo=tz).timestamp()
        end_s = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).timestamp()
        if start_s <= t_s < end_s:  # not across a DST gap: safe to reuse
            self._day_cache = (tz, start_s, day, end_s)
        return day, end_s

    def synthesize_history(self) -> None:
        """Give every load plausible past use (first build only; deterministic from ids)."""
        self._ensure_body()
        self._synthesize_history_at(self.clock.now())

    def _synthesize_history_at(self, now_s: float) -> None:
        for target, meter in self._meters.items():
            seed = self.device_id if target is None else self.child_ids[target]
            power_w = self.nominal_power_w(target) if self.has_emeter else 0.0
            if self.profile.is_light:
                power_w *= 0.6  # lights are rarely at full brightness
            meter.synthesize(seed=seed, power_w=power_w, now_s=now_s, tz=self.tz)

    def snapshot(self) -> dict[str, Any]:
        """Everything that must survive a restart, as small JSON-ready data.

        A device whose body was never built (nothing asked it anything) has nothing of its own
        to save yet: its snapshot says when it came to be, and the body is rebuilt from that.
        """
        with self._lock:
            if not self._body_built and self._pending_state is None:
                return {
                    "v": SNAPSHOT_VERSION,
                    "model": self.profile.model,
                    "alias": self.alias,
                    "led_off": self.led_off,
                    "timezone_index": self.timezone_index,
                    "time_offset_s": self.time_offset_s,
                    "caught_up_s": self._caught_up_s,
                    "reboot": [self._offline_from_s, self._offline_until_s],
                    "created_s": self._created_s,
                }
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
                    "main" if t is None else str(t): m.snapshot() for t, m in self._meters.items()
                },
                "capabilities": {k: c.snapshot() for k, c in self._capabilities.items()},
            }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Load a :meth:`snapshot` (the device then catches up from the snapshot's time)."""
        with self._lock:
            self._ensure_body()
            self._restore_light(state)
            self._restore_body(state)

    def _restore_light(self, state: Mapping[str, Any]) -> None:
        self.alias = str(state.get("alias", self.alias))
        self.led_off = int(state.get("led_off", self.led_off))
        self.timezone_index = int(state.get("timezone_index", self.timezone_index))
        self.time_offset_s = float(state.get("time_offset_s", 0.0))
        self._caught_up_s = float(state.get("caught_up_s", self._caught_up_s))
        reboot = state.get("reboot") or [0.0, 0.0]
        self._offline_from_s, self._offline_until_s = float(reboot[0]), float(reboot[1])

    def _restore_body(self, state: Mapping[str, Any]) -> None:
        meters = state.get("meters", {})
        for target in self._meters:
            saved = meters.get("main" if target is None else str(target))
            if saved is not None:
                self._meters[target] = Meter.restore(saved)
        for key, capability in self._capabilities.items():
            saved_state = state.get("capabilities", {}).get(key)
            if saved_state is not None:
                capability.restore(saved_state)


class _FrozenClock:
    """A clock stopped at one instant: what a lazily built body sees while it is made."""

    __slots__ = ("_now_s",)

    def __init__(self, now_s: float) -> None:
        self._now_s = now_s

    def now(self) -> float:
        return self._now_s


@functools.cache
def _model_ids(model: str, hw_ver: str, sw_ver: str) -> tuple[str, str, str]:
    """(hwId, oemId, fwId) of a model: the same for every device of it, so computed once."""
    return (
        stable_hex("hwId", model, hw_ver),
        stable_hex("oemId", model),
        stable_hex("fwId", model, sw_ver),
    )


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
    lazy: bool = False,
) -> SimulatedDevice:
    """Build a simulated device.

    ``profile``: a :class:`Profile` or anything :func:`kasacloud.sim.load_profile` resolves.
    ``alias``: the device's name (``None``: the snapshot's, else a readable default).
    ``state``: a :meth:`SimulatedDevice.snapshot` to continue from; without one the device
    starts fresh, with synthesized energy history. ``owner``: the account's e-mail, reported by
    ``cnCloud.get_info`` (None: bound to no account, ``binded`` 0). ``region``: the server's
    region of the device, kept for the server. ``cloud_server``: the host ``cnCloud.get_info``
    reports. ``lazy``: build capabilities, meters and history on first use instead of now; the
    device answers exactly as an eager one built now would (a server of 100,000 devices starts
    in seconds and holds only what was used).

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
        lazy=True,
    )
    device._prepare(state, alias)
    if not lazy:
        device._ensure_body()
    return device
