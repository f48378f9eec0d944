"""The device classes: identity from getDeviceList, state from sysinfo, capabilities as modules.

A device is its modules (``device.modules``, typed keys on :class:`Module`) and the features they
declare (``device.features``, keyed by stable ids). The classes add identity and the shortcuts
people use (``turn_on``, ``set_brightness``, ``realtime``...), each a thin call into a module:
the shortcuts below are the whole set, kept for good, so scripts written against them keep
working.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from kasacloud.client import errors as E
from kasacloud.client.concurrency import gather
from kasacloud.client.devices.feature import Feature, FeatureCategory, FeatureType
from kasacloud.client.devices.modules import (
    HSV,
    Away,
    CloudInfo,
    Countdown,
    Energy,
    Led,
    Light,
    LightStripLight,
    Module,
    ModuleMapping,
    Relay,
    Schedule,
    Time,
    iot_modules,
    method_result,
)
from kasacloud.client.devices.modules.smart import nickname, smart_modules
from kasacloud.client.energy import EnergyReading
from kasacloud.client.selector import select
from kasacloud.protocol import commands as C
from kasacloud.protocol import families
from kasacloud.protocol import smart as S
from kasacloud.protocol.errors import ErrorCode
from kasacloud.protocol.families import Family

if TYPE_CHECKING:
    from kasacloud.client.session import CloudSession


def merge_queries(*queries: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Merge ``{module: {method: params}}`` requests into one (later ones win on a clash)."""
    merged: dict[str, dict[str, Any]] = {}
    for query in queries:
        for module, methods in query.items():
            merged.setdefault(module, {}).update(methods)
    return merged


