"""Schedule, countdown and away-mode rules: typed, with list, add, edit and delete.

Each rule type converts to and from the device's JSON (``to_wire``/``from_wire``); fields this
library does not model are kept in ``raw`` and sent back unchanged on edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Generic, Literal, TypeVar

from kasacloud.client import errors as E
from kasacloud.client.devices.modules.base import Module
from kasacloud.protocol import commands as C

TimeOption = Literal["time", "sunrise", "sunset"]
_TIME_OPTIONS: dict[TimeOption, int] = {"time": 0, "sunrise": 1, "sunset": 2}
_TIME_OPTION_NAMES = {v: k for k, v in _TIME_OPTIONS.items()}

EVERY_DAY = (True,) * 7
"""``weekdays`` for every day; index 0 is Sunday, as the devices count."""


def _weekdays(value: Any) -> tuple[bool, ...]:
    if isinstance(value, list) and len(value) == 7:
        return tuple(bool(v) for v in value)
    return EVERY_DAY


def _check_minute(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 24 * 60:
        raise E.InvalidArgumentError(f"{name} must be a minute of the day (0-1439), got {value!r}")
    return value


def _check_weekdays(value: object) -> list[int]:
    if not isinstance(value, tuple | list) or len(value) != 7:
        raise E.InvalidArgumentError(f"weekdays must be 7 booleans, Sunday first, got {value!r}")
    return [int(bool(d)) for d in value]


@dataclass(frozen=True, slots=True)
class ScheduleRule:
    """Turn on or off at a time of day (or at sunrise/sunset), on some weekdays."""

    turn_on: bool
    start_min: int
    """Minutes after midnight (device local time); the offset for sunrise/sunset."""
    weekdays: tuple[bool, ...] = EVERY_DAY
    repeat: bool = True
    enabled: bool = True
    name: str = "Schedule"
    time_option: TimeOption = "time"
    light_state: dict[str, Any] | None = None
    """Bulbs: the light state to apply (``s_light``)."""
    id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_wire(self) -> dict[str, Any]:
        """The device's JSON for this rule."""
        _check_minute("start_min", self.start_min)
        if self.time_option not in _TIME_OPTIONS:
            raise E.InvalidArgumentError(
                f"time_option must be one of {', '.join(_TIME_OPTIONS)}, got {self.time_option!r}"
            )
        body = {
            **self.raw,
            "name": self.name,
            "enable": int(self.enabled),
            "wday": _check_weekdays(self.weekdays),
            "repeat": int(self.repeat),
            "stime_opt": _TIME_OPTIONS[self.time_option],
            "smin": self.start_min,
            "sact": int(self.turn_on),
            "etime_opt": -1,
            "eact": -1,
            "emin": 0,
        }
        if self.light_state is not None:
            body["s_light"] = dict(self.light_state)
        if self.id is not None:
            body["id"] = self.id
        return body

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> ScheduleRule:
        """Read a rule of ``get_rules``."""
        light = raw.get("s_light")
        return cls(
            turn_on=bool(raw.get("sact", 1)),
            start_min=int(raw.get("smin", 0)),
            weekdays=_weekdays(raw.get("wday")),
            repeat=bool(raw.get("repeat", 1)),
            enabled=bool(raw.get("enable", 1)),
            name=str(raw.get("name", "")),
            time_option=_TIME_OPTION_NAMES.get(int(raw.get("stime_opt", 0)), "time"),
            light_state=dict(light) if isinstance(light, dict) else None,
            id=str(raw["id"]) if "id" in raw else None,
            raw=dict(raw),
        )


@dataclass(frozen=True, slots=True)
class CountdownRule:
    """Turn on or off once, ``delay_s`` seconds after the rule is added (or enabled)."""

    delay_s: int
    turn_on: bool
    enabled: bool = True
    name: str = "Countdown"
    id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_wire(self) -> dict[str, Any]:
        """The device's JSON for this rule."""
        delay = self.delay_s
        if isinstance(delay, bool) or not isinstance(delay, int) or delay < 1:
            raise E.InvalidArgumentError(f"delay_s must be a whole number >= 1, got {delay!r}")
        body = {
            **self.raw,
            "name": self.name,
            "enable": int(self.enabled),
            "delay": self.delay_s,
            "act": int(self.turn_on),
        }
        if self.id is not None:
            body["id"] = self.id
        return body

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> CountdownRule:
        """Read a rule of ``get_rules``."""
        return cls(
            delay_s=int(raw.get("delay", 0)),
            turn_on=bool(raw.get("act", 1)),
            enabled=bool(raw.get("enable", 1)),
            name=str(raw.get("name", "")),
            id=str(raw["id"]) if "id" in raw else None,
            raw=dict(raw),
        )


