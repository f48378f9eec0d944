"""On/off of a plug, switch, strip or strip outlet: ``system.set_relay_state``."""

from __future__ import annotations

import datetime as dt

from kasacloud.client.devices.feature import Feature, FeatureCategory, FeatureType
from kasacloud.client.devices.modules.base import Module
from kasacloud.protocol import commands as C


class Relay(Module):
    """The relay: ``is_on`` comes from sysinfo (``relay_state``, or the outlet's ``state``)."""

    key = Module.Relay

    @property
    def is_on(self) -> bool:
        """Whether the relay is closed."""
        info = self.device.sysinfo
        return bool(info.get("relay_state", info.get("state", 0)))

    @property
    def on_since(self) -> dt.datetime | None:
        """When the relay was last switched on, on the device's clock (``None``: off, unknown)."""
        on_time = self.device.sysinfo.get("on_time")
        if not self.is_on or isinstance(on_time, bool) or not isinstance(on_time, int | float):
            return None
        now = self.device.time or dt.datetime.now().replace(microsecond=0)
        return now - dt.timedelta(seconds=int(on_time))

    async def set(self, on: bool) -> None:
        """Switch on or off."""
        await self.call(C.SET_RELAY_STATE, {"state": int(on)})
        key = "relay_state" if "relay_state" in self.device.sysinfo else "state"
        self.device.sysinfo[key] = int(on)

    def features(self) -> list[Feature]:
        """``state`` (the switch) and ``on_since``."""
        features = [
            Feature(
                device=self.device, id="state", name="State", type=FeatureType.SWITCH,
                category=FeatureCategory.PRIMARY, getter=lambda: self.is_on, setter=self.set,
            )
        ]  # fmt: skip
        if "on_time" in self.device.sysinfo:
            features.append(
                Feature(
                    device=self.device, id="on_since", name="On since", type=FeatureType.SENSOR,
                    category=FeatureCategory.INFO, getter=lambda: self.on_since,
                )
            )  # fmt: skip
        return features


class StripRelay(Relay):
    """A whole strip: on when any outlet is; switching it switches every outlet at once."""

    @property
    def is_on(self) -> bool:
        """Whether any outlet is on."""
        return any(child.get("state") for child in self.device.sysinfo.get("children") or [])

    @property
    def on_since(self) -> dt.datetime | None:
        """A strip has no time of its own (each outlet has)."""
        return None

    async def set(self, on: bool) -> None:
        """Switch every outlet (without a context, ``set_relay_state`` means the whole strip)."""
        await self.call(C.SET_RELAY_STATE, {"state": int(on)})
        for child in self.device.sysinfo.get("children") or []:
            child["state"] = int(on)

    def features(self) -> list[Feature]:
        """``state`` only: "on" means any outlet is."""
        return [f for f in super().features() if f.id == "state"]
