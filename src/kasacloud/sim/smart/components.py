"""The methods of a SMART node, one small class per component of ``component_nego``.

Each component class names the component id it serves and the methods it answers; a node answers
the methods of the components it lists, and, beyond those, every other ``get_*`` its capture holds
(from the capture: firmware, wireless scan, cloud state ...) and the ``set_*`` twin of such a
``get_*`` (merged into that answer). Anything else is -1002, the device's "unknown method"; a
known method with unusable params is -1008.

Rules act on the simulated clock: countdowns when their delay runs out, schedules at their
minute on their days, away rules at deterministic moments inside their window (see
:mod:`.timing`). Limits: ``set_device_time`` keeps the zone and offset, the clock stays the
simulated one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, ClassVar, Final

from kasacloud.protocol import assumptions, families, smart
from kasacloud.protocol.smart import SmartErrorCode
from kasacloud.sim.smart import sensors, timing
from kasacloud.sim.smart.errors import SmartDeviceError

if TYPE_CHECKING:
    from kasacloud.sim.smart.device import SmartNode

JsonDict = dict[str, Any]
Handler = Callable[[JsonDict], Any]

MAX_NICKNAME_CHARS: Final = families.ALIAS_MAX_CHARS
"""The longest nickname accepted (decoded): the one alias limit of client, server and sim."""
ENERGY_DATA_MAX_POINTS: Final = assumptions.SMART_ENERGY_DATA_MAX_POINTS
"""The most intervals one ``get_energy_data`` answers (see protocol/assumptions.py)."""
MS_THRESHOLD: Final = 10**11
"""``get_energy_data`` timestamps above this are milliseconds (PROTOCOL.md marks the unit [U])."""


def _error(code: SmartErrorCode) -> Exception:
    return SmartDeviceError(code)


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise _error(SmartErrorCode.PARAMS_ERROR)
    return value


def _int(value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _error(SmartErrorCode.PARAMS_ERROR)
    return value


# --- rules ----------------------------------------------------------------------------------


class RuleTables:
    """Schedule, countdown and away rules of one node, with their captured table headers."""

    KINDS: ClassVar[dict[str, tuple[str, str]]] = {
        # kind: (the get_* method, the max-count key)
        "schedule": ("get_schedule_rules", "schedule_rule_max_count"),
        "countdown": ("get_countdown_rules", "countdown_rule_max_count"),
        "antitheft": ("get_antitheft_rules", "antitheft_rule_max_count"),
    }

    def __init__(self, tables: dict[str, JsonDict], next_id: int = 1) -> None:
        self.tables = tables
        self.next_id = next_id

    @classmethod
    def from_templates(cls, templates: Mapping[str, Any]) -> RuleTables:
        """The captured tables (or empty ones with a default size)."""
        tables: dict[str, JsonDict] = {}
        for kind, (method, max_key) in cls.KINDS.items():
            captured = templates.get(method)
            table = copy.deepcopy(dict(captured)) if isinstance(captured, Mapping) else {}
            table.setdefault("enable", False)
            table.setdefault("rule_list", [])
            table.setdefault(max_key, 32 if kind == "schedule" else 1)
            tables[kind] = table
        return cls(tables)

    @classmethod
    def restore(cls, state: Mapping[str, Any], templates: Mapping[str, Any]) -> RuleTables:
        """Rebuild from :meth:`snapshot`."""
        fresh = cls.from_templates(templates)
        for kind, table in (state.get("tables") or {}).items():
            if kind in fresh.tables and isinstance(table, Mapping):
                fresh.tables[kind] = copy.deepcopy(dict(table))
        fresh.next_id = int(state.get("next_id") or 1)
        return fresh

    def snapshot(self) -> JsonDict:
        """JSON-ready state."""
        return {"tables": copy.deepcopy(self.tables), "next_id": self.next_id}

    def rules(self, kind: str) -> list[JsonDict]:
        """The rule list of ``kind``."""
        found: list[JsonDict] = self.tables[kind]["rule_list"]
        return found

    def add(self, kind: str, params: JsonDict, now_s: float) -> JsonDict:
        """Add a rule; -1008 without params, the kind's error when the table is full."""
        if not params:
            raise _error(SmartErrorCode.PARAMS_ERROR)
        table = self.tables[kind]
        limit = int(table[self.KINDS[kind][1]])
        if len(self.rules(kind)) >= limit:
            raise _error(_FULL[kind])
        if kind != "countdown" and not timing.check_rule(
            params, away=kind == "antitheft", partial=False
        ):
            raise _error(SmartErrorCode.PARAMS_ERROR)
        rule = dict(params)
        prefix = {"schedule": "S", "countdown": "C", "antitheft": "A"}[kind]
        rule["id"] = f"{prefix}{self.next_id}"
        self.next_id += 1
        if kind == "countdown":
            delay = _int(rule.get("delay"), 1, 86_400 * 7)
            rule.setdefault("enable", True)
            rule["remain"] = delay
            rule["_due_s"] = now_s + delay
        self.rules(kind).append(rule)
        table["enable"] = True
        return {"id": rule["id"]}

    def edit(self, kind: str, params: JsonDict, now_s: float) -> None:
        """Change the rule named by ``params["id"]``; -1008 for an unknown id."""
        rule = next((r for r in self.rules(kind) if r.get("id") == params.get("id")), None)
        if rule is None:
            raise _error(SmartErrorCode.PARAMS_ERROR)
        if kind != "countdown" and not timing.check_rule(
            params, away=kind == "antitheft", partial=True
        ):
            raise _error(SmartErrorCode.PARAMS_ERROR)
        rule.update({k: v for k, v in params.items() if k != "id"})
        if kind == "countdown":
            delay = _int(rule.get("delay"), 1, 86_400 * 7)
            if rule.get("enable", True):
                rule["remain"] = delay
                rule["_due_s"] = now_s + delay
            else:
                rule.pop("_due_s", None)

    def remove(self, kind: str, params: JsonDict) -> None:
        """``{"remove_all": true}`` or ``{"rule_list": [{"id": ...}]}``."""
        if params.get("remove_all"):
            self.rules(kind).clear()
            return
        ids = params.get("rule_list")
        if not isinstance(ids, list):
            raise _error(SmartErrorCode.PARAMS_ERROR)
        wanted = {i.get("id") if isinstance(i, Mapping) else i for i in ids}
        self.tables[kind]["rule_list"] = [r for r in self.rules(kind) if r.get("id") not in wanted]

    def listing(self, kind: str, now_s: float, params: JsonDict) -> JsonDict:
        """The ``get_*_rules`` answer: the captured header, live rules, paged from start_index."""
        table = copy.deepcopy(self.tables[kind])
        rules = []
        for rule in table["rule_list"]:
            due = rule.pop("_due_s", None)
            if kind == "countdown":
                rule["remain"] = max(0, int(due - now_s + 0.999)) if due is not None else 0
            rules.append(rule)
        start = params.get("start_index", 0)
        start = start if isinstance(start, int) and start >= 0 else 0
        table["rule_list"] = rules[start : start + 10] if kind == "schedule" else rules
        if "sum" in table or kind == "schedule":
            table["sum"] = len(rules)
        if "start_index" in table or kind == "schedule":
            table["start_index"] = start
        return table

    def next_countdown(self, after_s: float) -> tuple[float, JsonDict] | None:
        """The next enabled countdown due after ``after_s``, with its rule."""
        due = [
            (float(r["_due_s"]), r)
            for r in self.rules("countdown")
            if r.get("enable", True) and isinstance(r.get("_due_s"), int | float)
        ]
        return min(due, key=lambda d: d[0]) if due else None

    def next_timed(self, after_s: float, tz: tzinfo) -> timing.Action | None:
        """The next schedule or away action after ``after_s`` (an off table acts on nothing)."""
        found = [
            timing.next_action(self.rules(kind), away=kind == "antitheft", after_s=after_s, tz=tz)
            for kind in ("schedule", "antitheft")
            if self.tables[kind].get("enable", True)
        ]
        actions = [a for a in found if a is not None]
        return min(actions, key=lambda a: a.at_s) if actions else None

    def fire_countdown(self, rule: JsonDict) -> None:
        """A countdown that ran out stays listed, disabled (as the devices keep it)."""
        rule.pop("_due_s", None)
        rule["enable"] = False
        rule["remain"] = 0