@dataclass(frozen=True, slots=True)
class AwayRule:
    """Away mode: switch on and off at random between ``start_min`` and ``end_min``."""

    start_min: int
    end_min: int
    weekdays: tuple[bool, ...] = EVERY_DAY
    repeat: bool = True
    enabled: bool = True
    name: str = "Away"
    frequency: int = 5
    """How many times per hour, roughly, the device toggles."""
    id: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_wire(self) -> dict[str, Any]:
        """The device's JSON for this rule."""
        _check_minute("start_min", self.start_min)
        _check_minute("end_min", self.end_min)
        body = {
            **self.raw,
            "name": self.name,
            "enable": int(self.enabled),
            "wday": _check_weekdays(self.weekdays),
            "repeat": int(self.repeat),
            "stime_opt": 0,
            "smin": self.start_min,
            "etime_opt": 0,
            "emin": self.end_min,
            "frequency": self.frequency,
        }
        if self.id is not None:
            body["id"] = self.id
        return body

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> AwayRule:
        """Read a rule of ``get_rules``."""
        return cls(
            start_min=int(raw.get("smin", 0)),
            end_min=int(raw.get("emin", 0)),
            weekdays=_weekdays(raw.get("wday")),
            repeat=bool(raw.get("repeat", 1)),
            enabled=bool(raw.get("enable", 1)),
            name=str(raw.get("name", "")),
            frequency=int(raw.get("frequency", 5)),
            id=str(raw["id"]) if "id" in raw else None,
            raw=dict(raw),
        )


Rule = ScheduleRule | CountdownRule | AwayRule
"""Any typed rule."""

RuleT = TypeVar("RuleT", ScheduleRule, CountdownRule, AwayRule)
AnyRuleT = TypeVar("AnyRuleT", bound=Rule)


class Rules(Module, Generic[RuleT]):
    """A rule list on the device: ``list``, ``add``, ``edit``, ``delete``, ``delete_all``.

    ``add``, ``edit`` and ``delete`` accept any rule type, so that code holding "one of
    ``Schedule | Countdown | Away``" type-checks; a rule of the wrong kind (a
    :class:`CountdownRule` given to ``device.schedule``) raises
    :class:`~kasacloud.InvalidArgumentError` before any request.
    """

    rule_type: ClassVar[type[Any]]

    def __init__(self, device: Any, wire_name: str) -> None:
        super().__init__(device, wire_name)
        self.rules: list[RuleT] = []
        """The rules read by the last :meth:`list`."""
        self.enabled: bool | None = None
        """The module's overall switch, as read by the last :meth:`list`."""

    async def list(self) -> list[RuleT]:
        """Read the rules from the device."""
        result = await self.call(C.GET_RULES)
        self.enabled = bool(result.get("enable", 1))
        self.rules = [self.rule_type.from_wire(r) for r in result.get("rule_list") or []]
        return list(self.rules)

    def _check_kind(self, rule: object) -> None:
        if not isinstance(rule, self.rule_type):
            raise E.InvalidArgumentError(
                f"{type(self).__name__.lower()} rules of {self.device.alias!r} are "
                f"{self.rule_type.__name__}s, got {type(rule).__name__}"
            )

    # The wire of a rule table, which the SMART tables override (their own names and shapes).

    def _encode(self, rule: Rule) -> dict[str, Any]:
        """The wire form of ``rule``."""
        return rule.to_wire()

    def _method(self, action: str) -> str:
        """The method that does ``action`` (``add``, ``edit`` or ``delete``) to one rule."""
        return {"add": C.ADD_RULE, "edit": C.EDIT_RULE, "delete": C.DELETE_RULE}[action]

    def _delete_params(self, rule_id: str) -> dict[str, Any]:
        return {"id": rule_id}

    async def add(self, rule: AnyRuleT) -> AnyRuleT:
        """Add ``rule``; return it with the id the device gave it."""
        self._check_kind(rule)
        body = self._encode(rule)
        body.pop("id", None)
        result = await self.call(self._method("add"), body)
        new_id = result.get("id")
        return replace(rule, id=str(new_id)) if new_id is not None else rule

    async def edit(self, rule: Rule) -> None:
        """Replace the rule with ``rule.id`` by ``rule``."""
        self._check_kind(rule)
        if rule.id is None:
            raise E.InvalidArgumentError("edit needs a rule with an id (from list() or add())")
        await self.call(self._method("edit"), self._encode(rule))

    async def delete(self, rule: Rule | str) -> None:
        """Delete a rule (given as a rule or its id)."""
        if isinstance(rule, str):
            rule_id: str | None = rule
        else:
            self._check_kind(rule)
            rule_id = rule.id
        if not rule_id:
            raise E.InvalidArgumentError("delete needs a rule id")
        await self.call(self._method("delete"), self._delete_params(rule_id))

    async def delete_all(self) -> None:
        """Delete every rule of this kind."""
        await self.call(C.DELETE_ALL_RULES)

    async def set_enabled(self, enabled: bool) -> None:
        """Switch the whole module on or off (``set_overall_enable``)."""
        await self.call(C.SET_OVERALL_ENABLE, {"enable": int(enabled)})
        self.enabled = enabled


class Schedule(Rules[ScheduleRule]):
    """Schedule rules."""

    key = Module.Schedule
    rule_type = ScheduleRule


class Countdown(Rules[CountdownRule]):
    """Countdown rules (devices usually hold one at a time)."""

    key = Module.Countdown
    rule_type = CountdownRule


class Away(Rules[AwayRule]):
    """Away-mode (anti-theft) rules."""

    key = Module.Away
    rule_type = AwayRule
