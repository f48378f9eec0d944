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
from kasacloud.client.energy import EnergyReading
from kasacloud.client.selector import select
from kasacloud.protocol import commands as C
from kasacloud.protocol import families
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
    ) -> None:
        self._session = session
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
        return iot_modules(self)

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
        """The last ``get_sysinfo`` answer (empty for a device never seen online)."""
        return self._sysinfo

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
        return str(self.sysinfo.get("alias") or self.entry.get("alias") or "")

    @property
    def model(self) -> str:
        """The model with its region, e.g. ``HS110(EU)``."""
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
        return str(self.sysinfo.get("sw_ver") or self.entry.get("fwVer") or "")

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
        """Send any command (``{module: {method: params}}``) and return the answer unchecked."""
        return await self.request(request)

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
        """Read sysinfo and what every module needs, in one passthrough."""
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
        await self._system(C.SET_DEV_ALIAS, {"alias": alias})
        self.sysinfo["alias"] = alias
        self.entry["alias"] = alias

    async def reboot(self, delay_s: int = 1) -> None:
        """Reboot the device after ``delay_s`` seconds (it goes offline for a while)."""
        if isinstance(delay_s, bool) or not isinstance(delay_s, int) or delay_s < 0:
            raise E.InvalidArgumentError(f"delay_s must be a whole number >= 0, got {delay_s!r}")
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
    ) -> None:
        self.children: list[Outlet] = []
        super().__init__(session, entry, sysinfo)
        self.children = [Outlet(self, child_id, i) for i, child_id in enumerate(self._child_ids())]

    def _child_ids(self) -> list[str]:
        return families.outlet_ids(self.device_id, self.sysinfo.get("children") or [])

    def child_entry(self, child_id: str) -> dict[str, Any]:
        """The live ``children`` entry of one outlet (a new empty dict when unknown)."""
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
        by_id = {o.device_id: o for o in self.children}
        self.children = [
            by_id.get(cid) or Outlet(self, cid, i) for i, cid in enumerate(self._child_ids())
        ]

    async def _update_children(self) -> None:
        """Read each outlet's meter (one request each: one ``context`` per request)."""
        if self.energy is not None:
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