_FULL: Final = {
    "schedule": SmartErrorCode.SCHEDULE_FULL,
    "countdown": SmartErrorCode.COUNTDOWN_ERROR,
    "antitheft": SmartErrorCode.ANTITHEFT_ERROR,
}


# --- components -----------------------------------------------------------------------------


class Component:
    """The methods one component gives a node."""

    component_id: ClassVar[str]

    def __init__(self, node: SmartNode) -> None:
        self.node = node

    @property
    def now_s(self) -> float:
        """The simulated time."""
        return self.node.clock.now()

    def methods(self) -> dict[str, Handler]:
        """Method name -> handler."""
        raise NotImplementedError


class DeviceComponent(Component):
    """``device``: device info (with its live state), ``set_device_info``, usage."""

    component_id = "device"

    def methods(self) -> dict[str, Handler]:
        """get/set_device_info, get_device_usage."""
        found: dict[str, Handler] = {
            "get_device_info": self.get_device_info,
            "set_device_info": self.set_device_info,
        }
        if "get_device_usage" in self.node.templates or self.node.switchable:
            found["get_device_usage"] = self.get_device_usage
        return found

    def get_device_info(self, params: JsonDict) -> JsonDict:
        """The live info: on/off, on_time, light state, sensor readings."""
        node = self.node
        info = copy.deepcopy(node.info)
        now_s = self.now_s
        if "on_time" in info:
            info["on_time"] = int(now_s - node.on_since_s) if node.on_since_s is not None else 0
        sensor_readings(node, info, now_s)
        effect = node.templates.get("get_lighting_effect")
        if "lighting_effect" in info and isinstance(effect, dict):
            info["lighting_effect"] = {
                k: effect.get(k, v) for k, v in info["lighting_effect"].items()
            }
        return info

    def set_device_info(self, params: JsonDict) -> None:
        """On/off, brightness, colour, colour temperature, nickname, fan; -1008 for bad values."""
        node = self.node
        if not params:
            raise _error(SmartErrorCode.PARAMS_ERROR)
        changes: JsonDict = {}
        for key, value in params.items():
            changes.update(self._checked(key, value))
        now_s = self.now_s
        if "device_on" in changes:
            node.set_on(bool(changes.pop("device_on")), now_s)
        if "hue" in changes or "saturation" in changes:
            changes.setdefault("color_temp", 0)  # a colour leaves white mode
            _stop_effect(node)
        elif changes.get("color_temp"):
            _stop_effect(node)
        node.info.update(changes)
        node.revision += 1

    def _checked(self, key: str, value: object) -> JsonDict:
        node = self.node
        info = node.info
        if key == "device_on":
            if not node.switchable:
                raise _error(SmartErrorCode.PARAMS_ERROR)
            return {key: _bool(value)}
        if key == "nickname":
            text = smart.decode_text(value) if isinstance(value, str) else None
            if text is None or not text.strip() or len(text) > MAX_NICKNAME_CHARS:
                raise _error(SmartErrorCode.PARAMS_ERROR)
            return {key: value}
        if key == "brightness":
            if not (node.has("brightness") or node.has("light_strip")):
                raise _error(SmartErrorCode.PARAMS_ERROR)
            return {key: _int(value, 1, 100)}
        if key in ("hue", "saturation"):
            if not node.has("color"):
                raise _error(SmartErrorCode.PARAMS_ERROR)
            return {key: _int(value, 0, 360 if key == "hue" else 100)}
        if key == "color_temp":
            if not node.has("color_temperature"):
                raise _error(SmartErrorCode.PARAMS_ERROR)
            low, high = (info.get("color_temp_range") or [2500, 6500])[:2]
            temp = _int(value, 0, 20_000)
            if temp and not low <= temp <= high:
                raise _error(SmartErrorCode.PARAMS_ERROR)
            return {key: temp}
        if key == "fan_speed_level":
            if not node.has("fan_control"):
                raise _error(SmartErrorCode.PARAMS_ERROR)
            return {key: _int(value, *assumptions.SMART_FAN_SPEED_LEVELS)}
        if key == "target_temp":
            if not node.has("temp_control"):
                raise _error(SmartErrorCode.PARAMS_ERROR)
            low, high = assumptions.SMART_TARGET_TEMP_RANGE_C
            low = info.get("min_control_temp", low)
            high = info.get("max_control_temp", high)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _error(SmartErrorCode.PARAMS_ERROR)
            if not low <= value <= high:
                raise _error(SmartErrorCode.PARAMS_ERROR)
            return {key: float(value)}
        if key == "fan_sleep_mode_on":
            if not node.has("fan_control"):
                raise _error(SmartErrorCode.PARAMS_ERROR)
            return {key: _bool(value)}
        if key in info and not isinstance(info[key], dict | list):
            if type(value) is not type(info[key]):
                raise _error(SmartErrorCode.PARAMS_ERROR)
            return {key: value}
        return {}  # what the device does not keep is ignored, as the firmware does

    def get_device_usage(self, params: JsonDict) -> JsonDict:
        """Time on (minutes) and energy (Wh) today, over 7 and over 30 days."""
        node = self.node
        now_s = self.now_s
        meter, tz = node.meter, node.tz
        answer = copy.deepcopy(node.templates.get("get_device_usage") or {"time_usage": {}})

        def spans(read: Callable[[int], float]) -> JsonDict:
            return {"today": round(read(1)), "past7": round(read(7)), "past30": round(read(30))}

        if "time_usage" in answer:
            answer["time_usage"] = spans(lambda d: meter.past_days_minutes(now_s, tz, d))
        if "power_usage" in answer:
            answer["power_usage"] = spans(lambda d: meter.past_days_wh(now_s, tz, d))
        return answer


