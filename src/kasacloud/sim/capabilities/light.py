"""A bulb's light: ``smartlife.iot.smartbulb.lightingservice``.

``transition_light_state`` changes on/off, mode, hue, saturation, colour temperature and
brightness, each checked as the bulb checks it: hue 0-360, saturation and brightness 0-100,
colour temperature within the model's range (0 means "use hue and saturation" on colour bulbs);
hue and saturation only on colour bulbs; anything else answers -3 "invalid argument" and changes
nothing. ``transition_period`` (ms, 0 to an hour) is validated like the rest; the fade it asks for
is only visual on a real bulb, which reports the target state as soon as it accepts a command, so
``get_light_state`` (and the reply, which echoes the new state) report the target at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final

from kasacloud.protocol import commands
from kasacloud.sim.capabilities.base import (
    Call,
    Capability,
    DeviceError,
    Handler,
    JsonDict,
    invalid,
    optional_int,
)

if TYPE_CHECKING:
    from kasacloud.sim.device import SimulatedDevice

LIGHT_MODES: Final = ("normal", "circadian")
MAX_TRANSITION_MS: Final = 3_600_000
STANDBY_SHARE: Final = 0.1
"""Share of full power a lit bulb draws at the lowest brightness (LED drivers are not linear)."""


class LightCapability(Capability):
    """A bulb's light state, and the device's power control."""

    key = "light"
    module: ClassVar[str] = commands.LIGHTING
    set_method: ClassVar[str] = commands.TRANSITION_LIGHT_STATE
    transition_param: ClassVar[str] = "transition_period"

    def __init__(self, device: SimulatedDevice) -> None:
        super().__init__(device)
        info = self.profile.sysinfo
        light_state: Mapping[str, Any] = info.get("light_state") or {}
        self.on = bool(light_state.get("on_off", 0))
        source = light_state if self.on else light_state.get("dft_on_state", light_state)
        self.mode = str(source.get("mode", "normal"))
        self.hue = int(source.get("hue", 0))
        self.saturation = int(source.get("saturation", 0))
        low_k = self.profile.color_temp_range_k[0] if self.profile.color_temp_range_k else 0
        self.color_temp = int(source.get("color_temp", low_k))
        self.brightness = int(source.get("brightness", 100))
        self.is_color = bool(info.get("is_color", 0))
        self.is_dimmable = bool(info.get("is_dimmable", 1))
        self.transition_ms = 0
        """The last ``transition_period`` asked for (light strips report it as ``transition``)."""
        device.power = self

    def routes(self) -> Mapping[str, Mapping[str, Handler]]:
        """``get_light_state`` and the setter."""
        return {
            self.module: {
                commands.GET_LIGHT_STATE: self.get_light_state,
                self.set_method: self.set_light_state,
            }
        }

    # -- reading ---------------------------------------------------------------------------

    def _fields(self) -> JsonDict:
        """The light fields (the target state, also while a fade would still be running)."""
        return {
            "mode": self.mode,
            "hue": self.hue,
            "saturation": self.saturation,
            "color_temp": self.color_temp,
            "brightness": self.brightness,
        }

    def light_state(self) -> JsonDict:
        """The state as ``get_light_state`` (and sysinfo's ``light_state``) report it."""
        if self.on:
            return {"on_off": 1, **self._fields()}
        return {"on_off": 0, "dft_on_state": self._fields()}

    def get_light_state(self, params: JsonDict, call: Call) -> JsonDict:
        """The light state."""
        return self.light_state()

    def contribute_sysinfo(self, info: JsonDict, now_s: float) -> None:
        """``light_state``."""
        info["light_state"] = self.light_state()

    # -- changing --------------------------------------------------------------------------

    def validate(self, params: Mapping[str, Any]) -> JsonDict:
        """Check every field as the bulb does; return the fields to apply."""
        wanted: JsonDict = {}
        on_off = optional_int(params, "on_off", 0, 1)
        if on_off is not None:
            wanted["on_off"] = on_off
        if "mode" in params:
            if params["mode"] not in LIGHT_MODES:
                raise invalid("mode must be normal or circadian")
            wanted["mode"] = params["mode"]
        for name, high in (("hue", 360), ("saturation", 100)):
            value = optional_int(params, name, 0, high)
            if value is not None:
                if not self.is_color:
                    raise invalid(f"{name}: this bulb has no colour")
                wanted[name] = value
        color_temp = optional_int(params, "color_temp", 0, 20_000)
        if color_temp is not None:
            ct_range = self.profile.color_temp_range_k
            if color_temp == 0:
                if not self.is_color:
                    raise invalid("color_temp 0 needs a colour bulb")
            elif ct_range is None or not ct_range[0] <= color_temp <= ct_range[1]:
                raise invalid(f"color_temp out of range {ct_range}")
            wanted["color_temp"] = color_temp
        brightness = optional_int(params, "brightness", 0, 100)
        if brightness is not None:
            if not self.is_dimmable:
                raise invalid("this bulb is not dimmable")
            wanted["brightness"] = brightness
        transition_ms = optional_int(params, self.transition_param, 0, MAX_TRANSITION_MS)
        if transition_ms is not None:
            wanted["transition_ms"] = transition_ms
        optional_int(params, "ignore_default", 0, 1)
        return wanted

    def apply(self, wanted: Mapping[str, Any], now_s: float) -> None:
        """Apply validated fields at ``now_s``: the new state holds at once."""
        if ("hue" in wanted or "saturation" in wanted) and "color_temp" not in wanted:
            self.color_temp = 0  # hue and saturation mean colour mode
        for name in ("mode", "hue", "saturation", "color_temp", "brightness"):
            if name in wanted:
                setattr(self, name, int(wanted[name]) if name != "mode" else str(wanted[name]))
        if "on_off" in wanted:
            self.on = bool(wanted["on_off"])
        if "transition_ms" in wanted:
            self.transition_ms = int(wanted["transition_ms"])
        self.device.touch()

    def set_light_state(self, params: JsonDict, call: Call) -> JsonDict:
        """Change the light; the answer echoes the new state."""
        self.apply(self.validate(params), call.now_s)
        return self.light_state()

    # -- PowerControl ----------------------------------------------------------------------

    def is_on(self, child: int | None) -> bool:
        """Whether the light is on."""
        return self.on

    def power_w(self, child: int | None) -> float:
        """Draw at the (target) brightness."""
        if not self.on:
            return 0.0
        share = STANDBY_SHARE + (1.0 - STANDBY_SHARE) * self.brightness / 100.0
        return self.device.nominal_power_w(None) * share

    def switch(self, child: int | None, on: bool, now_s: float, light: JsonDict | None) -> None:
        """Switch on or off, with a schedule's light state if it has one."""
        wanted: JsonDict = {}
        if light:
            try:
                wanted = self.validate(light)
            except DeviceError:
                wanted = {}  # a stored rule with a bad light state still switches
        wanted["on_off"] = int(on)
        self.apply(wanted, now_s)

    def snapshot(self) -> JsonDict:
        """The light state."""
        return {
            "on": self.on,
            "mode": self.mode,
            "hue": self.hue,
            "saturation": self.saturation,
            "color_temp": self.color_temp,
            "brightness": self.brightness,
            "transition_ms": self.transition_ms,
        }

    def restore(self, state: JsonDict) -> None:
        """The light state."""
        self.on = bool(state.get("on", self.on))
        self.mode = str(state.get("mode", self.mode))
        for name in ("hue", "saturation", "color_temp", "brightness", "transition_ms"):
            setattr(self, name, int(state.get(name, getattr(self, name))))
