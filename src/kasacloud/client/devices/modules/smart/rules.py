"""SMART schedule, countdown and away rules: the IOT modules' interface over the SMART wire.

``device.schedule``, ``device.countdown`` and ``device.away`` of a SMART device are
:class:`SmartSchedule`, :class:`SmartCountdown` and :class:`SmartAway`: subclasses of the IOT
:class:`~kasacloud.client.devices.modules.rules.Schedule` (...) that take and give the same typed
rules (:class:`ScheduleRule`, :class:`CountdownRule`, :class:`AwayRule`) and translate them to
the SMART methods ``get_<noun>_rules`` (paged with ``start_index``), ``add_<noun>_rule``,
``edit_<noun>_rule`` and ``remove_<noun>_rules``, nouns ``schedule``, ``countdown`` and
``antitheft``.

The SMART rule shape is the captures' (``{id, enable, s_min, s_type, time_offset, week_day,
mode, desired_states, e_action, e_min, e_type, day, month, year}``, countdowns ``{id, enable,
delay, desired_states, remain}``); what is uncertain in it is marked in
:mod:`kasacloud.protocol.assumptions` (``SMART_WEEK_DAY_BIT0``, ``SMART_RULE_MODES``,
``SMART_SUN_TIME_IN_S_MIN``, ``SMART_AWAY_RULE_FIELDS``, ``SMART_RULES_TABLE_SWITCH``,
``SMART_REMOVE_RULES_PARAMS``). A rule read from the device keeps its wire form in ``raw``, and
fields this library does not model go back unchanged on edit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, ClassVar, Final, TypeVar

from kasacloud.client import errors as E
from kasacloud.client.devices.modules.rules import (
    Away,
    AwayRule,
    Countdown,
    CountdownRule,
    Rule,
    Rules,
    Schedule,
    ScheduleRule,
    TimeOption,
)
from kasacloud.client.devices.modules.smart.base import SmartModule
from kasacloud.protocol import assumptions

PAGE_LIMIT: Final = 20
"""The most pages one listing reads (a device holds at most a few dozen rules, ten a page)."""
SUNRISE_MIN: Final = 6 * 60
SUNSET_MIN: Final = 18 * 60
"""The sun times written into a sunrise/sunset rule's ``s_min`` (see SMART_SUN_TIME_IN_S_MIN)."""
_S_TYPES: Final[dict[str, str]] = {"time": "normal", "sunrise": "sunrise", "sunset": "sunset"}
_TIME_OPTIONS: Final[dict[str, TimeOption]] = {
    "normal": "time",
    "sunrise": "sunrise",
    "sunset": "sunset",
}
_LIGHT_KEYS: Final = ("brightness", "hue", "saturation", "color_temp")
_LISTED_ONLY: Final = ("remain",)
"""What the device adds to a rule when it lists it; never sent back."""

RuleT = TypeVar("RuleT", ScheduleRule, CountdownRule, AwayRule)


def week_day_mask(weekdays: tuple[bool, ...] | list[bool]) -> int:
    """Seven flags, Sunday first, as the SMART ``week_day`` bit mask."""
    if not isinstance(weekdays, tuple | list) or len(weekdays) != 7:
        raise E.InvalidArgumentError(f"weekdays must be 7 booleans, Sunday first, got {weekdays!r}")
    flags = list(weekdays)
    if assumptions.SMART_WEEK_DAY_BIT0 != "sunday":
        flags = flags[1:] + flags[:1]  # bit 0 Monday
    return sum(1 << i for i, on in enumerate(flags) if on)


def weekdays_of(mask: object) -> tuple[bool, ...]:
    """A ``week_day`` mask as seven flags, Sunday first (127, or an unreadable one: every day)."""
    if isinstance(mask, bool) or not isinstance(mask, int) or not 0 < mask <= 127:
        return (True,) * 7
    flags = [bool(mask >> i & 1) for i in range(7)]
    if assumptions.SMART_WEEK_DAY_BIT0 != "sunday":
        flags = flags[6:] + flags[:6]
    return tuple(flags)


def _minute(name: str, value: object, *, offset: bool = False) -> int:
    low = -(24 * 60 - 1) if offset else 0
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value < 24 * 60:
        what = "an offset in minutes (-1439 to 1439)" if offset else "a minute of the day (0-1439)"
        raise E.InvalidArgumentError(f"{name} must be {what}, got {value!r}")
    return value


def _base(raw: dict[str, Any]) -> dict[str, Any]:
    """A rule's wire form as read, without what only a listing carries."""
    return {k: v for k, v in raw.items() if k not in _LISTED_ONLY}