def _stop_effect(node: SmartNode) -> None:
    effect = node.templates.get("get_lighting_effect")
    if isinstance(effect, dict) and effect.get("enable"):
        effect["enable"] = 0
        node.changed.add("get_lighting_effect")
    if "dynamic_light_effect_enable" in node.info:
        node.info["dynamic_light_effect_enable"] = False


def sensor_readings(node: SmartNode, info: JsonDict, now_s: float) -> None:
    """Write the readings of a hub sensor (temperature, humidity, contact, motion) into info."""
    seed = node.node_id
    if "current_temp" in info and node.has("temperature"):
        info["current_temp"] = sensors.temperature_c(seed, now_s)
    if "current_humidity" in info and node.has("humidity"):
        info["current_humidity"] = sensors.humidity_pct(seed, now_s)
    category = str(info.get("category", ""))
    if "open" in info and "contact" in category:
        info["open"] = sensors.last_event(seed, now_s, sensors.OPEN_S) is not None
    if "detected" in info and "motion" in category:
        info["detected"] = sensors.last_event(seed, now_s, sensors.DETECTED_S) is not None


class TimeComponent(Component):
    """``time``: the device's clock and zone."""

    component_id = "time"

    def methods(self) -> dict[str, Handler]:
        """get/set_device_time."""
        return {"get_device_time": self.get_device_time, "set_device_time": self.set_device_time}

    def get_device_time(self, params: JsonDict) -> JsonDict:
        """``{timestamp, time_diff, region}``."""
        answer = copy.deepcopy(self.node.templates.get("get_device_time") or {})
        answer["timestamp"] = int(self.now_s)
        answer.setdefault("time_diff", self.node.info.get("time_diff", 0))
        answer.setdefault("region", self.node.info.get("region", "UTC"))
        return answer

    def set_device_time(self, params: JsonDict) -> None:
        """Keep the zone and offset given; the clock itself stays the simulated one."""
        if not isinstance(params.get("timestamp", 0), int):
            raise _error(SmartErrorCode.PARAMS_ERROR)
        template = self.node.templates.setdefault("get_device_time", {})
        for key in ("time_diff", "region"):
            if key in params:
                template[key] = params[key]
        self.node.changed.add("get_device_time")
        self.node.revision += 1


