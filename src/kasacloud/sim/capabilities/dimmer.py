"""A wall dimmer (HS220): ``smartlife.iot.dimmer``, beside its relay."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from kasacloud.protocol import commands
from kasacloud.sim.capabilities.base import (
    Call,
    Capability,
    Handler,
    JsonDict,
    require_int,
)
from kasacloud.sim.capabilities.relay import RelayCapability

if TYPE_CHECKING:
    from kasacloud.sim.device import SimulatedDevice

DEFAULT_PARAMETERS: Final[dict[str, Any]] = {
    "minThreshold": 0,
    "fadeOnTime": 1000,
    "fadeOffTime": 1000,
    "gentleOnTime": 3000,
    "gentleOffTime": 10000,
    "rampRate": 30,
    "bulb_type": 1,
}
MAX_FADE_MS: Final = 600_000

# method -> (parameter it takes, key of get_dimmer_parameters it sets)
_TIME_SETTERS: Final = {
    "set_fade_on_time": ("fadeTime", "fadeOnTime"),
    "set_fade_off_time": ("fadeTime", "fadeOffTime"),
    "set_gentle_on_time": ("duration", "gentleOnTime"),
    "set_gentle_off_time": ("duration", "gentleOffTime"),
}


class DimmerCapability(Capability):
    """Brightness (1-100) and switch state of a dimmer; fade and gentle times.

    ``set_brightness`` changes the level without switching; ``set_dimmer_transition`` and
    ``set_switch_state`` switch the relay (the relay capability must be present).
    """

    key = "dimmer"

    def __init__(self, device: SimulatedDevice) -> None:
        super().__init__(device)
        self.brightness = int(self.profile.sysinfo.get("brightness", 100)) or 100
        self.parameters: dict[str, Any] = {**DEFAULT_PARAMETERS, **self.profile.dimmer_parameters}

    def _relay(self) -> RelayCapability:
        relay = self.device.capabilities.get("relay")
        assert isinstance(relay, RelayCapability), "a dimmer profile lists the relay"
        return relay

    def routes(self) -> Mapping[str, Mapping[str, Handler]]:
        """Methods of ``smartlife.iot.dimmer``."""
        methods: dict[str, Handler] = {
            commands.SET_BRIGHTNESS: self.set_brightness,
            commands.SET_DIMMER_TRANSITION: self.set_dimmer_transition,
            commands.SET_SWITCH_STATE: self.set_switch_state,
            commands.GET_DIMMER_PARAMETERS: self.get_dimmer_parameters,
        }
        for method, (param, key) in _TIME_SETTERS.items():
            methods[method] = self._time_setter(param, key)
        return {commands.DIMMER: methods}

    def set_brightness(self, params: JsonDict, call: Call) -> JsonDict:
        """Set the level (1-100) without switching."""
        self.brightness = require_int(params, "brightness", 1, 100)
        self.device.touch()
        return {}

    def set_dimmer_transition(self, params: JsonDict, call: Call) -> JsonDict:
        """Fade to ``brightness`` over ``duration`` ms, switching on."""
        brightness = require_int(params, "brightness", 1, 100)
        require_int(params, "duration", 0, MAX_FADE_MS)
        self.brightness = brightness
        self._relay().switch(None, True, call.now_s, None)
        self.device.touch()
        return {}

    def set_switch_state(self, params: JsonDict, call: Call) -> JsonDict:
        """Switch on or off (``state`` 0 or 1)."""
        state = require_int(params, "state", 0, 1)
        self._relay().switch(None, bool(state), call.now_s, None)
        return {}

    def get_dimmer_parameters(self, params: JsonDict, call: Call) -> JsonDict:
        """Fade and gentle times, ramp rate, threshold."""
        return dict(self.parameters)

    def _time_setter(self, param: str, key: str) -> Handler:
        def setter(params: JsonDict, call: Call) -> JsonDict:
            self.parameters[key] = require_int(params, param, 0, MAX_FADE_MS)
            self.device.touch()
            return {}

        return setter

    def contribute_sysinfo(self, info: JsonDict, now_s: float) -> None:
        """``brightness``."""
        info["brightness"] = self.brightness

    def snapshot(self) -> JsonDict:
        """Level and parameters."""
        return {"brightness": self.brightness, "parameters": dict(self.parameters)}

    def restore(self, state: JsonDict) -> None:
        """Level and parameters."""
        self.brightness = int(state.get("brightness", self.brightness))
        self.parameters.update(state.get("parameters", {}))
