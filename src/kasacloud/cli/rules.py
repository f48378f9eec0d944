"""``kasacloud schedule``, ``countdown`` and ``away``: list, add and remove a device's rules."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

from kasacloud.cli.errors import usage_error
from kasacloud.cli.options import device_argument, outlet_option
from kasacloud.cli.output import Column, Listing, Message
from kasacloud.cli.runner import command
from kasacloud.cli.session import choose, label, ref, signed_in
from kasacloud.cli.settings import Settings
from kasacloud.client import AwayRule, CountdownRule, Device, Outlet, ScheduleRule, Strip
from kasacloud.client.devices.modules import Away, Countdown, Schedule

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
"""Index 0 is Sunday, as the devices count."""

DAYS_HELP = "Days: daily, weekdays, weekends, or a list such as mon,wed,fri [default: daily]."


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


def _schedule_row(rule: ScheduleRule) -> dict[str, Any]:
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
        "raw": rule.raw,
    }


def _countdown_row(rule: CountdownRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "action": _action(rule.turn_on),
        "delay_s": rule.delay_s,
        "enabled": rule.enabled,
        "raw": rule.raw,
    }


def _away_row(rule: AwayRule) -> dict[str, Any]:
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
        "raw": rule.raw,
    }


def _rows(kind: str, rules: list[Any]) -> list[dict[str, Any]]:
    makers: dict[str, Callable[[Any], dict[str, Any]]] = {
        "schedule": _schedule_row,
        "countdown": _countdown_row,
        "away": _away_row,
    }
    return [makers[kind](rule) for rule in rules]


_COLUMNS: dict[str, tuple[Column, ...]] = {
    "schedule": (
        Column("id", "Id"),
        Column("name", "Name"),
        Column("action", "Action"),
        Column("at", "At"),
        Column("days", "Days"),
        Column("enabled", "Enabled"),
    ),
    "countdown": (
        Column("id", "Id"),
        Column("name", "Name"),
        Column("action", "Action"),
        Column("delay_s", "Delay", unit="s", justify="right"),
        Column("enabled", "Enabled"),
    ),
    "away": (
        Column("id", "Id"),
        Column("name", "Name"),
        Column("from", "From"),
        Column("to", "To"),
        Column("days", "Days"),
        Column("enabled", "Enabled"),
    ),
}


async def _listing(kind: str, device: Device, module: Module) -> Listing:
    rules = await module.list()
    return Listing(
        "rules",
        _rows(kind, rules),
        _COLUMNS[kind],
        meta={"device": ref(device), "kind": kind, "enabled": module.enabled},
        title=f"{label(device)}: {kind} rules",
        empty=f"{label(device)} has no {kind} rules.",
    )


def _rules_group(kind: str, doc: str) -> click.Group:
    @click.group(kind, help=doc)
    def group() -> None:
        pass

    @command("list", help=f"List a device's {kind} rules.")
    @device_argument
    @outlet_option
    async def list_rules(current: Settings, device: str, outlet: str | None) -> Listing:
        async with signed_in(current) as cloud:
            chosen = await choose(cloud, device, outlet)
            return await _listing(kind, chosen, _module(chosen, kind))

    @command("remove", help=f"Remove one {kind} rule by id, or all of them with --all.")
    @device_argument
    @click.argument("rule_id", metavar="[RULE_ID]", required=False)
    @click.option("--all", "remove_all", is_flag=True, help=f"Remove every {kind} rule.")
    @outlet_option
    async def remove_rule(
        current: Settings, device: str, rule_id: str | None, remove_all: bool, outlet: str | None
    ) -> Message:
        if bool(rule_id) == remove_all:
            raise usage_error(
                "Give a RULE_ID or --all (one of them).",
                hint=f"'kasacloud {kind} list DEVICE' shows the ids.",
            )
        async with signed_in(current) as cloud:
            chosen = await choose(cloud, device, outlet)
            module = _module(chosen, kind)
            if remove_all:
                await module.delete_all()
                return Message(
                    f"Removed every {kind} rule of {label(chosen)}.",
                    {"device": ref(chosen), "kind": kind, "removed": "all"},
                )
            assert rule_id is not None
            known = [r.id for r in await module.list()]
            if rule_id not in known:
                raise usage_error(
                    f"{label(chosen)} has no {kind} rule {rule_id!r}.",
                    hint=f"'kasacloud {kind} list {device}' shows the ids.",
                ).with_code_not_found()
            await module.delete(rule_id)
        return Message(
            f"Removed {kind} rule {rule_id} of {label(chosen)}.",
            {"device": ref(chosen), "kind": kind, "removed": rule_id},
        )

    group.add_command(list_rules)
    group.add_command(remove_rule)
    return group


schedule = _rules_group("schedule", "Turn a device on or off at times of day.")
countdown = _rules_group("countdown", "Turn a device on or off after a delay.")
away = _rules_group("away", "Away mode: switch lights at random between two times.")


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
    if at.strip().lower() in ("sunrise", "sunset"):
        option: Any = at.strip().lower()
        start = 0
    else:
        option, start = "time", parse_clock(at, "--at")
    rule = ScheduleRule(
        turn_on=action == "on",
        start_min=start,
        weekdays=weekdays,
        repeat=not once,
        name=name,
        time_option=option,
    )
    async with signed_in(current) as cloud:
        chosen = await choose(cloud, device, outlet)
        module = _typed_module(chosen, "schedule", Schedule)
        added = await module.add(rule)
        return _added(await _listing("schedule", chosen, module), added.id)


@command("add")
@device_argument
@outlet_option
@click.option("--delay", required=True, metavar="DURATION", help="After how long: 90s, 10m, 1h30m.")
@click.option("--action", type=click.Choice(["on", "off"]), required=True, help="What to do.")
@click.option("--name", default="Countdown", show_default=True, help="The rule's name.")
async def countdown_add(
    current: Settings, device: str, outlet: str | None, delay: str, action: str, name: str
) -> Listing:
    """Add a countdown: turn on or off after a delay (devices hold one at a time)."""
    rule = CountdownRule(delay_s=parse_duration(delay), turn_on=action == "on", name=name)
    async with signed_in(current) as cloud:
        chosen = await choose(cloud, device, outlet)
        module = _typed_module(chosen, "countdown", Countdown)
        added = await module.add(rule)
        return _added(await _listing("countdown", chosen, module), added.id)


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
        chosen = await choose(cloud, device, outlet)
        if isinstance(chosen, Outlet):
            raise usage_error("Away mode belongs to the whole strip.", hint="Leave --outlet out.")
        module = _typed_module(chosen, "away", Away)
        added = await module.add(rule)
        return _added(await _listing("away", chosen, module), added.id)


def _added(listing: Listing, rule_id: str | None) -> Listing:
    listing.meta["added"] = rule_id
    listing.footer = f"Added rule {rule_id}."
    return listing


schedule.add_command(schedule_add)
countdown.add_command(countdown_add)
away.add_command(away_add)
