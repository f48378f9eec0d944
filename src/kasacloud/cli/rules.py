"""``kasacloud schedule``, ``countdown`` and ``away``: list, add, edit, enable, disable, remove.

A rule is named by its position in the list (``1``), its id, or a unique start of its id.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar, cast

import click

from kasacloud.cli.errors import CliError, ExitCode, usage_error
from kasacloud.cli.options import AliasedGroup, device_argument, outlet_option
from kasacloud.cli.output import Column, Listing, Message
from kasacloud.cli.runner import command
from kasacloud.cli.session import label, ref, signed_in
from kasacloud.cli.settings import Settings
from kasacloud.cli.targets import choose_one, quoted
from kasacloud.client import AwayRule, CountdownRule, Device, Outlet, Rule, ScheduleRule, Strip
from kasacloud.client.devices.modules import Away, Countdown, Schedule
from kasacloud.protocol.assumptions import COUNTDOWN_REMAIN_KEY

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
"""Index 0 is Sunday, as the devices count."""

DAYS_HELP = "Days: daily, weekdays, weekends, or a list such as mon,wed,fri [default: daily]."


def _one_or_all(rule_id: str | None, every: bool, kind: str, device: str) -> None:
    """Refuse a command given both a RULE and --all, or neither."""
    if bool(rule_id) == every:
        raise usage_error(
            "Give a RULE or --all (one of them).",
            hint=f"'kasacloud {kind} list {quoted(device)}' shows the rules.",
        )


def parse_days(text: str) -> tuple[bool, ...]:
    """``daily``, ``weekdays``, ``weekends`` or ``mon,tue,...`` as the devices' seven flags."""
    value = text.strip().lower()
    if value in ("daily", "all", "every"):
        return (True,) * 7
    if value == "weekdays":
        return (False, True, True, True, True, True, False)
    if value == "weekends":
        return (True, False, False, False, False, False, True)
    chosen = set()
    for part in value.replace(" ", "").split(","):
        if part[:3] not in DAY_NAMES or not part:
            raise usage_error(f"--days: {part!r} is not a day.", hint=DAYS_HELP)
        chosen.add(DAY_NAMES.index(part[:3]))
    return tuple(i in chosen for i in range(7))


def days_text(weekdays: Any) -> str:
    """The seven flags back as text."""
    flags = tuple(bool(d) for d in weekdays)
    if all(flags):
        return "daily"
    if flags == (False, True, True, True, True, True, False):
        return "weekdays"
    if flags == (True, False, False, False, False, False, True):
        return "weekends"
    return ",".join(name for name, on in zip(DAY_NAMES, flags, strict=True) if on) or "-"


_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_clock(text: str, option: str) -> int:
    """``HH:MM`` as minutes after midnight."""
    m = _CLOCK.match(text.strip())
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise usage_error(f"{option} {text!r} is not a time of day.", hint="Use HH:MM, e.g. 07:30.")
    return int(m[1]) * 60 + int(m[2])


def clock_text(minutes: int | None) -> str:
    """Minutes after midnight as ``HH:MM``."""
    if minutes is None:
        return "-"
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")


def parse_duration(text: str) -> int:
    """``90``, ``90s``, ``10m``, ``1h30m`` as seconds."""
    m = _DURATION.match(text.strip().lower())
    if not m or not any(m.groups()):
        raise usage_error(
            f"--delay {text!r} is not a duration.", hint="Use e.g. 90s, 10m, 1h30m (or seconds)."
        )
    seconds = int(m[1] or 0) * 3600 + int(m[2] or 0) * 60 + int(m[3] or 0)
    if seconds < 1:
        raise usage_error("--delay must be at least one second.")
    return seconds


Module = Schedule | Countdown | Away


def _module(device: Device, kind: str) -> Module:
    module: Module | None = getattr(device, kind)
    if module is None:
        if isinstance(device, Strip):
            raise usage_error(
                f"{kind} rules of a power strip belong to its outlets.",
                hint="Add --outlet N (from 1) or --outlet NAME.",
            )
        raise usage_error(f"{label(device)} has no {kind} rules.")
    return module


