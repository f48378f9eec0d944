"""Bulbs and light strips: brightness, HSV, colour temperature and transitions.

Every argument is checked against what the device reports (``is_dimmable``, ``is_color``,
``is_variable_color_temp``) and the model's colour temperature range *before* any request.

Brightness 0 means off, on every light (as Home Assistant treats it): ``set_brightness(0)`` turns
the light off and keeps the brightness it comes back with, so no light is ever "on at 0 %".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from kasacloud.client import errors as E
from kasacloud.client.devices.feature import Feature, FeatureCategory, FeaturePart, FeatureType
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
    """A light: what bulbs, light strips and dimmers share (``device.modules[Module.Light]``).

    This class drives a bulb (``smartlife.iot.smartbulb.lightingservice``,
    ``transition_light_state``); light strips and dimmers subclass it.
    """

    key = Module.Light
    set_method = C.TRANSITION_LIGHT_STATE
    supports_transitions = True
    """Whether on/off and changes can fade (``transition_ms``)."""

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
        """Set brightness (1-100 %: the light turns on; 0: it turns off, keeping its level)."""
        if not self.is_dimmable:
            raise E.InvalidArgumentError(
                f"{self.device.alias!r} ({self.device.model}) is not dimmable"
            )
        _check("brightness", brightness, 0, 100, self.device)
        if brightness == 0:
            await self.set_on(False, transition_ms=transition_ms)
            return
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
        if value == 0:
            # a colour at 0 % is no colour: off, with the hue kept for when it comes back on
            state.update(on_off=0, brightness=self.brightness or 100)
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
        if brightness == 0:
            state.update(on_off=0, brightness=self.brightness or 100)
        await self.set_state({**state, **_transition(transition_ms, self.device)})

    def features(self) -> list[Feature]:
        """``state``, and ``brightness``, ``color_temp``, ``hsv`` where the light has them."""
        device = self.device
        features = [self._state_feature()]
        if self.is_dimmable:
            features.append(
                Feature(
                    device=device, id="brightness", name="Brightness", type=FeatureType.NUMBER,
                    category=FeatureCategory.PRIMARY, unit="%", minimum=0, maximum=100, step=1,
                    getter=lambda: self.brightness, setter=self.set_brightness,
                )
            )  # fmt: skip
        if (rng := self.color_temp_range_k) is not None:
            features.append(
                Feature(
                    device=device, id="color_temp", name="Colour temperature",
                    type=FeatureType.NUMBER, category=FeatureCategory.PRIMARY, unit="K",
                    minimum=rng[0], maximum=rng[1], step=1,
                    getter=lambda: self.color_temp_k or None, setter=self.set_color_temp,
                )
            )  # fmt: skip
        if self.is_color:

            async def set_hsv(value: tuple[int, int, int]) -> None:
                await self.set_hsv(*value)

            features.append(
                Feature(
                    device=device, id="hsv", name="Colour", type=FeatureType.NUMBER,
                    category=FeatureCategory.PRIMARY, step=1,
                    parts=(
                        FeaturePart("hue", 0, 360, "°"),
                        FeaturePart("saturation", 0, 100, "%"),
                        FeaturePart("value", 0, 100, "%"),
                    ),
                    getter=self._shown_hsv, setter=set_hsv,
                )
            )  # fmt: skip
        return features

    def _state_feature(self) -> Feature:
        async def set_on(on: bool) -> None:
            await self.set_on(on)

        return Feature(
            device=self.device, id="state", name="State", type=FeatureType.SWITCH,
            category=FeatureCategory.PRIMARY, getter=lambda: self.is_on, setter=set_on,
        )  # fmt: skip

    def _shown_hsv(self) -> HSV | None:
        """The colour, while the light shows one (``None`` in white mode: no stale swatch)."""
        if self.color_temp_k:
            return None
        return self.hsv


class LightStripLight(Light):
    """A light strip's light (``smartlife.iot.lightStrip``, ``set_light_state``)."""

    set_method = C.SET_LIGHT_STATE

    async def set_effect(self, effect: dict[str, Any]) -> None:
        """Start a lighting effect (the device's own effect JSON)."""
        await self.call(C.SET_LIGHTING_EFFECT, effect)


class DimmerLight(Light):
    """A wall dimmer's light: brightness in ``smartlife.iot.dimmer``, on/off through the relay.

    A dimmer is a white light with brightness: no colour, no colour temperature. It fades when
    turning on and when changing brightness (``set_dimmer_transition``), not when turning off.
    """

    @property
    def state(self) -> dict[str, Any]:
        """A dimmer has no light state of its own: its relay and brightness are in sysinfo."""
        return {"on_off": self.is_on, "brightness": self.brightness}

    @property
    def is_on(self) -> bool:
        """Whether the relay is on."""
        return self.device.modules[Module.Relay].is_on

    @property
    def is_dimmable(self) -> bool:
        """Always."""
        return True

    @property
    def is_color(self) -> bool:
        """Never."""
        return False

    @property
    def is_variable_color_temp(self) -> bool:
        """Never."""
        return False

    @property
    def brightness(self) -> int:
        """Brightness in percent (from sysinfo)."""
        return int(self.device.sysinfo.get("brightness", 0))

    async def set_state(self, state: dict[str, Any]) -> dict[str, Any]:
        """Dimmers take no light state: use ``set_on`` and ``set_brightness``."""
        raise E.InvalidArgumentError(
            f"{self.device.alias!r} ({self.device.model}) is a dimmer: it takes on/off and "
            "brightness, not a light state"
        )

    async def set_on(self, on: bool, *, transition_ms: int | None = None) -> None:
        """Switch on or off; with ``transition_ms``, fade on to the current brightness."""
        if transition_ms is None:
            await self.device.modules[Module.Relay].set(on)
        elif not on:
            raise E.InvalidArgumentError(
                f"{self.device.alias!r} ({self.device.model}) fades when turning on or changing "
                "brightness, not when turning off: leave out the transition"
            )
        else:
            await self._fade(self.brightness or 100, transition_ms)

    async def _fade(self, brightness: int, transition_ms: int) -> None:
        duration = _check("transition_ms", transition_ms, 0, 60 * 60 * 1000, self.device)
        await self.call(C.SET_DIMMER_TRANSITION, {"brightness": brightness, "duration": duration})
        self.device.sysinfo["brightness"] = brightness
        self.device.sysinfo["relay_state"] = 1

    async def set_brightness(self, brightness: int, *, transition_ms: int | None = None) -> None:
        """Set brightness (1-100 %; 0 turns the dimmer off), optionally fading."""
        _check("brightness", brightness, 0, 100, self.device)
        if brightness == 0:
            await self.set_on(False, transition_ms=transition_ms)
        elif transition_ms is None:
            await self.call(C.SET_BRIGHTNESS, {"brightness": brightness})
            self.device.sysinfo["brightness"] = brightness
        else:
            await self._fade(brightness, transition_ms)

    def features(self) -> list[Feature]:
        """``brightness`` (the dimmer's ``state`` comes from its relay)."""
        return [f for f in super().features() if f.id != "state"]
