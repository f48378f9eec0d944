"""Rule tables: ``schedule``, ``count_down`` and ``anti_theft`` (away mode). One class, three uses.

Rules fire on the simulated clock, evaluated lazily by the device:

- **count_down** ``{name, enable, delay, act}``: fires ``delay`` seconds after it was added,
  edited or enabled; it then stays in the list, disabled (what the Kasa app shows afterwards).
- **schedule** ``{name, enable, wday[7], repeat, sact, stime_opt, smin, soffset, eact, etime_opt,
  emin, eoffset, s_light}`` (python-kasa's rule shape): ``sact`` at minute ``smin`` of each local
  day whose ``wday`` flag is set (index 0 = Sunday), and ``eact`` at ``emin`` if given. A rule
  with ``repeat`` 0 fires once, then disables itself. ``stime_opt`` 1/2 (sunrise/sunset) use
  06:00 and 18:00 local plus ``soffset`` minutes: the simulator has no location.
- **anti_theft** ``{name, enable, wday, repeat, smin, emin, ...}``: on at ``smin``, off at
  ``emin`` (a real device switches at random moments inside that window).

With ``context.child_ids`` a rule belongs to those outlets of a strip, and ``get_rules`` with a
context lists that outlet's rules only.

``schedule`` also answers ``get_daystat`` / ``get_monthstat`` with minutes on (``time``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

from kasacloud.protocol import assumptions, commands
from kasacloud.sim.capabilities.base import (
    Call,
    Capability,
    Handler,
    JsonDict,
    invalid,
    optional_int,
    require_int,
)
from kasacloud.sim.ids import stable_hex

if TYPE_CHECKING:
    from kasacloud.sim.device import SimulatedDevice

RuleKind = Literal["schedule", "count_down", "anti_theft"]

NEXT_ACTION_TYPES: Final[dict[str, int]] = {"schedule": 1, "count_down": 2, "anti_theft": 3}
"""``next_action.type`` per rule table (-1: nothing planned)."""

SUNRISE_MIN: Final = 6 * 60
SUNSET_MIN: Final = 18 * 60
MAX_DELAY_S: Final = 24 * 3600
MINUTES_PER_DAY: Final = 24 * 60


@dataclass
class RuleEntry:
    """A stored rule: what the client sees, which outlets it acts on, when it was armed."""

    rule: JsonDict
    children: list[int] | None
    armed_s: float | None = None

    @property
    def enabled(self) -> bool:
        """The rule's own ``enable`` flag."""
        return bool(self.rule.get("enable", 0))

    def snapshot(self) -> JsonDict:
        """JSON-ready."""
        return {"rule": self.rule, "children": self.children, "armed_s": self.armed_s}

    @classmethod
    def restore(cls, state: Mapping[str, Any]) -> RuleEntry:
        """From :meth:`snapshot`."""
        armed = state.get("armed_s")
        children = state.get("children")
        return cls(
            rule=dict(state["rule"]),
            children=[int(c) for c in children] if children is not None else None,
            armed_s=float(armed) if armed is not None else None,
        )


@dataclass(frozen=True)
class Occurrence:
    """One planned action of a rule."""

    at_s: float
    entry: RuleEntry
    action: int
    last_of_rule: bool
    """The end of a one-shot rule's occurrence: the rule disables itself after it."""