ModuleT = TypeVar("ModuleT", Schedule, Countdown, Away)


def _typed_module(device: Device, kind: str, cls: type[ModuleT]) -> ModuleT:
    """``_module`` for a command that knows which kind it adds (so the rule type checks)."""
    module = _module(device, kind)
    if not isinstance(module, cls):  # a library bug, not a user error
        raise TypeError(f"{kind} of {device.alias!r} is a {type(module).__name__}")
    return module


def _action(turn_on: bool) -> str:
    return "on" if turn_on else "off"


def _duration_text(seconds: int | None) -> str:
    """``1h 30m``, ``4m 10s``, ``45s``."""
    if seconds is None:
        return "-"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return " ".join(p for p in parts if p) or "0s"


def _next_run(
    now: dt.datetime | None, minute: int, weekdays: Any, enabled: bool, time_option: str = "time"
) -> str | None:
    """The next start of a rule by the device's clock (ISO, device local time), or ``None``.

    ``None`` when the rule is off, the device's clock is unknown, or the time depends on the
    sun (the device knows its sunrise; we do not).
    """
    if now is None or not enabled or time_option != "time":
        return None
    flags = [bool(d) for d in weekdays] or [True] * 7
    if not any(flags):
        flags = [True] * 7  # a one-shot rule without days: the next such minute
    base = now.replace(second=0, microsecond=0, tzinfo=None)
    for ahead in range(8):
        day = base.date() + dt.timedelta(days=ahead)
        if not flags[(day.weekday() + 1) % 7]:  # the devices count from Sunday
            continue
        at = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
        if at > base:
            return at.isoformat(timespec="minutes")
    return None


def _repeat_text(repeat: bool) -> str:
    return "weekly" if repeat else "once"


def _schedule_row(rule: ScheduleRule, now: dt.datetime | None) -> dict[str, Any]:
    at = clock_text(rule.start_min) if rule.time_option == "time" else rule.time_option
    return {
        "id": rule.id,
        "name": rule.name,
        "action": _action(rule.turn_on),
        "at": at,
        "start_min": rule.start_min,
        "days": days_text(rule.weekdays),
        "weekdays": list(rule.weekdays),
        "repeat": rule.repeat,
        "enabled": rule.enabled,
        "next_run": _next_run(now, rule.start_min, rule.weekdays, rule.enabled, rule.time_option),
        "raw": rule.raw,
    }


def _countdown_row(rule: CountdownRule, now: dt.datetime | None) -> dict[str, Any]:
    del now
    remain = rule.raw.get(COUNTDOWN_REMAIN_KEY)
    return {
        "id": rule.id,
        "name": rule.name,
        "action": _action(rule.turn_on),
        "delay_s": rule.delay_s,
        "remain_s": int(remain) if isinstance(remain, int) and rule.enabled else None,
        "enabled": rule.enabled,
        "raw": rule.raw,
    }


def _away_row(rule: AwayRule, now: dt.datetime | None) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "from": clock_text(rule.start_min),
        "to": clock_text(rule.end_min),
        "start_min": rule.start_min,
        "end_min": rule.end_min,
        "days": days_text(rule.weekdays),
        "weekdays": list(rule.weekdays),
        "repeat": rule.repeat,
        "enabled": rule.enabled,
        "next_run": _next_run(now, rule.start_min, rule.weekdays, rule.enabled),
        "raw": rule.raw,
    }


def _rows(kind: str, rules: list[Any], now: dt.datetime | None) -> list[dict[str, Any]]:
    makers: dict[str, Callable[[Any, dt.datetime | None], dict[str, Any]]] = {
        "schedule": _schedule_row,
        "countdown": _countdown_row,
        "away": _away_row,
    }
    return [{"position": n, **makers[kind](rule, now)} for n, rule in enumerate(rules, 1)]


def _when_text(value: Any) -> str:
    if not value:
        return "-"
    at = dt.datetime.fromisoformat(str(value))
    return at.strftime("%a %Y-%m-%d %H:%M")


