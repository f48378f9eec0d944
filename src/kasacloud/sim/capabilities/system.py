"""The ``system`` module: ``get_sysinfo``, the LED, the alias, reboot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from kasacloud.protocol import commands, families
from kasacloud.sim.capabilities.base import (
    Call,
    Capability,
    Handler,
    JsonDict,
    invalid,
    require_int,
)
from kasacloud.sim.capabilities.outlets import OutletsCapability
from kasacloud.sim.history import unit_noise

MAX_REBOOT_DELAY_S: Final = 3600


class SystemCapability(Capability):
    """The system module: sysinfo, LED, alias, reboot and reset.

    ``get_sysinfo`` is the profile's template with this device's ids and every capability's
    fields.

    Bulbs answer ``get_sysinfo`` under ``system`` and the setters under
    ``smartlife.iot.common.system`` as well (that is where python-kasa sends them).
    """

    key = "system"

    def routes(self) -> Mapping[str, Mapping[str, Handler]]:
        """Methods of the system module(s)."""
        setters: dict[str, Handler] = {
            commands.SET_DEV_ALIAS: self.set_dev_alias,
            commands.REBOOT: self.reboot,
            commands.RESET: self.reset,
        }
        if "led_off" in self.profile.sysinfo:
            setters[commands.SET_LED_OFF] = self.set_led_off
        routes: dict[str, dict[str, Handler]] = {
            commands.SYSTEM: {commands.GET_SYSINFO: self.get_sysinfo, **setters}
        }
        if self.profile.is_light:
            routes[commands.BULB_SYSTEM] = dict(setters)
        return routes

    def get_sysinfo(self, params: JsonDict, call: Call) -> JsonDict:
        """The device's system information."""
        device = self.device
        info = self.profile.sysinfo_template()
        info["deviceId"] = device.device_id
        for key, value in (
            ("hwId", device.hw_id),
            ("oemId", device.oem_id),
            ("fwId", device.fw_id),
        ):
            if key in info:
                info[key] = value
        for key in ("mac", "mic_mac"):
            if key in info:
                info[key] = device.mac
        info["alias"] = device.alias
        if "led_off" in info:
            info["led_off"] = device.led_off
        if isinstance(info.get("rssi"), int):
            # Signal strength wanders a little from minute to minute, as on a real network.
            minute = int(call.now_s // 60)
            info["rssi"] = int(info["rssi"] + round(3 * unit_noise(device.device_id, minute)))
        if "next_action" in info:
            info["next_action"] = device.next_action(None, call.now_s)
        if "active_mode" in info:
            info["active_mode"] = device.active_mode(call.now_s)
        for capability in device.sysinfo_contributors():
            if capability is not self:
                capability.contribute_sysinfo(info, call.now_s)
        return info

    def set_led_off(self, params: JsonDict, call: Call) -> JsonDict:
        """Turn the status LED off (``off`` 1) or on (``off`` 0)."""
        off = require_int(params, "off", 0, 1)
        if off != self.device.led_off:
            self.device.led_off = off
            self.device.touch()
        return {}

    def set_dev_alias(self, params: JsonDict, call: Call) -> JsonDict:
        """Rename the device, or with a context, its outlets."""
        alias = params.get("alias")
        problem = families.alias_problem(alias)
        if problem is not None or not isinstance(alias, str):
            raise invalid(problem or "alias must be text")
        if call.children is not None:
            outlets = self.device.capabilities.get("outlets")
            if not isinstance(outlets, OutletsCapability):
                raise invalid("this device has no outlets")
            for index in call.children:
                outlets.outlets[index].alias = alias
        else:
            self.device.alias = alias
        self.device.touch()
        return {}

    def reboot(self, params: JsonDict, call: Call) -> JsonDict:
        """Answer, then go offline after ``delay`` seconds for the boot time."""
        delay_s = require_int(params, "delay", 0, MAX_REBOOT_DELAY_S) if "delay" in params else 1
        self.device.reboot(delay_s, call.now_s)
        self.device.touch()
        return {}

    def reset(self, params: JsonDict, call: Call) -> JsonDict:
        """Factory reset, simulated as a reboot.

        A device that really forgot its cloud binding would vanish from the account, which the
        server does not model.
        """
        return self.reboot(params, call)