class RulesCapability(Capability):
    """A rule table of one kind.

    Methods: ``get_rules``, ``add_rule``, ``edit_rule``, ``delete_rule``, ``delete_all_rules``,
    ``set_overall_enable``, ``get_next_action``.
    """

    kind: RuleKind = "schedule"

    def __init__(self, device: SimulatedDevice) -> None:
        super().__init__(device)
        self.module: str = getattr(self.profile.modules, self.kind)
        initial = self.profile.initial_rules.get(self.kind) or {}
        self.enabled = int(initial.get("enable", 1))
        self.entries: list[RuleEntry] = [
            RuleEntry(rule=dict(rule), children=None) for rule in initial.get("rule_list", [])
        ]
        self.next_rule_number = 0
        now_s = device.clock.now()
        for entry in self.entries:
            if self.kind == "count_down" and entry.enabled:
                entry.armed_s = now_s

    def routes(self) -> Mapping[str, Mapping[str, Handler]]:
        """Methods of the rule module."""
        methods: dict[str, Handler] = {
            commands.GET_RULES: self.get_rules,
            commands.ADD_RULE: self.add_rule,
            commands.EDIT_RULE: self.edit_rule,
            commands.DELETE_RULE: self.delete_rule,
            commands.DELETE_ALL_RULES: self.delete_all_rules,
            commands.SET_OVERALL_ENABLE: self.set_overall_enable,
            commands.GET_NEXT_ACTION: self.get_next_action,
        }
        if self.kind == "schedule":
            methods[commands.GET_DAYSTAT] = self.get_daystat
            methods[commands.GET_MONTHSTAT] = self.get_monthstat
        return {self.module: methods}

    # -- the table -------------------------------------------------------------------------

    def _visible(self, call: Call) -> list[RuleEntry]:
        if call.children is None:
            return [e for e in self.entries if e.children is None]
        wanted = set(call.children)
        return [e for e in self.entries if e.children is not None and wanted & set(e.children)]

    def get_rules(self, params: JsonDict, call: Call) -> JsonDict:
        """The rules (of the context's outlets, if any) and the table's overall switch."""
        answer: JsonDict = {
            "rule_list": [self._listed(e, call.now_s) for e in self._visible(call)],
            "enable": self.enabled,
        }
        if self.profile.rules_version is not None:
            answer["version"] = self.profile.rules_version
        return answer

    def _listed(self, entry: RuleEntry, now_s: float) -> JsonDict:
        """A rule as ``get_rules`` lists it: a countdown says how long it has left (``remain``)."""
        listed = dict(entry.rule)
        if self.kind == "count_down" and entry.armed_s is not None and self.enabled:
            left = max(0.0, entry.armed_s + float(listed.get("delay", 0)) - now_s)
            listed[assumptions.COUNTDOWN_REMAIN_KEY] = int(left)  # a running one only
        return listed

    def _validate(self, rule: Mapping[str, Any], *, partial: bool = False) -> JsonDict:
        """Check a rule's fields; ``partial`` for an edit (absent fields keep their value)."""

        def need(name: str, low: int, high: int) -> None:
            if partial and name not in rule:
                return
            require_int(rule, name, low, high)

        need("enable", 0, 1)
        if "name" in rule and not isinstance(rule["name"], str):
            raise invalid("name is a string")
        if self.kind == "count_down":
            need("delay", 1, MAX_DELAY_S)
            need("act", 0, 1)
        else:
            need("smin", 0, MINUTES_PER_DAY - 1)
            optional_int(rule, "stime_opt", -1, 2)
            optional_int(rule, "repeat", 0, 1)
            optional_int(rule, "sact", -1, 1)
            optional_int(rule, "eact", -1, 1)
            optional_int(rule, "etime_opt", -1, 2)
            optional_int(rule, "emin", 0, MINUTES_PER_DAY - 1)
            if self.kind == "anti_theft":
                need("emin", 0, MINUTES_PER_DAY - 1)
            wday = rule.get("wday")
            if wday is not None and (
                not isinstance(wday, list)
                or len(wday) != 7
                or any(d not in (0, 1) or isinstance(d, bool) for d in wday)
            ):
                raise invalid("wday is seven 0/1 flags, Sunday first")
            if "s_light" in rule and not isinstance(rule["s_light"], dict):
                raise invalid("s_light is a light state")
        return {k: v for k, v in rule.items() if k != "id"}

    def add_rule(self, params: JsonDict, call: Call) -> JsonDict:
        """Add a rule; answers its new ``id``."""
        fields = self._validate(params)
        self.next_rule_number += 1
        rule_id = stable_hex(self.device.device_id, self.kind, str(self.next_rule_number))
        entry = RuleEntry(
            rule={"id": rule_id, **fields},
            children=list(call.children) if call.children is not None else None,
        )
        self._arm(entry, call.now_s)
        self.entries.append(entry)
        self.device.touch()
        return {"id": rule_id}

    def _find(self, params: Mapping[str, Any], call: Call) -> RuleEntry:
        rule_id = params.get("id")
        for entry in self.entries:
            if entry.rule.get("id") == rule_id:
                return entry
        raise invalid(f"no rule {rule_id!r}")

    def edit_rule(self, params: JsonDict, call: Call) -> JsonDict:
        """Change fields of a rule (``id`` names it); a countdown starts again."""
        entry = self._find(params, call)
        fields = self._validate(params, partial=True)
        entry.rule.update(fields)
        self._arm(entry, call.now_s)
        self.device.touch()
        return {}

    def delete_rule(self, params: JsonDict, call: Call) -> JsonDict:
        """Remove a rule by ``id``."""
        entry = self._find(params, call)
        self.entries.remove(entry)
        self.device.touch()
        return {}

    def delete_all_rules(self, params: JsonDict, call: Call) -> JsonDict:
        """Remove every rule (of the context's outlets, if any)."""
        doomed = self._visible(call)
        self.entries = [e for e in self.entries if e not in doomed]
        self.device.touch()
        return {}

    def set_overall_enable(self, params: JsonDict, call: Call) -> JsonDict:
        """Switch the whole table on or off (``enable``); countdowns restart when enabled."""
        enable = require_int(params, "enable", 0, 1)
        if enable and not self.enabled:
            for entry in self.entries:
                self._arm(entry, call.now_s)
        self.enabled = enable
        self.device.touch()
        return {}

    def _arm(self, entry: RuleEntry, now_s: float) -> None:
        entry.armed_s = now_s if entry.enabled else None

    # -- time ------------------------------------------------------------------------------

    def occurrences_after(self, after_s: float) -> list[Occurrence]:
        """Each enabled rule's first action strictly after ``after_s``."""
        if not self.enabled:
            return []
        found: list[Occurrence] = []
        for entry in self.entries:
            if not entry.enabled:
                continue
            occurrence = self._next_of(entry, after_s)
            if occurrence is not None:
                found.append(occurrence)
        return found

    def _next_of(self, entry: RuleEntry, after_s: float) -> Occurrence | None:
        rule = entry.rule
        if self.kind == "count_down":
            if entry.armed_s is None:
                return None
            at_s = entry.armed_s + float(rule.get("delay", 0))
            if at_s <= after_s:
                return None
            return Occurrence(at_s, entry, int(rule.get("act", 1)), last_of_rule=True)
        actions: list[tuple[int, int, bool]] = []  # (minute of day, action, is_end)
        start_action = 1 if self.kind == "anti_theft" else int(rule.get("sact", -1))
        end_action = 0 if self.kind == "anti_theft" else int(rule.get("eact", -1))
        if start_action != -1:
            actions.append((self._minute(rule, "s"), start_action, False))
        if end_action != -1 and "emin" in rule:
            actions.append((self._minute(rule, "e"), end_action, True))
        if not actions:
            return None
        last_is_end = any(is_end for _, _, is_end in actions)
        one_shot = not rule.get("repeat", 1)
        tz = self.device.tz
        wday = rule.get("wday") or [1] * 7
        if not any(wday):
            wday = [1] * 7  # a one-shot rule without days: the next matching minute
        first_day = datetime.fromtimestamp(after_s, tz).date()
        for back_or_ahead in range(-1, 9):
            day = first_day + timedelta(days=back_or_ahead)
            if not wday[(day.weekday() + 1) % 7]:
                continue
            best: Occurrence | None = None
            for minute, action, is_end in actions:
                at_s = _local_epoch(day, minute, tz)
                if at_s > after_s and (best is None or at_s < best.at_s):
                    last = one_shot and (is_end or not last_is_end)
                    best = Occurrence(at_s, entry, action, last_of_rule=last)
            if best is not None:
                return best
        return None

    @staticmethod
    def _minute(rule: Mapping[str, Any], prefix: str) -> int:
        option = int(rule.get(f"{prefix}time_opt", 0))
        minute = int(rule.get(f"{prefix}min", 0))
        if option == 1:
            minute = SUNRISE_MIN + int(rule.get(f"{prefix}offset", 0))
        elif option == 2:
            minute = SUNSET_MIN + int(rule.get(f"{prefix}offset", 0))
        return minute % MINUTES_PER_DAY

    def next_event_s(self, after_s: float) -> float | None:
        """When the next rule fires."""
        times = [o.at_s for o in self.occurrences_after(after_s)]
        return min(times) if times else None

    def fire(self, at_s: float) -> None:
        """Carry out every action due at ``at_s``."""
        power = self.device.power
        for occurrence in self.occurrences_after(at_s - 1e-6):
            if occurrence.at_s != at_s:
                continue
            rule = occurrence.entry.rule
            if power is not None:
                light = rule.get("s_light") if occurrence.action == 1 else None
                children: list[int | None] = [None]
                if occurrence.entry.children is not None:
                    children = list(occurrence.entry.children)
                for child in children:
                    power.switch(child, bool(occurrence.action), at_s, light)
            if occurrence.last_of_rule:
                rule["enable"] = 0
                occurrence.entry.armed_s = None
            self.device.touch()

    def next_occurrence(self, child: int | None, now_s: float) -> Occurrence | None:
        """The next action of this table for the device (``None``) or one outlet."""
        candidates = [
            o
            for o in self.occurrences_after(now_s)
            if (o.entry.children is None) == (child is None)
            and (child is None or child in (o.entry.children or []))
        ]
        return min(candidates, key=lambda o: o.at_s) if candidates else None

    def has_active_rules(self) -> bool:
        """Whether anything in this table is enabled (for sysinfo's ``active_mode``)."""
        return bool(self.enabled) and any(e.enabled for e in self.entries)

    def get_next_action(self, params: JsonDict, call: Call) -> JsonDict:
        """The next planned action of this table."""
        child = call.children[0] if call.children else None
        occurrence = self.next_occurrence(child, call.now_s)
        if occurrence is None:
            return {"type": -1}
        local = datetime.fromtimestamp(occurrence.at_s, self.device.tz)
        return {
            "type": NEXT_ACTION_TYPES[self.kind],
            "id": occurrence.entry.rule.get("id", ""),
            "schd_time": local.hour * 3600 + local.minute * 60 + local.second,
            "action": occurrence.action,
        }

    # -- usage (schedule only) ---------------------------------------------------------------

    def _usage_meters(self, call: Call) -> list[Any]:
        targets = list(call.children) if call.children else self.device.targets()
        return [self.device.meters[t] for t in targets]

    def get_daystat(self, params: JsonDict, call: Call) -> JsonDict:
        """Minutes on per day of one month (``year``, ``month``)."""
        year = require_int(params, "year", 2000, 2099)
        month = require_int(params, "month", 1, 12)
        per_day: dict[int, float] = {}
        for meter in self._usage_meters(call):
            for day, minutes in meter.on_minutes.day_list(year, month):
                per_day[day] = per_day.get(day, 0.0) + minutes
        return {
            "day_list": [
                {"year": year, "month": month, "day": d, "time": round(m)}
                for d, m in sorted(per_day.items())
            ]
        }

    def get_monthstat(self, params: JsonDict, call: Call) -> JsonDict:
        """Minutes on per month of one year (``year``)."""
        year = require_int(params, "year", 2000, 2099)
        per_month: dict[int, float] = {}
        for meter in self._usage_meters(call):
            for month, minutes in meter.on_minutes.month_list(year):
                per_month[month] = per_month.get(month, 0.0) + minutes
        return {
            "month_list": [
                {"year": year, "month": m, "time": round(t)} for m, t in sorted(per_month.items())
            ]
        }

    # -- persistence -----------------------------------------------------------------------

    def snapshot(self) -> JsonDict:
        """The table."""
        return {
            "enable": self.enabled,
            "next": self.next_rule_number,
            "entries": [e.snapshot() for e in self.entries],
        }

    def restore(self, state: JsonDict) -> None:
        """The table."""
        self.enabled = int(state.get("enable", self.enabled))
        self.next_rule_number = int(state.get("next", self.next_rule_number))
        self.entries = [RuleEntry.restore(e) for e in state.get("entries", [])]


def _local_epoch(day: date, minute: int, tz: Any) -> float:
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz).timestamp()


class ScheduleCapability(RulesCapability):
    """The ``schedule`` table (and its minutes-on statistics)."""

    key = "schedule"
    kind: RuleKind = "schedule"


class CountDownCapability(RulesCapability):
    """The ``count_down`` table."""

    key = "count_down"
    kind: RuleKind = "count_down"


class AntiTheftCapability(RulesCapability):
    """The ``anti_theft`` (away mode) table."""

    key = "anti_theft"
    kind: RuleKind = "anti_theft"
