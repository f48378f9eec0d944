"""A light strip's light (KL400, KL420, KL430): ``smartlife.iot.lightStrip``.

The same fields and ranges as a bulb (``set_light_state`` instead of
``transition_light_state``, ``transition`` instead of ``transition_period``), the strip's
``length`` and colour ``groups``, and lighting effects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from kasacloud.protocol import commands
from kasacloud.sim.capabilities.base import Call, Handler, JsonDict, invalid
from kasacloud.sim.capabilities.light import LightCapability

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kasacloud.sim.device import SimulatedDevice

DEFAULT_TRANSITION_MS = 500


class LightStripCapability(LightCapability):
    """A light strip: light state, length, groups and lighting effects."""

    key = "lightstrip"
    module: ClassVar[str] = commands.LIGHT_STRIP
    set_method: ClassVar[str] = commands.SET_LIGHT_STATE
    transition_param: ClassVar[str] = "transition"

    def __init__(self, device: SimulatedDevice) -> None:
        super().__init__(device)
        self.length = int(self.profile.sysinfo.get("length", 16))
        self.transition_ms = DEFAULT_TRANSITION_MS
        effect = self.profile.sysinfo.get("lighting_effect_state")
        self.effect: dict[str, Any] | None = dict(effect) if isinstance(effect, dict) else None

    def routes(self) -> Mapping[str, Mapping[str, Handler]]:
        """``get_light_state``, ``set_light_state``, ``set_lighting_effect``."""
        routes = {m: dict(h) for m, h in super().routes().items()}
        routes[self.module][commands.SET_LIGHTING_EFFECT] = self.set_lighting_effect
        return routes

    def _groups(self) -> list[list[int]]:
        # One group covering the whole strip: [first, last, hue, saturation, brightness, K].
        return [
            [
                0,
                self.length - 1,
                self.hue,
                self.saturation,
                self.brightness,
                self.color_temp,
            ]
        ]

    def get_light_state(self, params: JsonDict, call: Call) -> JsonDict:
        """The strip's state, with its length, groups and transition."""
        return self.strip_state()

    def strip_state(self) -> JsonDict:
        """The strip's state (the target state, at once), its length and last transition."""
        if self.on:
            state: JsonDict = {"on_off": 1, **self._fields(), "groups": self._groups()}
        else:
            state = {
                "on_off": 0,
                "dft_on_state": {"groups": self._groups(), "mode": self.mode},
            }
        state["length"] = self.length
        state["transition"] = self.transition_ms
        return state

    def set_light_state(self, params: JsonDict, call: Call) -> JsonDict:
        """Change the light (this ends a running effect); the answer echoes the new state."""
        self.apply(self.validate(params), call.now_s)
        if self.effect is not None:
            self.effect["enable"] = 0
        return self.strip_state()

    def set_lighting_effect(self, params: JsonDict, call: Call) -> JsonDict:
        """Start a lighting effect (``name`` and/or ``id``; ``brightness``, ``enable``...)."""
        name = params.get("name")
        effect_id = params.get("id")
        if not isinstance(name, str) and not isinstance(effect_id, str):
            raise invalid("an effect needs a name or an id")
        enable = params.get("enable", 1)
        if enable not in (0, 1):
            raise invalid("enable is 0 or 1")
        brightness = params.get("brightness", self.brightness)
        if (
            isinstance(brightness, bool)
            or not isinstance(brightness, int)
            or not 0 <= brightness <= 100
        ):
            raise invalid("brightness is 0..100")
        self.effect = {
            "brightness": brightness,
            "custom": int(params.get("custom", 0) or 0),
            "enable": enable,
            "id": str(effect_id or name),
            "name": str(name or effect_id),
        }
        if enable:
            self.apply({"on_off": 1}, call.now_s)
        self.device.touch()
        return {}

    def contribute_sysinfo(self, info: JsonDict, now_s: float) -> None:
        """``light_state``, ``length`` and ``lighting_effect_state``."""
        if self.on:
            info["light_state"] = {"on_off": 1, **self._fields()}
        else:
            fields = self._fields()
            info["light_state"] = {
                "dft_on_state": {k: fields[k] for k in sorted(fields)},
                "on_off": 0,
            }
        info["length"] = self.length
        if "lighting_effect_state" in info and self.effect is not None:
            info["lighting_effect_state"] = dict(self.effect)

    def snapshot(self) -> JsonDict:
        """The light state and the effect."""
        return {**super().snapshot(), "effect": self.effect}

    def restore(self, state: JsonDict) -> None:
        """The light state and the effect."""
        super().restore(state)
        effect = state.get("effect")
        self.effect = dict(effect) if isinstance(effect, dict) else self.effect