def _mode(repeat: bool) -> str:
    return assumptions.SMART_RULE_MODES[0 if repeat else 1]


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def schedule_to_smart(rule: ScheduleRule) -> dict[str, Any]:
    """A :class:`ScheduleRule` as a SMART schedule rule."""
    if rule.time_option not in _S_TYPES:
        raise E.InvalidArgumentError(
            f"time_option must be one of {', '.join(_S_TYPES)}, got {rule.time_option!r}"
        )
    raw = _base(rule.raw)
    s_type = _S_TYPES[rule.time_option]
    if s_type == "normal":
        s_min, offset = _minute("start_min", rule.start_min), 0
    else:
        offset = _minute("start_min", rule.start_min, offset=True)
        sun = SUNRISE_MIN if s_type == "sunrise" else SUNSET_MIN
        s_min = (sun + offset) % (24 * 60)
        if raw.get("s_type") == s_type and raw.get("time_offset") == offset:
            # Unchanged: keep the sun time the app computed for the device's place.
            s_min = raw.get("s_min", s_min)
    states = raw.get("desired_states")
    desired = {k: v for k, v in (states if isinstance(states, dict) else {}).items() if k != "on"}
    desired["on"] = bool(rule.turn_on)
    if rule.light_state is not None:
        desired.update({k: v for k, v in rule.light_state.items() if k in _LIGHT_KEYS})
    today = _today()
    body: dict[str, Any] = {
        "e_action": "none",
        "e_min": 0,
        "e_type": "normal",
        "day": today.day,
        "month": today.month,
        "year": today.year,
        **raw,
        "enable": bool(rule.enabled),
        "s_min": s_min,
        "s_type": s_type,
        "time_offset": offset,
        "week_day": week_day_mask(rule.weekdays),
        "mode": _mode(rule.repeat),
        "desired_states": desired,
    }
    if rule.id is not None:
        body["id"] = rule.id
    return body


def schedule_from_smart(raw: dict[str, Any]) -> ScheduleRule:
    """A SMART schedule rule as a :class:`ScheduleRule`."""
    option = _TIME_OPTIONS.get(str(raw.get("s_type", "normal")), "time")
    states = raw.get("desired_states")
    desired = states if isinstance(states, dict) else {}
    light = {k: v for k, v in desired.items() if k in _LIGHT_KEYS}
    start = raw.get("s_min") if option == "time" else raw.get("time_offset")
    return ScheduleRule(
        turn_on=bool(desired.get("on", True)),
        start_min=start if isinstance(start, int) and not isinstance(start, bool) else 0,
        weekdays=weekdays_of(raw.get("week_day")),
        repeat=raw.get("mode") != assumptions.SMART_RULE_MODES[1],
        enabled=bool(raw.get("enable", True)),
        name=str(raw.get("name", "")),
        time_option=option,
        light_state=light or None,
        id=str(raw["id"]) if "id" in raw else None,
        raw=dict(raw),
    )


def countdown_to_smart(rule: CountdownRule) -> dict[str, Any]:
    """A :class:`CountdownRule` as a SMART countdown rule."""
    delay = rule.delay_s
    if isinstance(delay, bool) or not isinstance(delay, int) or delay < 1:
        raise E.InvalidArgumentError(f"delay_s must be a whole number >= 1, got {delay!r}")
    raw = _base(rule.raw)
    states = raw.get("desired_states")
    desired = {k: v for k, v in (states if isinstance(states, dict) else {}).items() if k != "on"}
    body: dict[str, Any] = {
        **raw,
        "enable": bool(rule.enabled),
        "delay": delay,
        "desired_states": {**desired, "on": bool(rule.turn_on)},
    }
    if rule.id is not None:
        body["id"] = rule.id
    return body


def countdown_from_smart(raw: dict[str, Any]) -> CountdownRule:
    """A SMART countdown rule as a :class:`CountdownRule` (``raw["remain"]``: seconds left)."""
    states = raw.get("desired_states")
    delay = raw.get("delay")
    return CountdownRule(
        delay_s=delay if isinstance(delay, int) and not isinstance(delay, bool) else 0,
        turn_on=bool((states if isinstance(states, dict) else {}).get("on", True)),
        enabled=bool(raw.get("enable", True)),
        name=str(raw.get("name", "")),
        id=str(raw["id"]) if "id" in raw else None,
        raw=dict(raw),
    )