class _RulesComponent(Component):
    kind: ClassVar[str]
    noun: ClassVar[str]

    def methods(self) -> dict[str, Handler]:
        node = self.node
        kind = self.kind
        # ``node.rules`` is read at each call, not kept: a restore replaces the tables.

        def get(params: JsonDict) -> JsonDict:
            return node.rules.listing(kind, self.now_s, params)

        def add(params: JsonDict) -> JsonDict:
            answer = node.rules.add(kind, params, self.now_s)
            node.revision += 1
            return answer

        def edit(params: JsonDict) -> None:
            node.rules.edit(kind, params, self.now_s)
            node.revision += 1

        def remove(params: JsonDict) -> None:
            node.rules.remove(kind, params)
            node.revision += 1

        return {
            f"get_{self.noun}_rules": get,
            f"add_{self.noun}_rule": add,
            f"edit_{self.noun}_rule": edit,
            f"remove_{self.noun}_rules": remove,
        }


class ScheduleComponent(_RulesComponent):
    """``schedule``: rules that switch the device at a minute of some days."""

    component_id = "schedule"
    kind = "schedule"
    noun = "schedule"


class CountdownComponent(_RulesComponent):
    """``countdown``: a rule that switches the device when its delay runs out."""

    component_id = "countdown"
    kind = "countdown"
    noun = "countdown"


