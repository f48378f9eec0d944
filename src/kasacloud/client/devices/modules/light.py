"""Bulbs and light strips: brightness, HSV, colour temperature and transitions.

Every argument is checked against what the device reports (``is_dimmable``, ``is_color``,
``is_variable_color_temp``) and the model's colour temperature range *before* any request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from kasacloud.client import errors as E
from kasacloud.client.devices.modules.base import Module
from kasacloud.protocol import commands as C
from kasacloud.protocol.models import color_temp_range_k

if TYPE_CHECKING:
    from kasacloud.client.devices.device import Device


class HSV(NamedTuple):
    """Hue (0-360 degrees), saturation (0-100 %) and value/brightness (0-100 %)."""

    hue: int
    saturation: int
    value: int


def _describe(device: Device | None) -> str:
    """`` of 'Reading light' (KL120(US))``: whose range it is, for a person reading the error."""
    if device is None:
        return ""
    name = device.alias or device.device_id
    return f" of {name!r} ({device.model})" if device.model else f" of {name!r}"


def _check(name: str, value: int, low: int, high: int, device: Device | None = None) -> int:
    where = _describe(device)
    if isinstance(value, bool) or not isinstance(value, int):
        raise E.InvalidArgumentError(f"{name}{where} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise E.InvalidArgumentError(f"{name}{where} must be between {low} and {high}, got {value}")
    return value


def _transition(transition_ms: int | None, device: Device | None = None) -> dict[str, int]:
    if transition_ms is None:
        return {}
    return {"transition_period": _check("transition_ms", transition_ms, 0, 60 * 60 * 1000, device)}


class Light(Module):
    """A bulb's light (``smartlife.iot.smartbulb.lightingservice``, ``transition_light_state``)."""

    set_method = C.TRANSITION_LIGHT_STATE

    @property
    def state(self) -> dict[str, Any]:
        """The light state from sysinfo; when off, the values the light will come back with."""
        state = dict(self.device.sysinfo.get("light_state") or {})
        if not state.get("on_off") and isinstance(state.get("dft_on_state"), dict):
            state = {**state["dft_on_state"], "on_off": 0}
        return state

    @property
    def is_on(self) -> bool:
        """Whether the light is on."""
        return bool(self.state.get("on_off"))

    @property
    def is_dimmable(self) -> bool:
        """Whether brightness can be set."""
        return bool(self.device.sysinfo.get("is_dimmable"))

    @property
    def is_color(self) -> bool:
        """Whether hue and saturation can be set."""
        return bool(self.device.sysinfo.get("is_color"))

    @property
    def is_variable_color_temp(self) -> bool:
        """Whether the colour temperature can be set."""
        return bool(self.device.sysinfo.get("is_variable_color_temp"))

    @property
    def color_temp_range_k(self) -> tuple[int, int] | None:
        """The model's colour temperature range in kelvin, or ``None`` when it is not tunable."""
        if not self.is_variable_color_temp:
            return None
        return color_temp_range_k(self.device.model)

    @property
    def brightness(self) -> int | None:
        """Brightness in percent (``None`` when not dimmable)."""
        return int(self.state.get("brightness", 0)) if self.is_dimmable else None

    @property
    def hsv(self) -> HSV | None:
        """Hue, saturation and brightness (``None`` when not a colour light)."""
        if not self.is_color:
            return None
        s = self.state
        return HSV(int(s.get("hue", 0)), int(s.get("saturation", 0)), int(s.get("brightness", 0)))

    @property
    def color_temp_k(self) -> int | None:
        """Colour temperature in kelvin; 0 while a colour (hue) is shown; ``None``: not tunable."""
        if not self.is_variable_color_temp:
            return None
        return int(self.state.get("color_temp", 0))

    async def set_state(self, state: dict[str, Any]) -> dict[str, Any]:
        """Send a raw light state (``on_off``, ``brightness``, ``hue``...) and keep the echo."""
        result = await self.call(self.set_method, state)
        result.pop("err_code", None)
        if result:
            self.device.sysinfo["light_state"] = result
        return result

    async def set_on(self, on: bool, *, transition_ms: int | None = None) -> None:
        """Turn the light on or off."""
        await self.set_state({"on_off": int(on), **_transition(transition_ms, self.device)})

    async def set_brightness(self, brightness: int, *, transition_ms: int | None = None) -> None:
        """Set brightness (0-100 %); the light turns on."""
        if not self.is_dimmable:
            raise E.InvalidArgumentError(
                f"{self.device.alias!r} ({self.device.model}) is not dimmable"
            )
        _check("brightness", brightness, 0, 100, self.device)
        await self.set_state(
            {
                "on_off": 1,
                "ignore_default": 1,
                "brightness": brightness,
                **_transition(transition_ms, self.device),
            }
        )

    async def set_hsv(
        self,
        hue: int,
        saturation: int,
        value: int | None = None,
        *,
        transition_ms: int | None = None,
    ) -> None:
        """Set a colour: hue 0-360, saturation 0-100, value (brightness) 0-100."""
        if not self.is_color:
            raise E.InvalidArgumentError(
                f"{self.device.alias!r} ({self.device.model}) is not a colour light"
            )
        state: dict[str, Any] = {
            "on_off": 1,
            "ignore_default": 1,
            "hue": _check("hue", hue, 0, 360, self.device),
            "saturation": _check("saturation", saturation, 0, 100, self.device),
            "color_temp": 0,
        }
        if value is not None:
            state["brightness"] = _check("value", value, 0, 100, self.device)
        await self.set_state({**state, **_transition(transition_ms, self.device)})

    async def set_color_temp(
        self, color_temp_k: int, *, brightness: int | None = None, transition_ms: int | None = None
    ) -> None:
        """Set the colour temperature in kelvin, checked against the model's range first."""
        rng = self.color_temp_range_k
        if rng is None:
            raise E.InvalidArgumentError(
                f"{self.device.alias!r} ({self.device.model}) has no tunable colour temperature"
            )
        state: dict[str, Any] = {
            "on_off": 1,
            "ignore_default": 1,
            "color_temp": _check("color_temp_k", color_temp_k, *rng, self.device),
        }
        if brightness is not None:
            state["brightness"] = _check("brightness", brightness, 0, 100, self.device)
        await self.set_state({**state, **_transition(transition_ms, self.device)})


class LightStripLight(Light):
    """A light strip's light (``smartlife.iot.lightStrip``, ``set_light_state``)."""

    set_method = C.SET_LIGHT_STATE

    async def set_effect(self, effect: dict[str, Any]) -> None:
        """Start a lighting effect (the device's own effect JSON)."""
        await self.call(C.SET_LIGHTING_EFFECT, effect)


class DimmerLight(Module):
    """A wall dimmer's brightness (``smartlife.iot.dimmer``); on/off goes through the relay."""

    @property
    def brightness(self) -> int:
        """Brightness in percent (from sysinfo)."""
        return int(self.device.sysinfo.get("brightness", 0))

    async def set_brightness(self, brightness: int, *, transition_ms: int | None = None) -> None:
        """Set brightness (1-100 %), optionally fading over ``transition_ms``."""
        _check("brightness", brightness, 1, 100, self.device)
        if transition_ms is None:
            await self.call(C.SET_BRIGHTNESS, {"brightness": brightness})
        else:
            duration = _check("transition_ms", transition_ms, 0, 60 * 60 * 1000, self.device)
            await self.call(
                C.SET_DIMMER_TRANSITION, {"brightness": brightness, "duration": duration}
            )
        self.device.sysinfo["brightness"] = brightness
