"""The device classes: identity from getDeviceList, state from sysinfo, capabilities as modules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from kasacloud.client import errors as E
from kasacloud.client.concurrency import gather
from kasacloud.client.devices.modules import (
    HSV,
    Away,
    CloudInfo,
    Countdown,
    DimmerLight,
    Energy,
    Led,
    Light,
    LightStripLight,
    Module,
    Relay,
    Schedule,
    Time,
    method_result,
)
from kasacloud.client.energy import EnergyReading
from kasacloud.client.selector import select
from kasacloud.protocol import commands as C
from kasacloud.protocol.errors import ErrorCode

if TYPE_CHECKING:
    from kasacloud.client.session import CloudSession


def merge_queries(*queries: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Merge ``{module: {method: params}}`` requests into one (later ones win on a clash)."""
    merged: dict[str, dict[str, Any]] = {}
    for query in queries:
        for module, methods in query.items():
            merged.setdefault(module, {}).update(methods)
    return merged


class Device:
    """A Kasa device of the account.

    Identity (``device_id``, ``model``, ``alias``...) comes from getDeviceList; state from
    ``sysinfo``, read when the device is listed and again by :meth:`update`, which fetches sysinfo
    and what every capability needs (energy, time) in one batched passthrough.

    Capabilities are attributes that are ``None`` when the device lacks them: ``energy``,
    ``led_module``, ``schedule``, ``countdown``, ``away``, ``cloud_info``. Commands to an offline
    device raise :class:`~kasacloud.client.errors.DeviceOfflineError` without a request.
    """

    kind: ClassVar[str] = "device"
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
        self.sysinfo: dict[str, Any] = dict(sysinfo or {})
        """The last ``get_sysinfo`` answer (empty for an offline device)."""
        self.is_online: bool = entry.get("status") == 1 and sysinfo is not None
        """Whether the device has a cloud connection (as listed, and as the last call found)."""
        modules = C.modules_for(self.device_type)
        self.modules = modules
        self.time_module: Time | None = Time(self, modules.time)
        self.schedule: Schedule | None = Schedule(self, modules.schedule)
        self.countdown: Countdown | None = Countdown(self, modules.count_down)
        self.away: Away | None = Away(self, modules.anti_theft)
        self.cloud_info: CloudInfo | None = CloudInfo(self, modules.cloud)
        self.energy: Energy | None = None
        self.led_module: Led | None = None

    @classmethod
    def from_cloud(
        cls,
        session: CloudSession,
        entry: Mapping[str, Any],
        sysinfo: Mapping[str, Any] | None,
    ) -> Device:
        """Build the right class (:class:`Plug`, :class:`Strip`, :class:`Bulb`...) for a device."""
        from kasacloud.client.devices.factory import from_cloud

        return from_cloud(session, entry, sysinfo)

    # ---- identity ---------------------------------------------------------------------------

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

    # ---- state ------------------------------------------------------------------------------

    @property
    def is_on(self) -> bool:
        """Whether the device is on (relay closed, light lit)."""
        raise E.InvalidArgumentError(f"{self.kind} {self.alias!r} has no on/off state")

    async def turn_on(self, *, transition_ms: int | None = None) -> None:
        """Turn the device on (``transition_ms``: lights only)."""
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
        raise E.InvalidArgumentError(f"{self.kind} {self.alias!r} cannot be switched")

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
            raise E.InvalidArgumentError(f"{self.kind} {self.alias!r} has no status LED")
        await self.led_module.set(on)

    @property
    def time(self) -> dt.datetime | None:
        """The device's local time, read by the last update."""
        return self.time_module.time if self.time_module else None

    async def get_time(self) -> dt.datetime | None:
        """Read the device's clock now."""
        if self.time_module is None:
            raise E.InvalidArgumentError(f"{self.kind} {self.alias!r} has no clock")
        return await self.time_module.get_time()

    # ---- requests ---------------------------------------------------------------------------

    def _all_modules(self) -> list[Module]:
        mods: list[Module | None] = [
            self.energy,
            self.time_module,
            self.led_module,
            self.schedule,
            self.countdown,
            self.away,
            self.cloud_info,
        ]
        return [m for m in mods if m is not None]

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
                ErrorCode.DEVICE_OFFLINE, f"{self.alias or self.device_id} is offline"
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
        return [m for m in self._all_modules() if m.query() and m.supported is not False]

    def update_query(self) -> dict[str, dict[str, Any]]:
        """What :meth:`update` sends: sysinfo and every capability's reads, merged into one."""
        queries: list[Mapping[str, Mapping[str, Any]]] = [{C.SYSTEM: {C.GET_SYSINFO: None}}]
        queries += [{m.wire_name: m.query()} for m in self._update_modules()]
        return merge_queries(*queries)

    def absorb_update(self, response: Mapping[str, Any]) -> None:
        """Take an answer to :meth:`update_query` (sysinfo, then each capability's part)."""
        self._absorb_sysinfo(method_result(response, C.SYSTEM, C.GET_SYSINFO))
        for module in self._update_modules():
            module.absorb(response)

    async def update(self) -> None:
        """Read sysinfo and what every capability needs, in one passthrough."""
        self.absorb_update(await self.request(self.update_query()))

    async def _update_children(self) -> None:
        """Reads that need requests of their own after :meth:`update` (a strip's outlet meters)."""

    def _absorb_sysinfo(self, sysinfo: dict[str, Any]) -> None:
        sysinfo.pop("err_code", None)
        self.sysinfo = sysinfo
        self.is_online = True

    async def set_alias(self, alias: str) -> None:
        """Rename the device."""
        if not isinstance(alias, str) or not alias.strip() or len(alias) > 31:
            raise E.InvalidArgumentError(f"an alias is text of 1 to 31 characters, got {alias!r}")
        await self._system(C.SET_DEV_ALIAS, {"alias": alias})
        self.sysinfo["alias"] = alias
        self.entry["alias"] = alias

    async def reboot(self, delay_s: int = 1) -> None:
        """Reboot the device after ``delay_s`` seconds (it goes offline for a while)."""
        if isinstance(delay_s, bool) or not isinstance(delay_s, int) or delay_s < 0:
            raise E.InvalidArgumentError(f"delay_s must be a whole number >= 0, got {delay_s!r}")
        await self._system(C.REBOOT, {"delay": delay_s})

    async def _system(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        response = await self.request({self._system_module(): {method: dict(params)}})
        return method_result(response, self._system_module(), method)

    def _system_module(self) -> str:
        return C.SYSTEM

    def __repr__(self) -> str:
        state = "offline" if not self.is_online else ("on" if self._safe_is_on() else "off")
        return f"<{type(self).__name__} {self.alias!r} {self.model} {self.device_id} {state}>"

    def _safe_is_on(self) -> bool | None:
        try:
            return self.is_on
        except E.KasaCloudError:
            return None


class _Switchable(Device):
    """A device with a relay: plug, switch, dimmer, strip outlet."""

    def __init__(
        self,
        session: CloudSession,
        entry: Mapping[str, Any],
        sysinfo: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(session, entry, sysinfo)
        self.relay = Relay(self, C.SYSTEM)
        self.led_module = Led(self, C.SYSTEM)
        if "ENE" in str(self.sysinfo.get("feature", "")).split(":"):
            self.energy = Energy(self, self.modules.emeter)

    @property
    def is_on(self) -> bool:
        """Whether the relay is on."""
        return self.relay.is_on

    async def _set_on(self, on: bool, transition_ms: int | None) -> None:
        await self.relay.set(on)


class Plug(_Switchable):
    """A smart plug (HS100, HS103, HS105, HS110, KP105, KP115, KP125, EP25, ...)."""

    kind = "plug"


class WallSwitch(_Switchable):
    """A wall light switch (HS200, HS210, KS200M, ...)."""

    kind = "wall_switch"


class Dimmer(_Switchable):
    """A wall dimmer (HS220, KS220M, ...): a switch with brightness and fades."""

    kind = "dimmer"

    def __init__(
        self,
        session: CloudSession,
        entry: Mapping[str, Any],
        sysinfo: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(session, entry, sysinfo)
        self.dimmer = DimmerLight(self, C.DIMMER)

    @property
    def brightness(self) -> int:
        """Brightness in percent."""
        return self.dimmer.brightness

    async def set_brightness(self, brightness: int, *, transition_ms: int | None = None) -> None:
        """Set brightness (1-100 %), optionally fading over ``transition_ms``."""
        await self.dimmer.set_brightness(brightness, transition_ms=transition_ms)


class Outlet(_Switchable):
    """One outlet of a power strip, driven through ``context.child_ids``."""

    kind = "outlet"

    def __init__(self, parent: Strip, child_id: str, index: int) -> None:
        entry = {**parent.entry, "deviceId": child_id}
        self.parent = parent
        online = parent.is_online
        super().__init__(parent._session, entry, parent.child_info(child_id))
        parent.is_online = online  # the base class set it from the list entry
        self.index = index
        self.energy = Energy(self, self.modules.emeter) if parent.energy else None
        self.led_module = None  # one LED per strip: on the parent
        self.time_module = None
        self.away = None
        self.cloud_info = None

    @property
    def sysinfo(self) -> dict[str, Any]:
        """The outlet's entry in the parent's ``children`` list."""
        return self.parent.child_info(self.device_id)

    @sysinfo.setter
    def sysinfo(self, value: dict[str, Any]) -> None:
        pass  # the parent's sysinfo is the one truth

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

    def _context(self) -> dict[str, Any]:
        return {"context": {"child_ids": [self.device_id]}}

    def _wire_id(self) -> str:
        return self.parent.device_id

    def _absorb_sysinfo(self, sysinfo: dict[str, Any]) -> None:
        self.parent._absorb_sysinfo(sysinfo)

    async def _set_on(self, on: bool, transition_ms: int | None) -> None:
        await self.relay.set(on)
        self.parent._set_child_state(self.device_id, on)

    async def set_alias(self, alias: str) -> None:
        """Rename the outlet."""
        await super().set_alias(alias)
        self.parent._set_child_alias(self.device_id, alias)


class Strip(Device):
    """A power strip (HS300, KP303, KP400, ...): outlets in ``children``, each a :class:`Outlet`."""

    kind = "strip"

    def __init__(
        self,
        session: CloudSession,
        entry: Mapping[str, Any],
        sysinfo: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(session, entry, sysinfo)
        self.led_module = Led(self, C.SYSTEM)
        if "ENE" in str(self.sysinfo.get("feature", "")).split(":"):
            # the meter is per outlet (context); the strip's reading is their sum
            self.energy = Energy(self, self.modules.emeter)
        self.children: list[Outlet] = [
            Outlet(self, child_id, i) for i, child_id in enumerate(self._child_ids())
        ]
        # strip-wide reads of per-outlet modules would answer for no outlet: outlets own them
        self.schedule = self.countdown = None

    def _child_ids(self) -> list[str]:
        ids = []
        for i, child in enumerate(self.sysinfo.get("children") or []):
            cid = str(child.get("id", ""))
            # real strips report the full id; some firmware only the 2-digit index
            ids.append(cid if cid.startswith(self.device_id) else f"{self.device_id}{i:02d}")
        return ids

    def child_info(self, child_id: str) -> dict[str, Any]:
        """The ``children`` entry of one outlet (empty when unknown)."""
        suffix = child_id[len(self.device_id) :]
        for child in self.sysinfo.get("children") or []:
            cid = str(child.get("id", ""))
            if cid in (child_id, suffix):
                return dict(child)
        return {}

    def _set_child_state(self, child_id: str, on: bool) -> None:
        self._set_child_field(child_id, "state", int(on))

    def _set_child_alias(self, child_id: str, alias: str) -> None:
        self._set_child_field(child_id, "alias", alias)

    def _set_child_field(self, child_id: str, key: str, value: Any) -> None:
        suffix = child_id[len(self.device_id) :]
        for child in self.sysinfo.get("children") or []:
            if child.get("id") in (child_id, suffix):
                child[key] = value

    def _all_modules(self) -> list[Module]:
        # the strip's energy is read per outlet, not in the strip's own query
        return [m for m in super()._all_modules() if m is not self.energy]

    @property
    def is_on(self) -> bool:
        """Whether any outlet is on."""
        return any(o.is_on for o in self.children)

    async def _set_on(self, on: bool, transition_ms: int | None) -> None:
        # without a context, set_relay_state switches every outlet of the strip
        await self._system(C.SET_RELAY_STATE, {"state": int(on)})
        for child in self.sysinfo.get("children") or []:
            child["state"] = int(on)

    def outlet(self, selector: int | str) -> Outlet:
        """An outlet by index (0-based), id, or alias (exact, or a unique case-insensitive part)."""
        if isinstance(selector, int):
            try:
                return self.children[selector]
            except IndexError:
                raise E.NotFoundError(None, f"{self.alias!r} has no outlet {selector}") from None
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
        by_id = {o.device_id: o for o in getattr(self, "children", [])}
        self.children = [
            by_id.get(cid) or Outlet(self, cid, i) for i, cid in enumerate(self._child_ids())
        ]

    async def _update_children(self) -> None:
        """Read each outlet's meter (one request each: one ``context`` per request)."""
        if self.energy is not None:
            await gather([outlet.update for outlet in self.children])

    @property
    def realtime(self) -> EnergyReading | None:
        """The sum of the outlets' readings (voltage: the first outlet's)."""
        readings = [o.realtime for o in self.children if o.realtime is not None]
        if not readings:
            return None

        def total(attr: str) -> float | None:
            values = [getattr(r, attr) for r in readings]
            return None if any(v is None for v in values) else sum(values)

        return EnergyReading(
            power_w=total("power_w"),
            voltage_v=readings[0].voltage_v,
            current_a=total("current_a"),
            total_kwh=total("total_kwh"),
            raw={"outlets": [r.raw for r in readings]},
        )


class Bulb(Device):
    """A smart bulb (LB1x0, KL1x0, KB1x0): dimmable, tunable white and/or colour."""

    kind = "bulb"

    def __init__(
        self,
        session: CloudSession,
        entry: Mapping[str, Any],
        sysinfo: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(session, entry, sysinfo)
        self.light: Light = self._light_class()(self, self._light_module())
        # every bulb reports power; the module is dropped if the device says "not support"
        self.energy = Energy(self, self.modules.emeter)

    def _light_class(self) -> type[Light]:
        return Light

    def _light_module(self) -> str:
        return C.LIGHTING

    def _system_module(self) -> str:
        return C.BULB_SYSTEM

    @property
    def is_on(self) -> bool:
        """Whether the light is on."""
        return self.light.is_on

    async def _set_on(self, on: bool, transition_ms: int | None) -> None:
        await self.light.set_on(on, transition_ms=transition_ms)

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
        rng: tuple[int, int] | None = self.light.color_temp_range_k
        return rng

    @property
    def brightness(self) -> int | None:
        """Brightness in percent."""
        value: int | None = self.light.brightness
        return value

    @property
    def hsv(self) -> HSV | None:
        """``HSV(hue, saturation, value)`` (``None``: not a colour light)."""
        return self.light.hsv

    @property
    def color_temp_k(self) -> int | None:
        """Colour temperature in kelvin (0 while showing a colour; ``None``: not tunable)."""
        value: int | None = self.light.color_temp_k
        return value

    async def set_brightness(self, brightness: int, *, transition_ms: int | None = None) -> None:
        """Set brightness (0-100 %)."""
        await self.light.set_brightness(brightness, transition_ms=transition_ms)

    async def set_hsv(
        self,
        hue: int,
        saturation: int,
        value: int | None = None,
        *,
        transition_ms: int | None = None,
    ) -> None:
        """Set a colour: hue 0-360, saturation 0-100, value (brightness) 0-100."""
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
        result: dict[str, Any] = await self.light.set_state(dict(state))
        return result


class LightStrip(Bulb):
    """A light strip (KL400, KL420, KL430): a colour light with a length and effects."""

    kind = "light_strip"

    def _light_class(self) -> type[Light]:
        return LightStripLight

    def _light_module(self) -> str:
        return C.LIGHT_STRIP

    @property
    def length(self) -> int | None:
        """Number of segments."""
        value = self.sysinfo.get("length")
        return int(value) if isinstance(value, int) else None

    async def set_effect(self, effect: Mapping[str, Any]) -> None:
        """Start a lighting effect (the device's own effect JSON)."""
        light = self.light
        assert isinstance(light, LightStripLight)
        await light.set_effect(dict(effect))