_POSITION = Column("position", "#", justify="right")
_COLUMNS: dict[str, tuple[Column, ...]] = {
    "schedule": (
        _POSITION,
        Column("name", "Name"),
        Column("action", "Action"),
        Column("at", "At"),
        Column("days", "Days"),
        Column("repeat", "Repeat", fmt=_repeat_text),
        Column("next_run", "Next run", fmt=_when_text),
        Column("enabled", "Enabled"),
        Column("id", "Id"),
    ),
    "countdown": (
        _POSITION,
        Column("name", "Name"),
        Column("action", "Action"),
        Column("delay_s", "Delay", fmt=_duration_text),
        Column("remain_s", "Time left", fmt=_duration_text),
        Column("enabled", "Enabled"),
        Column("id", "Id"),
    ),
    "away": (
        _POSITION,
        Column("name", "Name"),
        Column("from", "From"),
        Column("to", "To"),
        Column("days", "Days"),
        Column("repeat", "Repeat", fmt=_repeat_text),
        Column("next_run", "Next run", fmt=_when_text),
        Column("enabled", "Enabled"),
        Column("id", "Id"),
    ),
}


async def _device_now(device: Device) -> dt.datetime | None:
    """The device's clock (an outlet's is its strip's); ``None`` if it cannot tell."""
    holder = device.parent if isinstance(device, Outlet) else device
    try:
        return await holder.get_time()
    except Exception:  # no clock module, or it did not answer: the listing goes on without
        return None


async def _listing(kind: str, device: Device, module: Module) -> Listing:
    rules = await module.list()
    now = await _device_now(device) if kind != "countdown" and rules else None
    return Listing(
        "rules",
        _rows(kind, rules, now),
        _COLUMNS[kind],
        meta={"device": ref(device), "kind": kind, "enabled": module.enabled},
        title=f"{label(device)}: {kind} rules",
        empty=f"{label(device)} has no {kind} rules.",
    )


def find_rule(rules: Sequence[Rule], selector: str, where: str, kind: str, device: str) -> Rule:
    """The rule ``selector`` names: its position (from 1), its id, or a unique start of its id."""
    text = selector.strip()
    hint = f"'kasacloud {kind} list {quoted(device)}' shows the rules: # and Id."
    if text.isdigit() and len(text) < 4:
        position = int(text)
        if 1 <= position <= len(rules):
            return rules[position - 1]
        raise CliError(
            f"{where} has {len(rules)} {kind} rule(s): there is no rule #{position}.",
            hint=hint,
            exit_code=ExitCode.NOT_FOUND,
        )
    exact = [r for r in rules if (r.id or "").lower() == text.lower()]
    matches = exact or [r for r in rules if text and (r.id or "").lower().startswith(text.lower())]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise CliError(
            f"{where} has no {kind} rule {text!r}.", hint=hint, exit_code=ExitCode.NOT_FOUND
        )
    raise CliError(
        f"{text!r} starts the ids of {len(matches)} {kind} rules of {where}:",
        hint="Give more of the id, or the rule's #.",
        exit_code=ExitCode.NOT_FOUND,
        candidates=[{"alias": r.name, "id": r.id or ""} for r in matches],
    )


async def _rules_of(module: Module) -> list[Rule]:
    return list(cast(list[Rule], await module.list()))


RULE_ARGUMENT = click.argument("rule_id", metavar="[RULE]", required=False)
RULE_HELP = "RULE: its # in the list, its id, or the start of its id."