class AntitheftComponent(_RulesComponent):
    """``antitheft``: away rules, switching at random-looking moments inside a window."""

    component_id = "antitheft"
    kind = "antitheft"
    noun = "antitheft"


class LedComponent(Component):
    """``led``: the status LED's rule."""

    component_id = "led"
    RULES: ClassVar[tuple[str, ...]] = ("always", "never", "auto")

    def methods(self) -> dict[str, Handler]:
        """get/set_led_info."""
        return {"get_led_info": self.get, "set_led_info": self.set}

    def _info(self) -> JsonDict:
        template = self.node.templates.setdefault(
            "get_led_info", {"led_rule": "always", "led_status": True}
        )
        assert isinstance(template, dict)
        return template

    def get(self, params: JsonDict) -> JsonDict:
        """The LED rule and whether it is lit."""
        return copy.deepcopy(self._info())

    def set(self, params: JsonDict) -> None:
        """``led_rule`` always/never/auto (and ``night_mode``)."""
        rule = params.get("led_rule")
        if rule is None or rule not in self.RULES:
            raise _error(SmartErrorCode.PARAMS_ERROR)
        info = self._info()
        info["led_rule"] = rule
        if "led_status" in info:
            info["led_status"] = rule != "never"
        if isinstance(params.get("night_mode"), dict):
            info["night_mode"] = params["night_mode"]
        self.node.changed.add("get_led_info")
        self.node.revision += 1