def away_to_smart(rule: AwayRule) -> dict[str, Any]:
    """An :class:`AwayRule` as a SMART away (``antitheft``) rule."""
    body: dict[str, Any] = {
        **_base(rule.raw),
        "enable": bool(rule.enabled),
        "s_min": _minute("start_min", rule.start_min),
        "e_min": _minute("end_min", rule.end_min),
        "week_day": week_day_mask(rule.weekdays),
        "mode": _mode(rule.repeat),
    }
    if rule.id is not None:
        body["id"] = rule.id
    return body


def away_from_smart(raw: dict[str, Any]) -> AwayRule:
    """A SMART away rule as an :class:`AwayRule`."""

    def minute(key: str) -> int:
        value = raw.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    frequency = raw.get("frequency")
    return AwayRule(
        start_min=minute("s_min"),
        end_min=minute("e_min"),
        weekdays=weekdays_of(raw.get("week_day")),
        repeat=raw.get("mode") != assumptions.SMART_RULE_MODES[1],
        enabled=bool(raw.get("enable", True)),
        name=str(raw.get("name", "")),
        frequency=frequency if isinstance(frequency, int) else 5,
        id=str(raw["id"]) if "id" in raw else None,
        raw=dict(raw),
    )


class SmartRules(SmartModule, Rules[RuleT]):
    """A SMART rule table behind the IOT rule interface (see the module's docstring)."""

    noun: ClassVar[str]
    """``schedule``, ``countdown`` or ``antitheft``: the middle of the method names."""

    def to_smart(self, rule: Any) -> dict[str, Any]:
        """The wire form of ``rule``."""
        raise NotImplementedError

    def from_smart(self, raw: dict[str, Any]) -> RuleT:
        """The typed rule of a wire one."""
        raise NotImplementedError

    async def list(self) -> list[RuleT]:
        """Read the rules (every page of them)."""
        found: list[dict[str, Any]] = []
        enabled = False
        for _ in range(PAGE_LIMIT):
            result = await self.call(f"get_{self.noun}_rules", {"start_index": len(found)})
            enabled = bool(result.get("enable", False))
            page = [r for r in result.get("rule_list") or [] if isinstance(r, dict)]
            found += page
            total = result.get("sum")
            if not page or not isinstance(total, int) or len(found) >= total:
                break
        # The table's own switch says only whether it holds a rule: "enabled" is whether any
        # rule is (what the IOT module's overall switch means to a person).
        self.rules = [self.from_smart(r) for r in found]
        self.enabled = enabled and any(r.enabled for r in self.rules)
        return list(self.rules)

    def _encode(self, rule: Rule) -> dict[str, Any]:
        return self.to_smart(rule)

    def _method(self, action: str) -> str:
        if action == "delete":
            return f"remove_{self.noun}_rules"
        return f"{action}_{self.noun}_rule"

    def _delete_params(self, rule_id: str) -> dict[str, Any]:
        return {"rule_list": [{"id": rule_id}]}

    async def delete_all(self) -> None:
        """Delete every rule of this kind."""
        await self.call(f"remove_{self.noun}_rules", {"remove_all": True})

    async def set_enabled(self, enabled: bool) -> None:
        """Enable or disable every rule (SMART tables have no switch of their own)."""
        for rule in await self.list():
            if rule.enabled != enabled:
                fresh = replace(rule, enabled=enabled, raw=_base(rule.raw))
                await self.call(f"edit_{self.noun}_rule", self.to_smart(fresh))
        await self.list()
        self.enabled = enabled


class SmartSchedule(SmartRules[ScheduleRule], Schedule):
    """SMART schedule rules (``get_schedule_rules`` ...)."""

    noun = "schedule"

    def to_smart(self, rule: Any) -> dict[str, Any]:
        """The SMART schedule rule."""
        return schedule_to_smart(rule)

    def from_smart(self, raw: dict[str, Any]) -> ScheduleRule:
        """The typed rule."""
        return schedule_from_smart(raw)


class SmartCountdown(SmartRules[CountdownRule], Countdown):
    """SMART countdown rules (``get_countdown_rules`` ...): one at a time."""

    noun = "countdown"

    def to_smart(self, rule: Any) -> dict[str, Any]:
        """The SMART countdown rule."""
        return countdown_to_smart(rule)

    def from_smart(self, raw: dict[str, Any]) -> CountdownRule:
        """The typed rule."""
        return countdown_from_smart(raw)


class SmartAway(SmartRules[AwayRule], Away):
    """SMART away rules (``get_antitheft_rules`` ...)."""

    noun = "antitheft"

    def to_smart(self, rule: Any) -> dict[str, Any]:
        """The SMART away rule."""
        return away_to_smart(rule)

    def from_smart(self, raw: dict[str, Any]) -> AwayRule:
        """The typed rule."""
        return away_from_smart(raw)