def _rules_group(kind: str, doc: str) -> click.Group:
    @click.group(kind, cls=AliasedGroup, help=doc)
    def group() -> None:
        pass

    @command("list", help=f"List a device's {kind} rules.")
    @device_argument
    @outlet_option
    async def list_rules(current: Settings, device: str, outlet: str | None) -> Listing:
        async with signed_in(current) as cloud:
            chosen = await choose_one(cloud, device, outlet)
            return await _listing(kind, chosen, _module(chosen, kind))

    @command(
        "remove",
        help=f"Remove one {kind} rule, or all of them with --all (also: delete, rm). {RULE_HELP}",
    )
    @device_argument
    @RULE_ARGUMENT
    @click.option("--all", "remove_all", is_flag=True, help=f"Remove every {kind} rule.")
    @outlet_option
    async def remove_rule(
        current: Settings, device: str, rule_id: str | None, remove_all: bool, outlet: str | None
    ) -> Message:
        _one_or_all(rule_id, remove_all, kind, device)
        async with signed_in(current) as cloud:
            chosen = await choose_one(cloud, device, outlet)
            module = _module(chosen, kind)
            if remove_all:
                await module.delete_all()
                return Message(
                    f"Removed every {kind} rule of {label(chosen)}.",
                    {"device": ref(chosen), "kind": kind, "removed": "all"},
                )
            assert rule_id is not None
            rule = find_rule(await _rules_of(module), rule_id, label(chosen), kind, device)
            assert rule.id is not None
            await module.delete(rule.id)
        return Message(
            f"Removed {kind} rule {rule.id} of {label(chosen)}.",
            {"device": ref(chosen), "kind": kind, "removed": rule.id},
        )

    def switch_command(enable: bool) -> click.Command:
        verb = "enable" if enable else "disable"

        @command(
            verb,
            help=f"{verb.capitalize()} one {kind} rule, or (--all) the device's whole {kind} "
            f"table. {RULE_HELP}",
        )
        @device_argument
        @RULE_ARGUMENT
        @click.option("--all", "whole", is_flag=True, help=f"The whole {kind} table.")
        @outlet_option
        async def switch_rule(
            current: Settings, device: str, rule_id: str | None, whole: bool, outlet: str | None
        ) -> Listing:
            _one_or_all(rule_id, whole, kind, device)
            async with signed_in(current) as cloud:
                chosen = await choose_one(cloud, device, outlet)
                module = _module(chosen, kind)
                if whole:
                    await module.set_enabled(enable)
                    listing = await _listing(kind, chosen, module)
                    listing.footer = f"{verb.capitalize()}d the {kind} table."
                    return listing
                assert rule_id is not None
                rule = find_rule(await _rules_of(module), rule_id, label(chosen), kind, device)
                await module.edit(_fresh(rule, enabled=enable))
                return _changed(await _listing(kind, chosen, module), rule.id, f"{verb}d")

        return switch_rule

    group.add_command(list_rules)
    group.add_command(remove_rule)
    group.add_command(switch_command(True))
    group.add_command(switch_command(False))
    return group


def _fresh(rule: Rule, **changes: Any) -> Rule:
    """``rule`` with ``changes``, without what the device adds when it lists (``remain``)."""
    raw = {k: v for k, v in rule.raw.items() if k != COUNTDOWN_REMAIN_KEY}
    return replace(rule, raw=raw, **changes)


def _changed(listing: Listing, rule_id: str | None, what: str) -> Listing:
    listing.meta["changed"] = rule_id
    position = next((r["position"] for r in listing.rows if r["id"] == rule_id), None)
    listing.footer = (
        f"Rule #{position} ({rule_id}) {what}." if position else f"Rule {rule_id} {what}."
    )
    return listing


schedule = _rules_group("schedule", "Turn a device on or off at times of day.")
countdown = _rules_group(
    "countdown", "Turn a device on or off after a delay (a device runs one countdown at a time)."
)
away = _rules_group("away", "Away mode: switch lights at random between two times.")


def _schedule_time(at: str) -> tuple[Any, int]:
    if at.strip().lower() in ("sunrise", "sunset"):
        return at.strip().lower(), 0
    return "time", parse_clock(at, "--at")


