"""The SMART modules: on/off, light, energy, LED, clock and hub sensor readings.

Each is the IOT module of the same capability (same features, ids and units) over SMART methods:
``set_device_info`` switches and colours, ``get_energy_usage``/``get_current_power``/
``get_emeter_data`` meter, ``get_led_info`` and ``get_device_time`` read the LED and the clock.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from kasacloud.client import errors as E
from kasacloud.client.devices.feature import Feature, FeatureCategory, FeatureType
from kasacloud.client.devices.modules.base import Module
from kasacloud.client.devices.modules.energy import Energy
from kasacloud.client.devices.modules.led import Led
from kasacloud.client.devices.modules.light import Light, LightStripLight
from kasacloud.client.devices.modules.relay import Relay, StripRelay
from kasacloud.client.devices.modules.smart.base import SmartModule
from kasacloud.client.devices.modules.time import Time
from kasacloud.client.energy import EnergyDay, EnergyMonth, EnergyReading
from kasacloud.protocol import assumptions, smart

if TYPE_CHECKING:
    from kasacloud.client.devices.device import Device

SET_DEVICE_INFO = "set_device_info"


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class SmartRelay(SmartModule, Relay):
    """On/off: ``device_on`` in the device info, switched with ``set_device_info``."""

    @property
    def is_on(self) -> bool:
        """Whether the device is on."""
        return bool(self.device.sysinfo.get("device_on"))

    async def set(self, on: bool) -> None:
        """Switch on or off."""
        await self.call(SET_DEVICE_INFO, {"device_on": bool(on)})
        self.device.sysinfo["device_on"] = bool(on)


class SmartStripRelay(SmartModule, StripRelay):
    """A SMART strip: on when any child is; switching it switches every child in one request."""

    @property
    def is_on(self) -> bool:
        """Whether any child is on."""
        return any(c.sysinfo.get("device_on") for c in getattr(self.device, "children", ()))

    async def set(self, on: bool) -> None:
        """Switch every child: one ``multipleRequest`` of ``control_child`` calls."""
        children = [c for c in getattr(self.device, "children", ()) if "device_on" in c.sysinfo]
        await self.device.smart_children_call(
            [(c.device_id, SET_DEVICE_INFO, {"device_on": bool(on)}) for c in children]
        )
        for child in children:
            child.sysinfo["device_on"] = bool(on)


_LIGHT_KEYS = {"brightness": "brightness", "hue": "hue", "saturation": "saturation"}


class SmartLight(SmartModule, Light):
    """A SMART light (bulbs, light strips, dimmers): capabilities from ``component_nego``.

    ``brightness``, ``color`` and ``color_temperature`` components say what it can do; the range
    of colour temperatures is the device's ``color_temp_range``. Changes are ``set_device_info``;
    the cloud path takes no transitions.
    """

    supports_transitions = False

    @property
    def state(self) -> dict[str, Any]:
        """The light state in the IOT shape (``on_off``, ``brightness``, ``hue``...)."""
        info = self.device.sysinfo
        state: dict[str, Any] = {"on_off": int(bool(info.get("device_on")))}
        for key in ("brightness", "hue", "saturation", "color_temp"):
            if key in info:
                state[key] = info[key]
        return state

    @property
    def is_on(self) -> bool:
        """Whether the light is on."""
        return bool(self.device.sysinfo.get("device_on"))

    @property
    def is_dimmable(self) -> bool:
        """Component ``brightness`` (light strips dim too)."""
        return self.device.has_component("brightness") or self.device.has_component("light_strip")

    @property
    def is_color(self) -> bool:
        """Component ``color``."""
        return self.device.has_component("color")

    @property
    def is_variable_color_temp(self) -> bool:
        """Component ``color_temperature`` with a range (an L900's ``[9000, 9000]`` is none)."""
        if not self.device.has_component("color_temperature"):
            return False
        rng = self.device.sysinfo.get("color_temp_range")
        return not (isinstance(rng, list) and len(rng) >= 2 and rng[0] >= rng[1])

    @property
    def color_temp_range_k(self) -> tuple[int, int] | None:
        """The device's ``color_temp_range`` (or the usual one when it does not say)."""
        if not self.is_variable_color_temp:
            return None
        rng = self.device.sysinfo.get("color_temp_range")
        if isinstance(rng, list) and len(rng) >= 2 and all(isinstance(v, int) for v in rng[:2]):
            return int(rng[0]), int(rng[1])
        return assumptions.SMART_DEFAULT_COLOR_TEMP_RANGE_K

    async def set_state(self, state: dict[str, Any]) -> dict[str, Any]:
        """Send a light state (IOT keys, or SMART ``device_on``...) as ``set_device_info``."""
        if state.get("transition_period") is not None:
            # The SMART vocabulary has no per-change fade (python-kasa's SMART light ignores
            # one); the device's own gradual on/off is a setting, offered as features.
            fade = self.device.modules.get(Module.GradualOnOff)
            hint = (
                " (its own fade when it switches is a setting: the feature 'gradual_on_off',"
                " or 'fade_on_s' and 'fade_off_s')"
                if fade is not None and fade.supported is not False
                else ""
            )
            raise E.InvalidArgumentError(
                f"{self.device.alias!r} ({self.device.model}) changes at once through the cloud:"
                f" leave out the transition{hint}"
            )
        params: dict[str, Any] = {}
        for key, value in state.items():
            if key in ("on_off", "device_on"):
                params["device_on"] = bool(value)
            elif key in _LIGHT_KEYS or key == "color_temp":
                params[key] = value
        if "color_temp" in params and not self.is_variable_color_temp:
            params.pop("color_temp")
        await self.call(SET_DEVICE_INFO, params)
        self.device.sysinfo.update(params)
        return self.state

    def features(self) -> list[Feature]:
        """As a bulb's (a dimmer's ``state`` comes from its relay, either is the same)."""
        return super().features()


class SmartLightStripLight(SmartLight, LightStripLight):
    """A SMART light strip: a colour light with effects (``set_lighting_effect``)."""

    def __init__(self, device: Device, wire_name: str) -> None:
        super().__init__(device, wire_name)
        self.effect: dict[str, Any] = {}
        """The effect from the last update (``enable``, ``name``...)."""

    def requests(self) -> list[dict[str, Any]]:
        """The current effect, when the strip has effects."""
        if self.device.has_component("light_strip_lighting_effect"):
            return [{"method": "get_lighting_effect"}]
        return []

    def absorb_result(self, method: str, result: dict[str, Any]) -> None:
        """Keep the effect."""
        self.effect = result

    async def set_effect(self, effect: dict[str, Any]) -> None:
        """Start (``enable: 1``, the effect's fields) or stop (``enable: 0``) an effect."""
        await self.call("set_lighting_effect", effect)
        self.effect = {**self.effect, **effect}


class SmartEnergy(SmartModule, Energy):
    """The SMART meter, in the units of every meter (W, V, A, kWh).

    ``get_energy_usage`` gives today's and this month's Wh, ``get_current_power`` the power in W
    (``get_energy_usage``'s own ``current_power`` is mW), ``get_emeter_data`` (where the device
    has it) voltage, current and the lifetime total. History is ``get_energy_data``.
    """

    def __init__(self, device: Device, wire_name: str) -> None:
        super().__init__(device, wire_name)
        self._power_w: float | None = None
        self._emeter: dict[str, Any] | None = None
        self._has_emeter: bool | None = None
        self._has_current_power: bool | None = None

    @property
    def measures_electrical(self) -> bool:
        """Whether the device answered ``get_emeter_data`` (voltage, current, total)."""
        return bool(self._has_emeter)

    def requests(self) -> list[dict[str, Any]]:
        """Usage, the power now, and the meter data while the device may have it."""
        reads = [{"method": "get_energy_usage"}]
        if self._has_current_power is not False:
            reads.append({"method": "get_current_power"})
        if self._has_emeter is not False:
            reads.append({"method": "get_emeter_data"})
        return reads

    def absorb_answer(self, method: str, code: int, result: Mapping[str, Any]) -> None:
        """An optional read the device lacks is dropped; the module stays."""
        if method == "get_emeter_data":
            self._has_emeter = code == 0
        elif method == "get_current_power":
            self._has_current_power = code == 0
        if code != 0 and method != "get_energy_usage":
            return
        super().absorb_answer(method, code, result)
        if method == "get_energy_usage" or (method == "get_emeter_data" and code == 0):
            self._reading()

    def absorb_result(self, method: str, result: dict[str, Any]) -> None:
        """Keep today's and this month's energy, the power, the meter data."""
        if method == "get_energy_usage":
            today, month = _number(result.get("today_energy")), _number(result.get("month_energy"))
            self.today_kwh = today / 1000 if today is not None else None
            self.month_kwh = month / 1000 if month is not None else None
            power_mw = _number(result.get("current_power"))
            if self._has_current_power is not True and power_mw is not None:
                self._power_w = power_mw / 1000
        elif method == "get_current_power":
            self._power_w = _number(result.get("current_power"))
        elif method == "get_emeter_data":
            self._emeter = result
        self._reading()

    def _reading(self) -> None:
        meter = self._emeter or {}
        power = self._power_w
        if power is None and _number(meter.get("power_mw")) is not None:
            power = float(meter["power_mw"]) / 1000
        self.realtime = EnergyReading(
            power_w=power,
            voltage_v=_milli(meter.get("voltage_mv")),
            current_a=_milli(meter.get("current_ma")),
            total_kwh=_milli(meter.get("energy_wh")),
            raw={"current_power_w": self._power_w, **meter},
        )

    async def get_realtime(self) -> EnergyReading:
        """Read the meter now (one request)."""
        answers = await self.device.smart_batch(self.requests())
        for method, code, result in answers:
            self.absorb_answer(method, code, result)
        assert self.realtime is not None
        return self.realtime

    def _utc_offset_s(self) -> int:
        diff = _number(self.device.sysinfo.get("time_diff"))
        return int(diff * 60) if diff is not None else 0

    def _local_midnight(self, day: dt.date) -> int:
        """The Unix time of the device's local midnight starting ``day``."""
        return calendar.timegm(day.timetuple()) - self._utc_offset_s()

    async def _energy_data(self, start: dt.date, end: dt.date, interval: int) -> list[float]:
        result = await self.call(
            "get_energy_data",
            {
                "start_timestamp": self._local_midnight(start),
                "end_timestamp": self._local_midnight(end) - 1,
                "interval": interval,
            },
        )
        return [float(v) for v in result.get("data") or [] if _number(v) is not None]

    async def get_daily(self, year: int | None = None, month: int | None = None) -> list[EnergyDay]:
        """Energy per day of ``year``-``month`` (default: the device's month), up to today."""
        today = self._today()
        year, month = year or today.year, month or today.month
        first = dt.date(year, month, 1)
        after = dt.date(year + month // 12, month % 12 + 1, 1)
        end = min(after, today + dt.timedelta(days=1))
        if end <= first:
            return []
        values = await self._energy_data(first, end, 1440)
        return [
            EnergyDay(first + dt.timedelta(days=i), wh / 1000, {"energy_wh": wh})
            for i, wh in enumerate(values)
        ]

    async def get_monthly(self, year: int | None = None) -> list[EnergyMonth]:
        """Energy per month of ``year`` (default: the device's year), up to this month."""
        today = self._today()
        year = year or today.year
        first = dt.date(year, 1, 1)
        end = min(dt.date(year + 1, 1, 1), today + dt.timedelta(days=1))
        if end <= first:
            return []
        values = await self._energy_data(first, end, 43200)
        return [
            EnergyMonth(year, i + 1, wh / 1000, {"energy_wh": wh}) for i, wh in enumerate(values)
        ]

    async def erase_stats(self) -> None:
        """SMART meters offer no erase over the cloud."""
        raise E.InvalidArgumentError(
            f"{self.device.alias!r} ({self.device.model}) keeps its energy history: SMART meters "
            "have no erase"
        )


def _milli(value: object) -> float | None:
    number = _number(value)
    return number / 1000 if number is not None else None


class SmartLed(SmartModule, Led):
    """The status LED: ``led_rule`` ``always``/``never`` (``auto``: lit by night mode)."""

    def __init__(self, device: Device, wire_name: str) -> None:
        super().__init__(device, wire_name)
        self.info: dict[str, Any] = {}
        """The last ``get_led_info``."""

    def requests(self) -> list[dict[str, Any]]:
        """``get_led_info``."""
        return [{"method": "get_led_info"}]

    def absorb_result(self, method: str, result: dict[str, Any]) -> None:
        """Keep the LED rule."""
        self.info = result

    @property
    def is_on(self) -> bool:
        """Whether the LED is on (any rule but ``never``)."""
        return bool(self.info.get("led_rule", "always") != "never")

    async def set(self, on: bool) -> None:
        """Light (``always``) or darken (``never``) the LED."""
        rule = "always" if on else "never"
        await self.call("set_led_info", {"led_rule": rule})
        self.info = {**self.info, "led_rule": rule}


class SmartTime(SmartModule, Time):
    """The clock: ``get_device_time`` (Unix time and the zone's offset in minutes)."""

    def requests(self) -> list[dict[str, Any]]:
        """``get_device_time``."""
        return [{"method": "get_device_time"}]

    def absorb_result(self, method: str, result: dict[str, Any]) -> None:
        """Keep the local time (naive, on the device's clock)."""
        stamp, diff = _number(result.get("timestamp")), _number(result.get("time_diff"))
        if stamp is None:
            self.time = None
            return
        local = stamp + (diff or 0) * 60
        self.time = dt.datetime.fromtimestamp(local, dt.UTC).replace(tzinfo=None)

    async def get_time(self) -> dt.datetime | None:
        """Read the clock now."""
        self.absorb_result("get_device_time", await self.call("get_device_time"))
        return self.time

    async def get_timezone(self) -> dict[str, Any]:
        """The zone (``region``) and offset (``time_diff``, minutes)."""
        result = await self.call("get_device_time")
        return {k: result[k] for k in ("region", "time_diff") if k in result}


_READINGS: tuple[tuple[str, str, str, FeatureType, str | None, str | None], ...] = (
    # (feature id, name, device info key, type, unit, the component that says it is there)
    ("temperature", "Temperature", "current_temp", FeatureType.SENSOR, "°C", "temperature"),
    ("humidity", "Humidity", "current_humidity", FeatureType.SENSOR, "%", "humidity"),
    ("is_open", "Open", "open", FeatureType.BINARY_SENSOR, None, None),
    ("motion_detected", "Motion detected", "detected", FeatureType.BINARY_SENSOR, None, None),
    ("battery_low", "Battery low", "at_low_battery", FeatureType.BINARY_SENSOR, None, None),
    ("battery_level", "Battery", "battery_percentage", FeatureType.SENSOR, "%", None),
    ("target_temperature", "Target temperature", "target_temp", FeatureType.SENSOR, "°C", None),
)


class SmartSensor(SmartModule, Module):
    """A hub child's readings, from its device info (the hub's child list carries them).

    Which readings there are follows the structure of the child's info and components: a
    ``temperature`` component and ``current_temp`` make ``temperature``; ``open`` makes
    ``is_open`` (contact sensors); ``detected`` makes ``motion_detected``; ``at_low_battery``
    makes ``battery_low``.
    """

    key = Module.Sensor

    def reading(self, info_key: str) -> Any:
        """The current value of one device-info reading."""
        value = self.device.sysinfo.get(info_key)
        if isinstance(value, bool):
            return value
        return _number(value) if value is not None else None

    def _getter(self, info_key: str) -> Callable[[], Any]:
        return lambda: self.reading(info_key)

    def features(self) -> list[Feature]:
        """One feature per reading the child reports (a thermostat's target is settable)."""
        info = self.device.sysinfo
        features = []
        for fid, name, info_key, ftype, unit, component in _READINGS:
            if info_key not in info or (component and not self.device.has_component(component)):
                continue
            if fid == "target_temperature" and self.device.has_component("temp_control"):
                features.append(self._target_feature())
                continue
            features.append(
                Feature(
                    device=self.device, id=fid, name=name, type=ftype,
                    category=FeatureCategory.PRIMARY if fid in _PRIMARY else FeatureCategory.INFO,
                    unit=unit, precision=1 if unit == "°C" else None,
                    getter=self._getter(info_key),
                )
            )  # fmt: skip
        return features

    def _target_feature(self) -> Feature:
        """A radiator valve's (KE100) target temperature, within its ``min/max_control_temp``."""
        info = self.device.sysinfo
        low = _number(info.get("min_control_temp"))
        high = _number(info.get("max_control_temp"))
        return Feature(
            device=self.device, id="target_temperature", name="Target temperature",
            type=FeatureType.NUMBER, category=FeatureCategory.PRIMARY, unit="°C",
            minimum=low if low is not None else assumptions.SMART_TARGET_TEMP_RANGE_C[0],
            maximum=high if high is not None else assumptions.SMART_TARGET_TEMP_RANGE_C[1],
            step=assumptions.SMART_TARGET_TEMP_STEP_C, precision=1,
            getter=self._getter("target_temp"), setter=self.set_target_temperature,
        )  # fmt: skip

    async def set_target_temperature(self, celsius: float) -> None:
        """Set a thermostat's target (``set_device_info`` ``target_temp``, °C)."""
        await self.call(SET_DEVICE_INFO, {"target_temp": float(celsius)})
        self.device.sysinfo["target_temp"] = float(celsius)


class SmartGradualOnOff(SmartModule, Module):
    """The device's own fade when it switches (component ``on_off_gradually``).

    Not a per-change transition (the SMART vocabulary has none: ``transition_ms`` is refused):
    a setting the device keeps and applies to every switch, from the app, the button or a rule.
    Version 1 is one switch (``{"enable"}``); later ones have an ``on_state`` and an
    ``off_state``, each ``{enable, duration (s), max_duration}``.
    """

    key = Module.GradualOnOff

    def __init__(self, device: Device, wire_name: str) -> None:
        super().__init__(device, wire_name)
        self.info: dict[str, Any] = {}
        """The last ``get_on_off_gradually_info``."""

    def requests(self) -> list[dict[str, Any]]:
        """``get_on_off_gradually_info``."""
        return [{"method": "get_on_off_gradually_info"}]

    def absorb_result(self, method: str, result: dict[str, Any]) -> None:
        """Keep the setting."""
        self.info = result

    def seconds(self, which: str) -> int | None:
        """The fade of ``on_state``/``off_state`` in seconds; 0 when it is off."""
        state = self.info.get(which)
        if not isinstance(state, dict):
            return None
        duration = state.get("duration")
        if not state.get("enable") or not isinstance(duration, int):
            return 0
        return duration

    async def set_seconds(self, which: str, seconds: int) -> None:
        """Fade ``which`` (``on_state``/``off_state``) over ``seconds`` (0: switch at once)."""
        state = dict(self.info.get(which) or {})
        state["enable"] = seconds > 0
        if seconds > 0:
            state["duration"] = int(seconds)
        await self.call("set_on_off_gradually_info", {which: state})
        self.info = {**self.info, which: state}

    async def set_enabled(self, on: bool) -> None:
        """Version 1: fade or not."""
        await self.call("set_on_off_gradually_info", {"enable": bool(on)})
        self.info = {**self.info, "enable": bool(on)}

    def _limit(self, which: str) -> int:
        state = self.info.get(which)
        most = state.get("max_duration") if isinstance(state, dict) else None
        return most if isinstance(most, int) and most > 0 else assumptions.SMART_FADE_MAX_S

    def features(self) -> list[Feature]:
        """``fade_on_s``/``fade_off_s`` (seconds, 0 off), or ``gradual_on_off`` (version 1)."""
        if not self.info:
            return []  # read on the first update
        if "on_state" not in self.info and "off_state" not in self.info:
            return [
                Feature(
                    device=self.device, id="gradual_on_off", name="Gradual on/off",
                    type=FeatureType.SWITCH, category=FeatureCategory.CONFIG,
                    getter=lambda: bool(self.info.get("enable")), setter=self.set_enabled,
                )
            ]  # fmt: skip
        features = []
        for which, fid, name in (
            ("on_state", "fade_on_s", "Fade on"),
            ("off_state", "fade_off_s", "Fade off"),
        ):
            if which not in self.info:
                continue
            features.append(
                Feature(
                    device=self.device, id=fid, name=name, type=FeatureType.NUMBER,
                    category=FeatureCategory.CONFIG, unit="s", minimum=0,
                    maximum=self._limit(which), step=1,
                    getter=functools.partial(self.seconds, which),
                    setter=functools.partial(self.set_seconds, which),
                )
            )  # fmt: skip
        return features


class SmartFan(SmartModule, Module):
    """A fan (a KS240's fan gang): speed and sleep mode in its device info (``fan_control``)."""

    key = Module.Fan

    @property
    def speed(self) -> int | None:
        """``fan_speed_level`` (1 slowest)."""
        value = self.device.sysinfo.get("fan_speed_level")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    async def set_speed(self, level: int) -> None:
        """Set the speed (``set_device_info`` ``fan_speed_level``)."""
        await self.call(SET_DEVICE_INFO, {"fan_speed_level": int(level)})
        self.device.sysinfo["fan_speed_level"] = int(level)

    async def set_sleep_mode(self, on: bool) -> None:
        """Quiet night running (``fan_sleep_mode_on``)."""
        await self.call(SET_DEVICE_INFO, {"fan_sleep_mode_on": bool(on)})
        self.device.sysinfo["fan_sleep_mode_on"] = bool(on)

    def features(self) -> list[Feature]:
        """``fan_speed`` (and ``fan_sleep_mode`` where the fan reports it)."""
        info = self.device.sysinfo
        if "fan_speed_level" not in info:
            return []  # a device with the component but no fan of its own (the KS240 itself)
        low, high = assumptions.SMART_FAN_SPEED_LEVELS
        features = [
            Feature(
                device=self.device, id="fan_speed", name="Fan speed", type=FeatureType.NUMBER,
                category=FeatureCategory.PRIMARY, minimum=low, maximum=high, step=1,
                getter=lambda: self.speed, setter=self.set_speed,
            )
        ]  # fmt: skip
        if "fan_sleep_mode_on" in info:
            features.append(
                Feature(
                    device=self.device, id="fan_sleep_mode", name="Fan sleep mode",
                    type=FeatureType.SWITCH, category=FeatureCategory.CONFIG,
                    getter=lambda: bool(info.get("fan_sleep_mode_on")),
                    setter=self.set_sleep_mode,
                )
            )  # fmt: skip
        return features


_PRIMARY = frozenset({"temperature", "humidity", "is_open", "motion_detected"})


def nickname(info: Mapping[str, Any]) -> str:
    """The device's name from its base64 ``nickname`` (as it is when not base64)."""
    raw = info.get("nickname")
    if not isinstance(raw, str):
        return ""
    return smart.decode_text(raw) or raw
