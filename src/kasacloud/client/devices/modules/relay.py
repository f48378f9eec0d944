"""On/off of a plug, switch, strip or strip outlet: ``system.set_relay_state``."""

from __future__ import annotations

from kasacloud.client.devices.modules.base import Module
from kasacloud.protocol import commands as C


class Relay(Module):
    """The relay: ``is_on`` comes from sysinfo (``relay_state``, or the outlet's ``state``)."""

    @property
    def is_on(self) -> bool:
        """Whether the relay is closed."""
        info = self.device.sysinfo
        return bool(info.get("relay_state", info.get("state", 0)))

    async def set(self, on: bool) -> None:
        """Switch on or off."""
        await self.call(C.SET_RELAY_STATE, {"state": int(on)})
        key = "relay_state" if "relay_state" in self.device.sysinfo else "state"
        self.device.sysinfo[key] = int(on)