@command("add")
@device_argument
@outlet_option
@click.option("--at", "at", required=True, metavar="HH:MM|sunrise|sunset", help="When.")
@click.option("--action", type=click.Choice(["on", "off"]), required=True, help="What to do.")
@click.option("--days", default="daily", show_default=True, help=DAYS_HELP)
@click.option("--once", is_flag=True, help="Run once, not every week.")
@click.option("--name", default="Schedule", show_default=True, help="The rule's name.")
async def schedule_add(
    current: Settings,
    device: str,
    outlet: str | None,
    at: str,
    action: str,
    days: str,
    once: bool,
    name: str,
) -> Listing:
    """Add a schedule rule: turn on or off at a time (or at sunrise/sunset)."""
    weekdays = parse_days(days)
    option, start = _schedule_time(at)
    rule = ScheduleRule(
        turn_on=action == "on",
        start_min=start,
        weekdays=weekdays,
        repeat=not once,
        name=name,
        time_option=option,
    )
    async with signed_in(current) as cloud:
        chosen = await choose_one(cloud, device, outlet)
        module = _typed_module(chosen, "schedule", Schedule)
        added = await module.add(rule)
        return _added(await _listing("schedule", chosen, module), added.id)


@command("edit")
@device_argument
@click.argument("rule_id", metavar="RULE")
@outlet_option
@click.option("--at", "at", metavar="HH:MM|sunrise|sunset", help="When.")
@click.option("--action", type=click.Choice(["on", "off"]), help="What to do.")
@click.option("--days", help=DAYS_HELP.removesuffix(" [default: daily]."))
@click.option("--once/--repeat", "once", default=None, help="Run once, or every week.")
@click.option("--name", help="The rule's name.")
async def schedule_edit(
    current: Settings,
    device: str,
    rule_id: str,
    outlet: str | None,
    at: str | None,
    action: str | None,
    days: str | None,
    once: bool | None,
    name: str | None,
) -> Listing:
    """Change a schedule rule (what is not given stays). RULE: its #, its id, or its start."""
    changes: dict[str, Any] = {}
    if at is not None:
        changes["time_option"], changes["start_min"] = _schedule_time(at)
    if action is not None:
        changes["turn_on"] = action == "on"
    if days is not None:
        changes["weekdays"] = parse_days(days)
    if once is not None:
        changes["repeat"] = not once
    if name is not None:
        changes["name"] = name
    return await _edit(current, "schedule", Schedule, device, rule_id, outlet, changes)


async def _edit(
    current: Settings,
    kind: str,
    cls: type[ModuleT],
    device: str,
    rule_id: str,
    outlet: str | None,
    changes: dict[str, Any],
) -> Listing:
    if not changes:
        raise usage_error(
            "Nothing to change.", hint=f"'kasacloud {kind} edit --help' lists what can."
        )
    async with signed_in(current) as cloud:
        chosen = await choose_one(cloud, device, outlet)
        module = _typed_module(chosen, kind, cls)
        rule = find_rule(await _rules_of(module), rule_id, label(chosen), kind, device)
        await module.edit(_fresh(rule, **changes))
        return _changed(await _listing(kind, chosen, module), rule.id, "changed")


@command("add")
@device_argument
@outlet_option
@click.option("--delay", required=True, metavar="DURATION", help="After how long: 90s, 10m, 1h30m.")
@click.option("--action", type=click.Choice(["on", "off"]), required=True, help="What to do.")
@click.option("--name", default="Countdown", show_default=True, help="The rule's name.")
async def countdown_add(
    current: Settings, device: str, outlet: str | None, delay: str, action: str, name: str
) -> Listing:
    """Add a countdown: turn on or off after a delay (a device runs one at a time)."""
    rule = CountdownRule(delay_s=parse_duration(delay), turn_on=action == "on", name=name)
    async with signed_in(current) as cloud:
        chosen = await choose_one(cloud, device, outlet)
        module = _typed_module(chosen, "countdown", Countdown)
        existing = await module.list()
        if existing:
            raise _one_countdown(chosen, device, existing[0])
        added = await module.add(rule)
        return _added(await _listing("countdown", chosen, module), added.id)


def _one_countdown(chosen: Device, selector: str, existing: CountdownRule) -> CliError:
    remain = existing.raw.get(COUNTDOWN_REMAIN_KEY)
    left = f", {_duration_text(remain)} left" if isinstance(remain, int) else ""
    name = quoted(selector)
    return usage_error(
        f"{label(chosen)} already has a countdown ({_action(existing.turn_on)} after "
        f"{_duration_text(existing.delay_s)}{left}): a device runs one countdown at a time.",
        hint=f"Change it ('kasacloud countdown edit {name} 1 --delay ...') or remove it "
        f"('kasacloud countdown rm {name} 1') first.",
    )


