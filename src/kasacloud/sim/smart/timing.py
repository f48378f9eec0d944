"""When a SMART node's schedule and away rules act, on the simulated clock.

The rule shape is the captures' (an EP40M outlet's ``get_schedule_rules``): ``{id, enable,
s_min, s_type, time_offset, week_day, mode, desired_states, e_action, e_min, e_type, day, month,
year}``. What is read here:

- ``week_day``: a bit mask of the days it runs, bit 0 Sunday (127 every day); 0 with
  ``mode`` ``"once"``: whatever day comes next (see :data:`assumptions.SMART_WEEK_DAY_BIT0`).
- ``s_min``: the minute of the local day it acts. For ``s_type`` ``sunrise``/``sunset`` the app
  writes the sun time it computed, offset included, into ``s_min`` (the capture: a sunset rule
  with ``time_offset`` -15 at ``s_min`` 1081); the simulator, which has no location, keeps it.
- ``desired_states``: what to do at ``s_min`` (``{"on": true}``, light keys for lights).
- ``e_action`` ``"on"``/``"off"`` with ``e_min``: a second action the same day (``"none"``: none).
- ``mode`` ``"once"``: the rule acts on its next day, then disables itself; anything else repeats.

Away rules (``get_antitheft_rules``) share ``s_min``, ``e_min``, ``week_day`` and ``mode``: between
``s_min`` and ``e_min`` (past midnight when ``e_min`` is earlier) the device switches on and off
at moments that look random but are derived from the rule's id and the day, so that every run,
and every restore from a snapshot, switches at the same times; it is off at ``e_min``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Final

from kasacloud.protocol import assumptions
from kasacloud.sim.history import unit_noise

MINUTES_PER_DAY: Final = 24 * 60
EVERY_DAY_MASK: Final = 0b111_1111
LOOK_BACK_DAYS: Final = 1
"""A rule found from the day before (an away window that runs past midnight)."""
LOOK_AHEAD_DAYS: Final = 8
"""A weekly rule acts within a week; one more day for a window that ends after midnight."""
AWAY_MIN_STRETCH_MIN: Final = 10
AWAY_MAX_STRETCH_MIN: Final = 50
"""How long the device stays on, or off, between two switches of an away window."""
SUN_TYPES: Final = ("normal", "sunrise", "sunset")
MODES: Final = ("repeat", "once")
END_ACTIONS: Final = ("none", "on", "off")


@dataclass(frozen=True)
class Action:
    """One planned switch of a rule."""

    at_s: float
    rule: dict[str, Any]
    states: dict[str, Any]
    """What to set: ``{"on": bool}`` and, for lights, light keys."""
    last_of_rule: bool
    """A one-shot rule disables itself after this action."""


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def runs_on(rule: Mapping[str, Any], day: date) -> bool:
    """Whether ``rule`` runs on ``day`` (``week_day`` bit 0 is Sunday)."""
    mask = _int(rule.get("week_day"), EVERY_DAY_MASK) & EVERY_DAY_MASK
    if mask == 0:
        return is_once(rule)  # a one-shot rule with no days: the next day it can
    bit = (day.weekday() + 1) % 7 if assumptions.SMART_WEEK_DAY_BIT0 == "sunday" else day.weekday()
    return bool(mask >> bit & 1)


def is_once(rule: Mapping[str, Any]) -> bool:
    """``mode`` ``"once"``."""
    return rule.get("mode") == "once"


def _epoch(day: date, minute: int, tz: tzinfo) -> float:
    day = day + timedelta(days=minute // MINUTES_PER_DAY)
    minute %= MINUTES_PER_DAY
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz).timestamp()


def _minute(rule: Mapping[str, Any], key: str) -> int:
    return _int(rule.get(key), 0) % MINUTES_PER_DAY


def _schedule_day(rule: dict[str, Any], day: date, tz: tzinfo) -> list[Action]:
    """A schedule rule's actions on ``day``, in time order."""
    start_states = rule.get("desired_states")
    states = dict(start_states) if isinstance(start_states, Mapping) else {}
    end = rule.get("e_action", "none")
    once = is_once(rule)
    actions: list[Action] = []
    if states:
        actions.append(
            Action(_epoch(day, _minute(rule, "s_min"), tz), rule, states, once and end == "none")
        )
    if end in ("on", "off"):
        actions.append(
            Action(_epoch(day, _minute(rule, "e_min"), tz), rule, {"on": end == "on"}, once)
        )
    return sorted(actions, key=lambda a: a.at_s)