class EnergyComponent(Component):
    """``energy_monitoring``: usage, current power, meter data and history."""

    component_id = "energy_monitoring"

    def methods(self) -> dict[str, Handler]:
        """get_energy_usage, get_current_power, get_energy_data (get_emeter_data if captured)."""
        found: dict[str, Handler] = {
            "get_energy_usage": self.get_energy_usage,
            "get_current_power": self.get_current_power,
            "get_energy_data": self.get_energy_data,
        }
        if "get_emeter_data" in self.node.templates:
            found["get_emeter_data"] = self.get_emeter_data
        return found

    def _local(self) -> str:
        return self.node.local_time(self.now_s).strftime("%Y-%m-%d %H:%M:%S")

    def _loads(self) -> list[SmartNode]:
        """What is metered: the node itself, or (a strip that meters as a whole) its outlets."""
        node = self.node
        if node.switchable:
            return [node]
        children: list[SmartNode] = list(getattr(node, "children", []))
        return [c for c in children if c.switchable and c.meters_energy]

    def _sum(self, read: Callable[[SmartNode], float]) -> float:
        return sum(read(load) for load in self._loads())

    def _series(self, read: Callable[[SmartNode], list[float]]) -> list[float]:
        series = [read(load) for load in self._loads()]
        return [sum(values) for values in zip(*series, strict=True)] if series else []

    def get_energy_usage(self, params: JsonDict) -> JsonDict:
        """Today's and this month's Wh and minutes; ``current_power`` in mW (as captured)."""
        node, now_s = self.node, self.now_s
        captured = node.templates.get("get_energy_usage")
        answer = (
            copy.deepcopy(captured)
            if isinstance(captured, dict)
            else {
                "current_power": 0,
                "electricity_charge": [0, 0, 0],
            }
        )
        answer.update(
            {
                "local_time": self._local(),
                "today_energy": round(self._sum(lambda n: n.meter.today_wh(now_s, n.tz))),
                "month_energy": round(self._sum(lambda n: n.meter.month_wh(now_s, n.tz))),
                "today_runtime": round(
                    max((n.meter.today_minutes(now_s, n.tz) for n in self._loads()), default=0)
                ),
                "month_runtime": round(
                    max((n.meter.month_minutes(now_s, n.tz) for n in self._loads()), default=0)
                ),
            }
        )
        if "current_power" in answer:
            answer["current_power"] = round(self._sum(lambda n: n.power_now_w(now_s)) * 1000)
        return answer

    def get_current_power(self, params: JsonDict) -> JsonDict:
        """``current_power`` in whole W."""
        now_s = self.now_s
        return {"current_power": round(self._sum(lambda n: n.power_now_w(now_s)))}

    def get_emeter_data(self, params: JsonDict) -> JsonDict:
        """Power (mW), voltage (mV), current (mA) and lifetime energy (Wh)."""
        node, now_s = self.node, self.now_s
        volts = node.mains_v
        watts = self._sum(lambda n: n.power_now_w(now_s))
        return {
            "current_ma": round(watts / volts * 1000),
            "energy_wh": round(self._sum(lambda n: n.meter.meter.total_wh)),
            "power_mw": round(watts * 1000),
            "voltage_mv": round(volts * 1000),
        }

    def get_energy_data(self, params: JsonDict) -> JsonDict:
        """Wh per hour (``interval`` 60), day (1440) or month (43200) from start to end."""
        start, end, interval = (
            params.get("start_timestamp"),
            params.get("end_timestamp"),
            params.get("interval"),
        )
        if interval not in ENERGY_DATA_MAX_POINTS:
            raise _error(SmartErrorCode.PARAMS_ERROR)
        for value in (start, end):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise _error(SmartErrorCode.PARAMS_ERROR)
        assert isinstance(start, int)
        assert isinstance(end, int)
        assert isinstance(interval, int)
        scale = 1000 if start > MS_THRESHOLD or end > MS_THRESHOLD else 1
        start_s, end_s = start // scale, min(end // scale, int(self.now_s))
        if start_s > end // scale:
            raise _error(SmartErrorCode.PARAMS_ERROR)
        if start_s > end_s:
            data: list[float] = []
        elif interval == 60:
            data = self._series(lambda n: n.meter.hourly(start_s, end_s))
        elif interval == 1440:
            data = self._series(lambda n: n.meter.daily(start_s, end_s, n.tz))
        else:
            data = self._series(lambda n: n.meter.monthly(start_s, end_s, n.tz))
        if len(data) > ENERGY_DATA_MAX_POINTS[interval]:
            raise _error(SmartErrorCode.PARAMS_ERROR)
        return {
            "local_time": self._local(),
            "data": [round(wh) for wh in data],
            "start_timestamp": start,
            "end_timestamp": end,
            "interval": interval,
        }