@command("edit")
@device_argument
@click.argument("rule_id", metavar="RULE")
@outlet_option
@click.option("--delay", metavar="DURATION", help="After how long: 90s, 10m, 1h30m (restarts it).")
@click.option("--action", type=click.Choice(["on", "off"]), help="What to do.")
@click.option("--name", help="The rule's name.")
async def countdown_edit(
    current: Settings,
    device: str,
    rule_id: str,
    outlet: str | None,
    delay: str | None,
    action: str | None,
    name: str | None,
) -> Listing:
    """Change a countdown (it starts again). RULE: its #, its id, or the start of its id."""
    changes: dict[str, Any] = {}
    if delay is not None:
        changes["delay_s"] = parse_duration(delay)
    if action is not None:
        changes["turn_on"] = action == "on"
    if name is not None:
        changes["name"] = name
    return await _edit(current, "countdown", Countdown, device, rule_id, outlet, changes)


@command("add")
@device_argument
@outlet_option
@click.option("--from", "start", required=True, metavar="HH:MM", help="Start of the period.")
@click.option("--to", "end", required=True, metavar="HH:MM", help="End of the period.")
@click.option("--days", default="daily", show_default=True, help=DAYS_HELP)
@click.option("--once", is_flag=True, help="Run once, not every week.")
@click.option("--name", default="Away", show_default=True, help="The rule's name.")
async def away_add(
    current: Settings,
    device: str,
    outlet: str | None,
    start: str,
    end: str,
    days: str,
    once: bool,
    name: str,
) -> Listing:
    """Add an away-mode period: the device switches at random between two times."""
    rule = AwayRule(
        start_min=parse_clock(start, "--from"),
        end_min=parse_clock(end, "--to"),
        weekdays=parse_days(days),
        repeat=not once,
        name=name,
    )
    async with signed_in(current) as cloud:
        chosen = await choose_one(cloud, device, outlet)
        if isinstance(chosen, Outlet):
            raise usage_error("Away mode belongs to the whole strip.", hint="Leave --outlet out.")
        module = _typed_module(chosen, "away", Away)
        added = await module.add(rule)
        return _added(await _listing("away", chosen, module), added.id)


@command("edit")
@device_argument
@click.argument("rule_id", metavar="RULE")
@click.option("--from", "start", metavar="HH:MM", help="Start of the period.")
@click.option("--to", "end", metavar="HH:MM", help="End of the period.")
@click.option("--days", help=DAYS_HELP.removesuffix(" [default: daily]."))
@click.option("--once/--repeat", "once", default=None, help="Run once, or every week.")
@click.option("--name", help="The rule's name.")
async def away_edit(
    current: Settings,
    device: str,
    rule_id: str,
    start: str | None,
    end: str | None,
    days: str | None,
    once: bool | None,
    name: str | None,
) -> Listing:
    """Change an away-mode period. RULE: its #, its id, or the start of its id."""
    changes: dict[str, Any] = {}
    if start is not None:
        changes["start_min"] = parse_clock(start, "--from")
    if end is not None:
        changes["end_min"] = parse_clock(end, "--to")
    if days is not None:
        changes["weekdays"] = parse_days(days)
    if once is not None:
        changes["repeat"] = not once
    if name is not None:
        changes["name"] = name
    return await _edit(current, "away", Away, device, rule_id, None, changes)


def _added(listing: Listing, rule_id: str | None) -> Listing:
    listing.meta["added"] = rule_id
    position = next((r["position"] for r in listing.rows if r["id"] == rule_id), None)
    listing.footer = (
        f"Added rule #{position} ({rule_id})." if position else f"Added rule {rule_id}."
    )
    return listing


for _group, _add, _edit_command in (
    (schedule, schedule_add, schedule_edit),
    (countdown, countdown_add, countdown_edit),
    (away, away_add, away_edit),
):
    _group.add_command(_add)
    _group.add_command(_edit_command)
