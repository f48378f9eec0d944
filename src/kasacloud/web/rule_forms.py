"""The device page's rule forms (schedule, countdown, away mode), read into the library's rules.

Every field is checked here, before any request: a wrong value is an
:class:`~kasacloud.web.errors.InvalidInput` (400) that says which field and what it takes.
"""

from __future__ import annotations

import re

from starlette.datastructures import FormData

from kasacloud.client.devices.modules import AwayRule, CountdownRule, Rule, ScheduleRule
from kasacloud.web.errors import InvalidInput
from kasacloud.web.views import DAY_NAMES

NAME_MAX = 32
MAX_COUNTDOWN_MIN = 24 * 60
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?$")
_DAY_KEYS = tuple(name.lower() for name in DAY_NAMES)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def parse_clock(form: FormData, name: str, label: str) -> int:
    """``HH:MM`` (what ``<input type=time>`` sends) as minutes after midnight."""
    text = _text(form, name)
    match = _CLOCK.match(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        shown = f"“{text[:20]}”" if text else "empty"
        raise InvalidInput(f"{label} must be a time of day such as 07:30 ({shown} is not).")
    return int(match[1]) * 60 + int(match[2])


def parse_days(form: FormData) -> tuple[bool, ...]:
    """The ticked days (``day=mon``, ``day=tue``...; Sunday first, as the devices count)."""
    chosen = [str(v).strip().lower()[:3] for v in form.getlist("day")]
    unknown = [d for d in chosen if d not in _DAY_KEYS]
    if unknown:
        raise InvalidInput(f"“{unknown[0]}” is not a day: use sun, mon, tue, wed, thu, fri, sat.")
    if not chosen:
        raise InvalidInput("Choose at least one day.")
    return tuple(key in chosen for key in _DAY_KEYS)


def parse_action(form: FormData) -> bool:
    """``action=on`` or ``action=off``."""
    action = _text(form, "action").lower()
    if action not in {"on", "off"}:
        raise InvalidInput("Choose what the rule does: turn on or turn off.")
    return action == "on"


def parse_name(form: FormData, default: str) -> str:
    """The rule's name (optional; at most 32 characters)."""
    name = _text(form, "name") or default
    if len(name) > NAME_MAX:
        raise InvalidInput(f"A rule's name has at most {NAME_MAX} characters.")
    return name


def parse_rule(kind: str, form: FormData) -> Rule:
    """The rule a submitted form describes (``kind``: schedule, countdown or away)."""
    if kind == "schedule":
        option = _text(form, "time_option") or "time"
        if option not in {"time", "sunrise", "sunset"}:
            raise InvalidInput("The time is a time of day, sunrise or sunset.")
        start = parse_clock(form, "time", "The time") if option == "time" else 0
        return ScheduleRule(
            turn_on=parse_action(form),
            start_min=start,
            weekdays=parse_days(form),
            name=parse_name(form, "Schedule"),
            time_option="sunrise"
            if option == "sunrise"
            else "sunset"
            if option == "sunset"
            else "time",
        )
    if kind == "countdown":
        text = _text(form, "minutes")
        try:
            minutes = int(text)
        except ValueError:
            raise InvalidInput(
                f"The timer runs a whole number of minutes (1 to {MAX_COUNTDOWN_MIN})."
            ) from None
        if not 1 <= minutes <= MAX_COUNTDOWN_MIN:
            raise InvalidInput(f"The timer runs 1 to {MAX_COUNTDOWN_MIN} minutes (24 hours).")
        return CountdownRule(
            delay_s=minutes * 60, turn_on=parse_action(form), name=parse_name(form, "Timer")
        )
    if kind == "away":
        start = parse_clock(form, "start", "The start")
        end = parse_clock(form, "end", "The end")
        if end == start:
            raise InvalidInput("Away mode needs an end time other than its start.")
        return AwayRule(
            start_min=start, end_min=end, weekdays=parse_days(form), name=parse_name(form, "Away")
        )
    raise InvalidInput(f"“{kind[:20]}” is not a kind of rule: schedule, countdown or away.")