class LightStripEffectComponent(Component):
    """``light_strip_lighting_effect``: the light strip's effect."""

    component_id = "light_strip_lighting_effect"

    def methods(self) -> dict[str, Handler]:
        """get/set_lighting_effect."""
        return {"get_lighting_effect": self.get, "set_lighting_effect": self.set}

    def _effect(self) -> JsonDict:
        effect = self.node.templates.setdefault(
            "get_lighting_effect", {"enable": 0, "id": "", "name": "", "brightness": 100}
        )
        assert isinstance(effect, dict)
        return effect

    def get(self, params: JsonDict) -> JsonDict:
        """The current (or last) effect."""
        return copy.deepcopy(self._effect())

    def set(self, params: JsonDict) -> None:
        """Start (``enable`` 1 with an effect) or stop (``enable`` 0) an effect."""
        enable = params.get("enable")
        if enable not in (0, 1, True, False):
            raise _error(SmartErrorCode.PARAMS_ERROR)
        effect = self._effect()
        if enable and not (params.get("id") or params.get("name") or effect.get("name")):
            raise _error(SmartErrorCode.PARAMS_ERROR)
        if "brightness" in params:
            _int(params["brightness"], 1, 100)
        effect.update(params)
        effect["enable"] = int(bool(enable))
        self.node.changed.add("get_lighting_effect")
        self.node.revision += 1


class LightEffectComponent(Component):
    """``light_effect``: a bulb's dynamic effects (L530 ...)."""

    component_id = "light_effect"

    def methods(self) -> dict[str, Handler]:
        """set_dynamic_light_effect_rule_enable (the rules are answered from the capture)."""
        return {"set_dynamic_light_effect_rule_enable": self.set}

    def set(self, params: JsonDict) -> None:
        """Turn a dynamic effect on (``enable`` true with its ``id``) or off."""
        enable = _bool(params.get("enable"))
        rules = self.node.templates.get("get_dynamic_light_effect_rules")
        known = {r.get("id") for r in (rules or {}).get("rule_list", []) if isinstance(r, dict)}
        if enable and known and params.get("id") not in known:
            raise _error(SmartErrorCode.PARAMS_ERROR)
        if isinstance(rules, dict):
            rules["enable"] = enable
            rules["current_rule_id"] = params.get("id", "") if enable else ""
            self.node.changed.add("get_dynamic_light_effect_rules")
        if "dynamic_light_effect_enable" in self.node.info:
            self.node.info["dynamic_light_effect_enable"] = enable
            if enable:
                self.node.info["dynamic_light_effect_id"] = params.get("id", "")
        self.node.revision += 1


class ChildrenComponent(Component):
    """``child_device`` / ``control_child``: the child list and requests to one child."""

    component_id = "child_device"
    PAGE: ClassVar[int] = 10

    def methods(self) -> dict[str, Handler]:
        """get_child_device_list, get_child_device_component_list, control_child."""
        return {
            "get_child_device_list": self.child_list,
            "get_child_device_component_list": self.component_list,
            "control_child": self.control_child,
        }

    def _children(self) -> list[SmartNode]:
        return list(getattr(self.node, "children", []))

    def _page(self, params: JsonDict, key: str, items: list[JsonDict]) -> JsonDict:
        start = params.get("start_index", 0)
        start = start if isinstance(start, int) and start >= 0 else 0
        return {key: items[start : start + self.PAGE], "start_index": start, "sum": len(items)}

    def child_list(self, params: JsonDict) -> JsonDict:
        """Every child's live device info."""
        infos = [c.call("get_device_info", {}) for c in self._children()]
        return self._page(params, "child_device_list", infos)

    def component_list(self, params: JsonDict) -> JsonDict:
        """Every child's components."""
        items = [
            {
                "component_list": [{"id": i, "ver_code": v} for i, v in c.components.items()],
                "device_id": c.node_id,
            }
            for c in self._children()
        ]
        return self._page(params, "child_component_list", items)

    def control_child(self, params: JsonDict) -> JsonDict:
        """``{device_id, requestData}`` -> ``{"responseData": the child's answer}``."""
        child = next((c for c in self._children() if c.node_id == params.get("device_id")), None)
        request = params.get("requestData")
        if child is None or not isinstance(request, Mapping):
            raise _error(SmartErrorCode.PARAMS_ERROR)
        return {"responseData": child.handle(request)}


