"""The relay of a plug, a wall switch or a dimmer: ``system.set_relay_state``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kasacloud.protocol import commands
from kasacloud.sim.capabilities.base import (
    Call,
    Capability,
    Handler,
    JsonDict,
    require_int,
)

if TYPE_CHECKING:
    from kasacloud.sim.device import SimulatedDevice


@dataclass
class Switch:
    """On or off, and since when (``on_time`` is the seconds since it last came on)."""

    on: bool = False
    on_since_s: float | None = None

    def set(self, on: bool, now_s: float) -> bool:
        """Switch; returns whether anything changed (switching on again keeps ``on_time``)."""
        if on == self.on:
            return False
        self.on = on
        self.on_since_s = now_s if on else None
        return True

    def on_time_s(self, now_s: float) -> int:
        """Whole seconds on, 0 while off."""
        if not self.on or self.on_since_s is None:
            return 0
        return max(0, int(now_s - self.on_since_s))

    @classmethod
    def from_sysinfo(cls, state: Any, on_time: Any, now_s: float) -> Switch:
        """A switch as a ``get_sysinfo`` template describes it."""
        on = bool(state)
        seconds = float(on_time) if isinstance(on_time, int | float) else 0.0
        return cls(on=on, on_since_s=now_s - seconds if on else None)

    def snapshot(self) -> JsonDict:
        """JSON-ready state."""
        return {"on": self.on, "on_since_s": self.on_since_s}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Load :meth:`snapshot`."""
        self.on = bool(state.get("on", self.on))
        since = state.get("on_since_s")
        self.on_since_s = float(since) if since is not None else None


class RelayCapability(Capability):
    """A single relay: ``set_relay_state {state}``; ``relay_state`` and ``on_time`` in sysinfo.

    It is the device's :class:`~kasacloud.sim.capabilities.base.PowerControl`: rules switch it
    and the energy meter reads its load.
    """

    key = "relay"

    def __init__(self, device: SimulatedDevice) -> None:
        super().__init__(device)
        info = self.profile.sysinfo
        self.switch_state = Switch.from_sysinfo(
            info.get("relay_state", 0), info.get("on_time", 0), device.clock.now()
        )
        device.power = self

    def routes(self) -> Mapping[str, Mapping[str, Handler]]:
        """``system.set_relay_state``."""
        return {commands.SYSTEM: {commands.SET_RELAY_STATE: self.set_relay_state}}

    def set_relay_state(self, params: JsonDict, call: Call) -> JsonDict:
        """Switch the relay (``state`` 0 or 1)."""
        state = require_int(params, "state", 0, 1)
        self.switch(None, bool(state), call.now_s, None)
        return {}

    def contribute_sysinfo(self, info: JsonDict, now_s: float) -> None:
        """``relay_state`` and ``on_time``."""
        info["relay_state"] = int(self.switch_state.on)
        info["on_time"] = self.switch_state.on_time_s(now_s)

    # PowerControl
    def is_on(self, child: int | None) -> bool:
        """Whether the relay is closed."""
        return self.switch_state.on

    def power_w(self, child: int | None) -> float:
        """The load's draw while on."""
        return self.device.nominal_power_w(None) if self.switch_state.on else 0.0

    def switch(self, child: int | None, on: bool, now_s: float, light: JsonDict | None) -> None:
        """Open or close the relay."""
        if self.switch_state.set(on, now_s):
            self.device.touch()

    def snapshot(self) -> JsonDict:
        """The relay."""
        return self.switch_state.snapshot()

    def restore(self, state: JsonDict) -> None:
        """The relay."""
        self.switch_state.restore(state)