def away_switches(rule_id: str, day: date, start_min: int, end_min: int) -> list[tuple[int, bool]]:
    """The (minute after ``day``'s midnight, on) switches of an away window starting that day.

    Deterministic: the same rule and day give the same times. The window ends past midnight when
    ``end_min`` is not after ``start_min``; the last switch is off, at ``end_min``.
    """
    end = end_min if end_min > start_min else end_min + MINUTES_PER_DAY
    switches: list[tuple[int, bool]] = []
    at, on = start_min, True
    span = AWAY_MAX_STRETCH_MIN - AWAY_MIN_STRETCH_MIN
    for index in range(MINUTES_PER_DAY // AWAY_MIN_STRETCH_MIN + 1):  # bounded: one per stretch
        if at >= end:
            break
        switches.append((at, on))
        noise = (unit_noise(rule_id, day.isoformat(), index) + 1) / 2  # 0..1
        at += AWAY_MIN_STRETCH_MIN + round(noise * span)
        on = not on
    if switches and switches[-1][1]:
        switches.append((end, False))
    return switches


def _away_day(rule: dict[str, Any], day: date, tz: tzinfo) -> list[Action]:
    start, end = _minute(rule, "s_min"), _minute(rule, "e_min")
    if start == end:
        return []
    switches = away_switches(str(rule.get("id", "")), day, start, end)
    once = is_once(rule)
    return [
        Action(_epoch(day, minute, tz), rule, {"on": on}, once and n == len(switches) - 1)
        for n, (minute, on) in enumerate(switches)
    ]


def next_action(
    rules: list[dict[str, Any]], *, away: bool, after_s: float, tz: tzinfo
) -> Action | None:
    """The first action strictly after ``after_s`` of the enabled ``rules``."""
    first_day = datetime.fromtimestamp(after_s, tz).date()
    best: Action | None = None
    for rule in rules:
        if not rule.get("enable", True):
            continue
        for ahead in range(-LOOK_BACK_DAYS, LOOK_AHEAD_DAYS + 1):
            day = first_day + timedelta(days=ahead)
            if not runs_on(rule, day):
                continue
            actions = _away_day(rule, day, tz) if away else _schedule_day(rule, day, tz)
            found = next((a for a in actions if a.at_s > after_s), None)
            if found is not None:
                if best is None or found.at_s < best.at_s:
                    best = found
                break
    return best


def check_rule(params: Mapping[str, Any], *, away: bool, partial: bool) -> bool:
    """Whether ``params`` are a usable schedule (or away) rule; ``partial`` for an edit."""
    for key in ("s_min", "e_min"):
        if key in params:
            value = params[key]
            if isinstance(value, bool) or not isinstance(value, int):
                return False
            if not 0 <= value < MINUTES_PER_DAY:
                return False
    if not partial and "s_min" not in params:
        return False
    if away and not partial and "e_min" not in params:
        return False
    week_day = params.get("week_day", EVERY_DAY_MASK)
    if isinstance(week_day, bool) or not isinstance(week_day, int) or not 0 <= week_day <= 127:
        return False
    offset = params.get("time_offset", 0)
    if isinstance(offset, bool) or not isinstance(offset, int) or abs(offset) > MINUTES_PER_DAY:
        return False
    if "enable" in params and not isinstance(params["enable"], bool):
        return False
    checks = (("s_type", SUN_TYPES), ("e_type", SUN_TYPES), ("mode", MODES))
    if any(key in params and params[key] not in allowed for key, allowed in checks):
        return False
    if "e_action" in params and params["e_action"] not in END_ACTIONS:
        return False
    states = params.get("desired_states", {})
    return isinstance(states, Mapping) and not (
        "on" in states and not isinstance(states["on"], bool)
    )