def covers(sent: Mapping[str, Any], wanted: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether the request ``sent`` asked every ``{module: {method}}`` of ``wanted``."""
    return all(
        isinstance(sent.get(module), Mapping) and set(methods) <= set(sent[module])
        for module, methods in wanted.items()
    )


class Device:
    """A Kasa device of the account.

    Identity (``device_id``, ``model``, ``alias``...) comes from getDeviceList; state from
    ``sysinfo``, read when the device is listed and again by :meth:`update`, which fetches sysinfo
    and what every module needs (energy, time) in one batched passthrough.

    ``modules`` holds the capabilities (``device.modules[Module.Light]``), ``features`` what they
    read and control (``device.features["current_power"].value``). The attributes ``energy``,
    ``led_module``, ``schedule``, ``countdown``, ``away``, ``cloud_info`` and ``time_module`` are
    the same modules, ``None`` when the device lacks them. Commands to an offline device raise
    :class:`~kasacloud.client.errors.DeviceOfflineError` without a request.
    """

    kind: ClassVar[str] = Family.OTHER.value
    """The family: ``plug``, ``wall_switch``, ``dimmer``, ``strip``, ``outlet``, ``bulb``,
    ``light_strip``, or ``device`` for kinds this library does not drive (cameras, Tapo)."""

    def __init__(
        self,
        session: CloudSession,
        entry: Mapping[str, Any],
        sysinfo: Mapping[str, Any] | None = None,
        *,
        components: Mapping[str, int] | None = None,
    ) -> None:
        self._session = session
        self.components: dict[str, int] = dict(components or {})
        """A SMART device's ``component_nego`` (``{id: version}``); empty for IOT devices."""
        self.smart_child_infos: list[dict[str, Any]] = []
        """A SMART parent's ``get_child_device_list`` entries (each child's live info)."""
        self.smart_child_components: dict[str, dict[str, int]] = {}
        self.smart_child_total = 0
        self.entry: dict[str, Any] = dict(entry)
        """The device's getDeviceList entry, unchanged."""
        self._sysinfo: dict[str, Any] = dict(sysinfo or {})
        self._online = entry.get("status") == 1 and sysinfo is not None
        self.modules: ModuleMapping = ModuleMapping({})
        """The device's capabilities, by name (keys on :class:`Module`)."""
        self._features: dict[str, Feature] | None = None
        self._build()

    def _build(self) -> None:
        """(Re)build the modules from what sysinfo says the device has; features follow."""
        self.modules = ModuleMapping({m.key: m for m in self._build_modules()})
        self._features = None

    @property
    def features(self) -> dict[str, Feature]:
        """What the device reads and controls, by stable id (see :mod:`~.feature`)."""
        if self._features is None:  # described on first use: a listing of thousands needs none
            features: dict[str, Feature] = {}
            for feature in [*self._own_features(), *self._module_features()]:
                features.setdefault(feature.id, feature)
            self._features = features
        return self._features

    def _build_modules(self) -> list[Module]:
        return smart_modules(self) if self.is_smart else iot_modules(self)

    def refresh_features(self) -> None:
        """Describe the features again on next use (a reading found on an update)."""
        self._features = None

    def _module_features(self) -> list[Feature]:
        # the light's state first: a dimmer's "state" is its relay's, and either is primary
        return [f for module in self.modules.values() for f in module.features()]

    def _own_features(self) -> list[Feature]:
        if "rssi" not in self.sysinfo:
            return []
        return [
            Feature(
                device=self, id="rssi", name="Signal strength", type=FeatureType.SENSOR,
                category=FeatureCategory.INFO, unit="dBm", getter=lambda: self.rssi,
            )
        ]  # fmt: skip

    # ---- identity ---------------------------------------------------------------------------

    @property
    def sysinfo(self) -> dict[str, Any]:
        """The last ``get_sysinfo`` answer (a SMART device's ``get_device_info``; empty for a
        device never seen online)."""  # noqa: D205, D209
        return self._sysinfo

    @property
    def is_smart(self) -> bool:
        """Whether the device speaks the SMART command set (Tapo, new Kasa: ``SMART.*``)."""
        return S.is_smart_device_type(self.device_type)

    def has_component(self, component: str) -> bool:
        """Whether a SMART device lists ``component`` in its ``component_nego``."""
        return component in self.components

    @property
    def is_online(self) -> bool:
        """Whether the device has a cloud connection (as listed, and as the last call found)."""
        return self._online

    @is_online.setter
    def is_online(self, value: bool) -> None:
        self._online = value

    @property
    def device_id(self) -> str:
        """The cloud's device id (40 hex digits; an outlet's adds 2 digits)."""
        return str(self.entry.get("deviceId", ""))

    @property
    def alias(self) -> str:
        """The name the user gave the device."""
        if self.is_smart:
            return nickname(self.sysinfo) or str(self.entry.get("alias") or "")
        return str(self.sysinfo.get("alias") or self.entry.get("alias") or "")

    @property
    def model(self) -> str:
        """The model with its region, e.g. ``HS110(EU)``."""
        if self.is_smart:
            return str(self.entry.get("deviceModel") or self.sysinfo.get("model") or "")
        return str(self.sysinfo.get("model") or self.entry.get("deviceModel") or "")

    @property
    def device_type(self) -> str:
        """The cloud's ``deviceType`` (``IOT.SMARTPLUGSWITCH``, ``IOT.SMARTBULB``...)."""
        return str(self.entry.get("deviceType") or self.sysinfo.get("type") or "")

    @property
    def hw_ver(self) -> str:
        """Hardware version."""
        return str(self.sysinfo.get("hw_ver") or self.entry.get("deviceHwVer") or "")

    @property
    def fw_ver(self) -> str:
        """Firmware version."""
        return str(
            self.sysinfo.get("sw_ver") or self.sysinfo.get("fw_ver") or self.entry.get("fwVer")
            or ""
        )  # fmt: skip

    @property
    def mac(self) -> str:
        """MAC address as the device reports it."""
        return str(
            self.sysinfo.get("mac") or self.sysinfo.get("mic_mac") or self.entry.get("deviceMac")
            or ""
        )  # fmt: skip

    @property
    def rssi(self) -> int | None:
        """Wi-Fi signal strength in dBm."""
        value = self.sysinfo.get("rssi")
        return int(value) if isinstance(value, int | float) else None

    @property
    def app_server_url(self) -> str:
        """The regional host that carries this device's calls."""
        return str(self.entry.get("appServerUrl") or "")

    @property
    def region(self) -> str:
        """The device's cloud region (``deviceRegion``)."""
        return str(self.entry.get("deviceRegion") or "")

    def _name(self) -> str:
        return f"{self.kind.replace('_', ' ')} {self.alias or self.device_id!r}"

    # ---- modules as attributes ---------------------------------------------------------------

    @property
    def energy(self) -> Energy | None:
        """The energy meter (``None``: none)."""
        return self.modules.get(Module.Energy)

    @property
    def led_module(self) -> Led | None:
        """The status LED (``None``: none, or a strip outlet's, which is its strip's)."""
        return self.modules.get(Module.Led)

    @property
    def time_module(self) -> Time | None:
        """The clock."""
        return self.modules.get(Module.Time)

    @property
    def schedule(self) -> Schedule | None:
        """Schedule rules."""
        return self.modules.get(Module.Schedule)

    @property
    def countdown(self) -> Countdown | None:
        """Countdown rules."""
        return self.modules.get(Module.Countdown)

    @property
    def away(self) -> Away | None:
        """Away-mode rules."""
        return self.modules.get(Module.Away)

    @property
    def cloud_info(self) -> CloudInfo | None:
        """The device's own view of its cloud binding."""
        return self.modules.get(Module.Cloud)

    # ---- state and shortcuts ------------------------------------------------------------------

    @property
    def is_on(self) -> bool:
        """Whether the device is on (relay closed, light lit; a strip: any outlet)."""
        state = self.features.get("state")
        if state is None:
            raise E.InvalidArgumentError(f"{self._name()} has no on/off state")
        return bool(state.value)

    async def turn_on(self, *, transition_ms: int | None = None) -> None:
        """Turn the device on (``transition_ms``: lights and dimmers only)."""
        await self._set_on(True, transition_ms)

    async def turn_off(self, *, transition_ms: int | None = None) -> None:
        """Turn the device off (``transition_ms``: lights only)."""
        await self._set_on(False, transition_ms)

    async def toggle(self) -> bool:
        """Flip the on/off state; return the new state."""
        new = not self.is_on
        await self._set_on(new, None)
        return new

    async def _set_on(self, on: bool, transition_ms: int | None) -> None:
        if self.is_smart and not self.components and getattr(self, "parent", None) is None:
            await self.update()  # listed but never read: learn what it is (or why it cannot be)
        light = self.modules.get(Module.Light)
        if light is not None:
            await light.set_on(on, transition_ms=transition_ms)
            return
        relay = self.modules.get(Module.Relay)
        if relay is None:
            raise E.InvalidArgumentError(f"{self._name()} cannot be switched")
        if transition_ms is not None:
            raise E.InvalidArgumentError(
                f"{self._name()} switches at once: transitions are for lights and dimmers"
            )
        await relay.set(on)

    @property
    def has_energy(self) -> bool:
        """Whether the device meters energy."""
        return self.energy is not None and self.energy.supported is not False

    @property
    def realtime(self) -> EnergyReading | None:
        """The energy reading from the last update (``None`` without a meter)."""
        return self.energy.realtime if self.energy else None

    @property
    def led(self) -> bool | None:
        """Whether the status LED is lit (``None``: the device has none)."""
        return self.led_module.is_on if self.led_module else None

    async def set_led(self, on: bool) -> None:
        """Light or darken the status LED."""
        if self.led_module is None:
            raise E.InvalidArgumentError(f"{self._name()} has no status LED")
        await self.led_module.set(on)

    @property
    def time(self) -> dt.datetime | None:
        """The device's local time, read by the last update."""
        return self.time_module.time if self.time_module else None

    async def get_time(self) -> dt.datetime | None:
        """Read the device's clock now."""
        if self.time_module is None:
            raise E.InvalidArgumentError(f"{self._name()} has no clock")
        return await self.time_module.get_time()

    # ---- requests ---------------------------------------------------------------------------

    def _context(self) -> dict[str, Any]:
        """Extra keys of every request (a strip outlet's ``context``)."""
        return {}

    async def request(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Send a device command (addressed to this device) and return the device's answer.

        Raises:
            DeviceOfflineError: the device is offline (no request is sent when it is known).
        """
        if not self.is_online:
            raise E.DeviceOfflineError(
                f"{self.alias or self.device_id} is offline",
                code=ErrorCode.DEVICE_OFFLINE,
                device_id=self.device_id,
            )
        try:
            return await self._session.passthrough(
                self._wire_id(), {**request, **self._context()}, base_url=self.app_server_url
            )
        except E.DeviceOfflineError:
            self.is_online = False
            raise

    def _wire_id(self) -> str:
        return self.device_id

    async def raw(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Send any command and return the answer unchecked.

        IOT: ``{module: {method: params}}``; SMART: ``{"method": ..., "params": ...}`` (the
        device's own ``{"error_code", "result"}`` comes back).
        """
        if self.is_smart:
            return await self.smart_request(request)
        return await self.request(request)

    # ---- SMART requests ---------------------------------------------------------------------

    async def smart_request(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Send one SMART request (to a child: through its parent's ``control_child``).

        Returns the device's own answer (``{"error_code", "result"}``), unchecked.

        Raises:
            DeviceOfflineError: the device is offline (no request is sent when it is known).
            SmartUnavailableError: the Tapo side of the account is not signed in.
        """
        parent = getattr(self, "parent", None)
        if parent is not None:
            from kasacloud.client.devices.smart import child_request, result_of

            answer = await parent.smart_request(child_request(self.device_id, request))
            result = result_of(answer, method=S.CONTROL_CHILD, device_id=self.device_id)
            data = result.get("responseData")
            if not isinstance(data, Mapping):
                raise E.ProtocolError("control_child answer has no responseData")
            return dict(data)
        if not self.is_online:
            raise E.DeviceOfflineError(
                f"{self.alias or self.device_id} is offline",
                code=ErrorCode.DEVICE_OFFLINE,
                device_id=self.device_id,
            )
        try:
            return await self._session.smart_passthrough(
                self.device_id, dict(request), base_url=self.app_server_url
            )
        except E.DeviceOfflineError:
            self.is_online = False
            raise

    async def smart_call(
        self, method: str, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Run one SMART method; return its ``result`` or raise the device's error."""
        from kasacloud.client.devices.smart import result_of

        answer = await self.smart_request(S.smart_request(method, params))
        return result_of(answer, method=method, device_id=self.device_id)

    async def smart_batch(
        self, requests: list[dict[str, Any]]
    ) -> list[tuple[str, int, dict[str, Any]]]:
        """Several SMART methods in one ``multipleRequest``: each one's (method, code, result)."""
        from kasacloud.client.devices.smart import batch_answers

        answer = await self.smart_request(
            S.smart_request(S.MULTIPLE_REQUEST, {"requests": requests})
        )
        return batch_answers(requests, answer, self.device_id)

    async def smart_children_call(self, calls: list[tuple[str, str, dict[str, Any]]]) -> None:
        """``(child id, method, params)`` calls in one request; raise the first child's error."""
        from kasacloud.client.devices.smart import child_request, result_of

        requests = [child_request(cid, S.smart_request(m, p)) for cid, m, p in calls]
        for (cid, method, _), (_, code, result) in zip(
            calls, await self.smart_batch(requests), strict=True
        ):
            result_of({"error_code": code}, method=S.CONTROL_CHILD, device_id=cid)
            result_of(result.get("responseData"), method=method, device_id=cid)

    def absorb_smart_info(self, info: Mapping[str, Any], *, rebuild: bool = False) -> None:
        """Keep a SMART ``get_device_info`` (``rebuild``: the components were learned now)."""
        first = not self._sysinfo
        self._sysinfo = dict(info)
        self.is_online = True
        if first or rebuild:
            self._build()

    def sync_smart_children(self) -> None:
        """Make ``children`` follow the child list (a SMART strip's outlets, a hub's sensors)."""
        from kasacloud.client.devices.factory import smart_child

        if not hasattr(self, "children"):
            return
        known = {c.device_id: c for c in self.children}
        children = []
        for index, info in enumerate(self.smart_child_infos):
            cid = str(info.get("device_id", ""))
            child = known.get(cid) or smart_child(self, cid, index)
            if child is not None:
                children.append(child)
        setattr(self, "children", children)  # noqa: B010 (the Strip's and the Hub's own list)

    async def _more_smart_children(self) -> None:
        """Read the child list's further pages (a hub answers ten children a page)."""
        from kasacloud.client.devices.smart import CHILD_LIST

        for _ in range(S.MAX_CHILD_PAGES):
            have = len(self.smart_child_infos)
            if self.smart_child_total <= have:
                break
            page = await self.smart_call(CHILD_LIST, {"start_index": have})
            more = [dict(i) for i in page.get("child_device_list") or [] if isinstance(i, Mapping)]
            if not more:
                break
            self.smart_child_infos += more
        if not self.smart_child_infos:
            return
        await self._more_smart_child_components()
        self.sync_smart_children()
        for child in getattr(self, "children", ()):
            if not child.components and child.device_id in self.smart_child_components:
                child.components = self.smart_child_components[child.device_id]
                child._build()
            child.refresh_features()

    async def _more_smart_child_components(self) -> None:
        from kasacloud.client.devices.smart import CHILD_COMPONENTS

        for _ in range(S.MAX_CHILD_PAGES):
            known = self.smart_child_components
            if all(str(i.get("device_id")) in known for i in self.smart_child_infos):
                return
            page = await self.smart_call(CHILD_COMPONENTS, {"start_index": len(known)})
            items = [i for i in page.get("child_component_list") or [] if isinstance(i, Mapping)]
            if not items:
                return
            for item in items:
                known[str(item.get("device_id"))] = families.component_ids(item)

    def smart_child_info(self, child_id: str) -> dict[str, Any]:
        """The live info of one SMART child (a new empty dict when unknown)."""
        for info in self.smart_child_infos:
            if str(info.get("device_id")) == child_id:
                return info
        return {}

    def _update_modules(self) -> list[Module]:
        return [m for m in self.modules.values() if m.query() and m.supported is not False]

    def update_query(self) -> dict[str, dict[str, Any]]:
        """What :meth:`update` sends: sysinfo and every module's reads, merged into one."""
        queries: list[Mapping[str, Mapping[str, Any]]] = [{C.SYSTEM: {C.GET_SYSINFO: None}}]
        queries += [{m.wire_name: m.query()} for m in self._update_modules()]
        return merge_queries(*queries)

    def absorb_update(
        self, response: Mapping[str, Any], request: Mapping[str, Any] | None = None
    ) -> None:
        """Take an answer to :meth:`update_query` (sysinfo, then each module's part).

        ``request`` is what was sent (default: :meth:`update_query`); a module whose reads it did
        not ask (a device first seen online gains modules) waits for the next update.
        """
        sent = request if request is not None else self.update_query()
        self._absorb_sysinfo(method_result(response, C.SYSTEM, C.GET_SYSINFO))
        modules = sorted(self._update_modules(), key=lambda m: m.key != Module.Time)
        for module in modules:  # the clock first: "today" for the meter is the device's day
            if covers(sent, {module.wire_name: module.query()}):
                module.absorb(response)

    async def update(self) -> None:
        """Read sysinfo and what every module needs, in one passthrough.

        A SMART device: its info, every module's reads and its children's, in one
        ``multipleRequest``.
        """
        if self.is_smart:
            from kasacloud.client.devices.smart import absorb, update_requests

            requests = update_requests(self)
            batch = S.smart_request(S.MULTIPLE_REQUEST, {"requests": requests})
            absorb(self, requests, await self.smart_request(batch))
            await self._more_smart_children()
            return
        request = self.update_query()
        self.absorb_update(await self.request(request), request)

    async def _update_children(self) -> None:
        """Reads that need requests of their own after :meth:`update` (a strip's outlet meters)."""

    def _absorb_sysinfo(self, sysinfo: dict[str, Any]) -> None:
        sysinfo.pop("err_code", None)
        first = not self._sysinfo
        self._sysinfo = sysinfo
        self.is_online = True
        if first:
            self._build()  # listed offline: what the device has is known only now

    async def set_alias(self, alias: str) -> None:
        """Rename the device (1 to 31 characters)."""
        if problem := families.alias_problem(alias):
            raise E.InvalidArgumentError(f"{problem}; got {alias!r}", device_id=self.device_id)
        if self.is_smart:
            await self.smart_call("set_device_info", {"nickname": S.encode_text(alias)})
            self.sysinfo["nickname"] = S.encode_text(alias)
            self.entry["alias"] = alias
            return
        await self._system(C.SET_DEV_ALIAS, {"alias": alias})
        self.sysinfo["alias"] = alias
        self.entry["alias"] = alias

    async def reboot(self, delay_s: int = 1) -> None:
        """Reboot the device after ``delay_s`` seconds (it goes offline for a while)."""
        if isinstance(delay_s, bool) or not isinstance(delay_s, int) or delay_s < 0:
            raise E.InvalidArgumentError(f"delay_s must be a whole number >= 0, got {delay_s!r}")
        if self.is_smart:
            await self.smart_call("device_reboot", {"delay": delay_s})
            return
        await self._system(C.REBOOT, {"delay": delay_s})

    async def _system(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        module = C.BULB_SYSTEM if self.device_type == C.DEVICE_TYPE_BULB else C.SYSTEM
        response = await self.request({module: {method: dict(params)}})
        return method_result(response, module, method)

    def __repr__(self) -> str:
        state = "offline" if not self.is_online else ("on" if self._safe_is_on() else "off")
        return f"<{type(self).__name__} {self.alias!r} {self.model} {self.device_id} {state}>"

    def _safe_is_on(self) -> bool | None:
        try:
            return self.is_on
        except E.KasaCloudError:
            return None


class _LightShortcuts(Device):
    """The light shortcuts of bulbs, light strips and dimmers, over ``modules[Module.Light]``."""

    @property
    def light(self) -> Light:
        """The light module."""
        return self.modules[Module.Light]

    @property
    def is_dimmable(self) -> bool:
        """Whether brightness can be set."""
        return bool(self.light.is_dimmable)

    @property
    def is_color(self) -> bool:
        """Whether hue and saturation can be set."""
        return bool(self.light.is_color)

    @property
    def is_variable_color_temp(self) -> bool:
        """Whether the colour temperature can be set."""
        return bool(self.light.is_variable_color_temp)

    @property
    def color_temp_range_k(self) -> tuple[int, int] | None:
        """The model's colour temperature range in kelvin (``None``: not tunable)."""
        return self.light.color_temp_range_k

    @property
    def brightness(self) -> int | None:
        """Brightness in percent."""
        return self.light.brightness

    @property
    def hsv(self) -> HSV | None:
        """``HSV(hue, saturation, value)`` (``None``: not a colour light)."""
        return self.light.hsv

    @property
    def color_temp_k(self) -> int | None:
        """Colour temperature in kelvin (0 while showing a colour; ``None``: not tunable)."""
        return self.light.color_temp_k

    async def set_brightness(self, brightness: int, *, transition_ms: int | None = None) -> None:
        """Set brightness (1-100 %; 0 turns the light off)."""
        await self.light.set_brightness(brightness, transition_ms=transition_ms)

    async def set_hsv(
        self,
        hue: int,
        saturation: int,
        value: int | None = None,
        *,
        transition_ms: int | None = None,
    ) -> None:
        """Set a colour: hue 0-360, saturation 0-100, value (brightness) 0-100 (0: off)."""
        await self.light.set_hsv(hue, saturation, value, transition_ms=transition_ms)

    async def set_color_temp(
        self, color_temp_k: int, *, brightness: int | None = None, transition_ms: int | None = None
    ) -> None:
        """Set the colour temperature (kelvin), checked against the model's range first."""
        await self.light.set_color_temp(
            color_temp_k, brightness=brightness, transition_ms=transition_ms
        )

    async def set_light_state(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """Send a raw light state (the device's own keys); return the new state."""
        return await self.light.set_state(dict(state))


class _Switchable(Device):
    """A device with a relay: plug, switch, dimmer, strip outlet."""

    @property
    def relay(self) -> Relay:
        """The relay module."""
        return self.modules[Module.Relay]


class Plug(_Switchable):
    """A smart plug (HS100, HS103, HS105, HS110, KP105, KP115, KP125, EP25, ...)."""

    kind = Family.PLUG.value


class WallSwitch(_Switchable):
    """A wall light switch (HS200, HS210, KS200M, ...)."""

    kind = Family.WALL_SWITCH.value


class Dimmer(_Switchable, _LightShortcuts):
    """A wall dimmer (HS220, KS220M, ...): a switch with brightness and fades."""

    kind = Family.DIMMER.value

    @property
    def brightness(self) -> int:
        """Brightness in percent."""
        return int(self.light.brightness or 0)


class Outlet(_Switchable):
    """One outlet of a power strip, driven through ``context.child_ids``.

    Its state lives in the strip's sysinfo (``children``): an outlet reads and writes its entry
    there, so strip and outlet never disagree.
    """

    kind = Family.OUTLET.value

    def __init__(self, parent: Strip, child_id: str, index: int) -> None:
        self.parent = parent
        self.index = index
        """Zero-based position on the strip."""
        super().__init__(parent._session, {**parent.entry, "deviceId": child_id}, None)

    @property
    def sysinfo(self) -> dict[str, Any]:
        """The outlet's entry in the parent's ``children`` list (live: writes go to the strip)."""
        return self.parent.child_entry(self.device_id)

    @property
    def model(self) -> str:
        """The parent's model."""
        return self.parent.model

    @property
    def is_online(self) -> bool:
        """An outlet is online when its strip is."""
        return self.parent.is_online

    @is_online.setter
    def is_online(self, value: bool) -> None:
        self.parent.is_online = value

    @property
    def time(self) -> dt.datetime | None:
        """The strip's clock."""
        return self.parent.time

    def _own_features(self) -> list[Feature]:
        return []  # the signal is the strip's

    def _context(self) -> dict[str, Any]:
        return {"context": {"child_ids": [self.device_id]}}

    def _wire_id(self) -> str:
        return self.parent.device_id

    def _absorb_sysinfo(self, sysinfo: dict[str, Any]) -> None:
        self.parent._absorb_sysinfo(sysinfo)


class Strip(Device):
    """A power strip (HS300, KP303, KP400, ...): outlets in ``children``, each a :class:`Outlet`.

    Its features are the strip's own (``state``: any outlet on; switching it switches all) and,
    on metered strips, the outlets' energy added up; each outlet has features of its own.
    """

    kind = Family.STRIP.value

    def __init__(
        self,
        session: CloudSession,
        entry: Mapping[str, Any],
        sysinfo: Mapping[str, Any] | None = None,
        *,
        components: Mapping[str, int] | None = None,
    ) -> None:
        self.children: list[Outlet] = []
        super().__init__(session, entry, sysinfo, components=components)
        self.children = [Outlet(self, child_id, i) for i, child_id in enumerate(self._child_ids())]

    def _child_ids(self) -> list[str]:
        return families.outlet_ids(self.device_id, self.sysinfo.get("children") or [])

    def child_entry(self, child_id: str) -> dict[str, Any]:
        """The live ``children`` entry of one outlet (a new empty dict when unknown)."""
        if self.is_smart:
            return self.smart_child_info(child_id)
        for child in self.sysinfo.get("children") or []:
            if families.child_matches(self.device_id, child, child_id):
                entry: dict[str, Any] = child
                return entry
        return {}

    def child_info(self, child_id: str) -> dict[str, Any]:
        """A copy of one outlet's ``children`` entry (empty when unknown)."""
        return dict(self.child_entry(child_id))

    def outlet(self, selector: int | str) -> Outlet:
        """An outlet by index (0-based), id, or alias (exact, or a unique case-insensitive part)."""
        if isinstance(selector, int):
            try:
                return self.children[selector]
            except IndexError:
                raise E.NotFoundError(
                    f"{self.alias!r} has no outlet {selector}", device_id=self.device_id
                ) from None
        return select(self.children, selector)

    async def update(self) -> None:
        """Read the strip's sysinfo (all outlets' state), then each outlet's meter, if any.

        One passthrough for the strip, plus one per outlet when the outlets meter energy (the
        protocol allows one ``context`` per request).
        """
        await super().update()
        await self._update_children()

    def _absorb_sysinfo(self, sysinfo: dict[str, Any]) -> None:
        super()._absorb_sysinfo(sysinfo)
        if self.is_smart:
            return
        by_id = {o.device_id: o for o in self.children}
        self.children = [
            by_id.get(cid) or Outlet(self, cid, i) for i, cid in enumerate(self._child_ids())
        ]

    async def _update_children(self) -> None:
        """Read each outlet's meter (one request each: one ``context`` per request)."""
        if self.energy is not None and not self.is_smart:  # SMART: read in the strip's update
            await gather([outlet.update for outlet in self.children])


class Bulb(_LightShortcuts):
    """A smart bulb (LB1x0, KL1x0, KB1x0): dimmable, tunable white and/or colour."""

    kind = Family.BULB.value


class LightStrip(Bulb):
    """A light strip (KL400, KL420, KL430): a colour light with a length and effects."""

    kind = Family.LIGHT_STRIP.value

    @property
    def length(self) -> int | None:
        """Number of segments."""
        value = self.sysinfo.get("length")
        return int(value) if isinstance(value, int) else None

    async def set_effect(self, effect: Mapping[str, Any]) -> None:
        """Start a lighting effect (the device's own effect JSON)."""
        light = self.light
        if not isinstance(light, LightStripLight):
            raise E.InvalidArgumentError(f"{self._name()} has no effects")
        await light.set_effect(dict(effect))


class _SmartChild(Device):
    """A SMART device's child (strip outlet, switch gang, hub sensor): its info is in the
    parent's child list, its requests go through the parent's ``control_child``."""  # noqa: D205, D209

    def _init_child(self, parent: Any, child_id: str, index: int) -> None:
        self.parent = parent
        self.index = index
        """Zero-based position in the parent's child list."""
        info = parent.smart_child_info(child_id)
        entry = {
            **parent.entry,
            "deviceId": child_id,
            "deviceType": str(info.get("type") or parent.device_type),
            "deviceModel": str(info.get("model") or parent.model),
            "alias": nickname(info),
        }
        components = parent.smart_child_components.get(child_id, {})
        Device.__init__(self, parent._session, entry, None, components=components)

    @property
    def sysinfo(self) -> dict[str, Any]:
        """The child's live entry in the parent's child list."""
        info: dict[str, Any] = self.parent.smart_child_info(self.device_id)
        return info

    @property
    def is_online(self) -> bool:
        """Online when the parent is (and, for a hub sensor, when the hub hears it)."""
        return bool(self.parent.is_online) and self.sysinfo.get("status", "online") == "online"

    @is_online.setter
    def is_online(self, value: bool) -> None:
        if not value:
            self.parent.is_online = False

    @property
    def model(self) -> str:
        """The child's own model (a hub sensor's), else its parent's."""
        return str(self.sysinfo.get("model") or self.entry.get("deviceModel") or "")

    @property
    def time(self) -> dt.datetime | None:
        """The parent's clock."""
        clock: dt.datetime | None = self.parent.time
        return clock

    def _own_features(self) -> list[Feature]:
        return [] if "rssi" not in self.sysinfo else super()._own_features()


class SmartOutlet(_SmartChild, Outlet):
    """An outlet of a SMART strip (P300, P304M, EP40M) or a gang of a SMART switch (KS240)."""

    def __init__(self, parent: Strip, child_id: str, index: int) -> None:
        self._init_child(parent, child_id, index)


class DimmerOutlet(SmartOutlet, Dimmer):
    """A dimmer gang of a SMART multi-gang switch (KS240): an outlet with brightness."""

    kind = Family.DIMMER.value


class Sensor(_SmartChild):
    """A hub's sensor (T310/T315 temperature and humidity, T110 contact, T100 motion, S200B
    button, KE100 valve): its readings are features (``temperature``, ``humidity``,
    ``is_open``, ``motion_detected``, ``battery_low``...)."""  # noqa: D205, D209

    kind = Family.SENSOR.value

    def __init__(self, parent: Hub, child_id: str, index: int) -> None:
        self._init_child(parent, child_id, index)

    @property
    def readings(self) -> dict[str, Any]:
        """Every reading by feature id: ``{"temperature": 21.4, "humidity": 52, ...}``."""
        sensor = self.modules.get(Module.Sensor)
        return {f.id: f.value for f in sensor.features()} if sensor is not None else {}


class Hub(Device):
    """A SMART hub (H100, KH100): its children are :class:`Sensor` devices.

    One :meth:`update` reads the hub and every sensor's readings (the child list carries them).
    """

    kind = Family.HUB.value

    def __init__(
        self,
        session: CloudSession,
        entry: Mapping[str, Any],
        sysinfo: Mapping[str, Any] | None = None,
        *,
        components: Mapping[str, int] | None = None,
    ) -> None:
        self.children: list[Sensor] = []
        super().__init__(session, entry, sysinfo, components=components)

    def sensor(self, selector: int | str) -> Sensor:
        """A sensor by index (0-based), id, or alias (exact, or a unique part)."""
        if isinstance(selector, int):
            try:
                return self.children[selector]
            except IndexError:
                raise E.NotFoundError(
                    f"{self.alias!r} has no sensor {selector}", device_id=self.device_id
                ) from None
        return select(self.children, selector)