class TriggerLogComponent(Component):
    """``trigger_log``: a contact, motion or button sensor's events."""

    component_id = "trigger_log"
    EVENTS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("contact", "open"),
        ("motion", "motion"),
        ("button", "singleClick"),
    )

    def methods(self) -> dict[str, Handler]:
        """get_trigger_logs."""
        return {"get_trigger_logs": self.get}

    def get(self, params: JsonDict) -> JsonDict:
        """The latest events, newest first (none for a sensor that has no events)."""
        category = str(self.node.info.get("category", ""))
        event = next((e for word, e in self.EVENTS if word in category), None)
        if event is None:
            answer = copy.deepcopy(self.node.templates.get("get_trigger_logs"))
            return answer if isinstance(answer, dict) else {"logs": [], "start_id": 0, "sum": 0}
        start_id = params.get("start_id", 0)
        page = params.get("page_size", 5)
        return sensors.trigger_logs(
            self.node.node_id,
            event,
            self.now_s,
            start_id=start_id if isinstance(start_id, int) else 0,
            page=page if isinstance(page, int) and 0 < page <= 50 else 5,
        )


class TempHumidityRecordComponent(Component):
    """``temp_humidity_record``: the past 24 hours, every 15 minutes."""

    component_id = "temp_humidity_record"

    def methods(self) -> dict[str, Handler]:
        """get_temp_humidity_records."""
        return {"get_temp_humidity_records": self.get}

    def get(self, params: JsonDict) -> JsonDict:
        """96 readings of temperature and humidity, oldest first."""
        seed, now_s = self.node.node_id, self.now_s
        quarter = int(now_s // sensors.QUARTER_S) * sensors.QUARTER_S
        times = [quarter - i * sensors.QUARTER_S for i in range(95, -1, -1)]
        answer = copy.deepcopy(self.node.templates.get("get_temp_humidity_records") or {})
        answer.update(
            {
                "local_time": int(now_s),
                "past24h_temp": [round(sensors.temperature_c(seed, t) * 10) for t in times],
                "past24h_humidity": [sensors.humidity_pct(seed, t) for t in times],
                "past24h_temp_exception": [0] * 96,
                "past24h_humidity_exception": [0] * 96,
            }
        )
        answer.setdefault("temp_unit", "celsius")
        return answer


COMPONENTS: Final[tuple[type[Component], ...]] = (
    DeviceComponent,
    TimeComponent,
    ScheduleComponent,
    CountdownComponent,
    AntitheftComponent,
    LedComponent,
    EnergyComponent,
    LightStripEffectComponent,
    LightEffectComponent,
    ChildrenComponent,
    TriggerLogComponent,
    TempHumidityRecordComponent,
)


def routes_for(node: SmartNode) -> dict[str, Handler]:
    """Every method ``node`` answers: its components', then its other captured ``get_*``."""
    served: dict[str, Handler] = {}
    for component in COMPONENTS:
        wanted = component.component_id
        implied = (wanted == "device" and node.parent is not None) or (
            wanted == "child_device" and node.has("control_child")
        )
        if node.has(wanted) or implied:
            served.update(component(node).methods())
    routes: dict[str, Handler] = {}
    for method in list(node.templates):
        if method in served or not method.startswith(("get_", "qs_")):
            continue
        routes[method] = _captured(node, method)
        if method.startswith("get_"):
            # The setter twin of a captured getter (set_auto_off_config ...) merges its params.
            routes.setdefault("set_" + method[4:], _merged_setter(node, method))
    routes.update(served)
    routes[smart.COMPONENT_NEGO] = lambda params: {
        "component_list": [{"id": i, "ver_code": v} for i, v in node.components.items()]
    }
    return routes


def _captured(node: SmartNode, method: str) -> Handler:
    def answer(params: JsonDict) -> Any:
        return copy.deepcopy(node.templates[method])

    return answer


def _merged_setter(node: SmartNode, method: str) -> Handler:
    def merge(params: JsonDict) -> None:
        template = node.templates.get(method)
        if not isinstance(template, dict) or not params:
            raise _error(SmartErrorCode.PARAMS_ERROR)
        for key, value in params.items():
            if key in template and isinstance(template[key], bool) != isinstance(value, bool):
                raise _error(SmartErrorCode.PARAMS_ERROR)
        template.update(params)
        node.changed.add(method)
        node.revision += 1

    return merge
