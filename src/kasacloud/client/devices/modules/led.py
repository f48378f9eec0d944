"""The status LED of plugs and switches: ``system.set_led_off`` (1 = LED off)."""

from __future__ import annotations

from kasacloud.client.devices.feature import Feature, FeatureCategory, FeatureType
from kasacloud.client.devices.modules.base import Module
from kasacloud.protocol import commands as C


class Led(Module):
    """The device's status LED."""

    key = Module.Led

    @property
    def is_on(self) -> bool:
        """Whether the LED is lit (sysinfo ``led_off`` is the inverse)."""
        return not self.device.sysinfo.get("led_off", 0)

    async def set(self, on: bool) -> None:
        """Light or darken the LED."""
        await self.call(C.SET_LED_OFF, {"off": int(not on)})
        self.device.sysinfo["led_off"] = int(not on)

    def features(self) -> list[Feature]:
        """``led``: a setting."""
        return [
            Feature(
                device=self.device, id="led", name="Status LED", type=FeatureType.SWITCH,
                category=FeatureCategory.CONFIG, getter=lambda: self.is_on, setter=self.set,
            )
        ]  # fmt: skip
