"""Simulated SMART schedules and away rules switch the device on the simulated clock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from kasacloud.protocol import smart
from kasacloud.sim import SimClock, build_any, new_device_id
from kasacloud.sim.smart import SmartDevice
from kasacloud.sim.smart.timing import away_switches

START = 1_750_000_000.0  # Sunday 2025-06-15, mid-afternoon in Europe


def _plug(clock: SimClock, state: dict[str, Any] | None = None, device_id: str = "") -> SmartDevice:
    device = build_any(
        "P110(EU)_1.0",
        device_id=device_id or new_device_id(),
        alias="Lamp",
        clock=clock,
        state=state,
    )
    assert isinstance(device, SmartDevice)
    return device


def _ok(device: SmartDevice, method: str, params: dict[str, Any] | None = None) -> Any:
    answer = device.handle(smart.smart_request(method, params))
    assert answer["error_code"] == 0, (method, params, answer)
    return answer.get("result")


def _on(device: SmartDevice) -> bool:
    return bool(_ok(device, "get_device_info")["device_on"])


def _seconds_until(device: SmartDevice, clock: SimClock, day_offset: int, minute: int) -> float:
    """Seconds from now to ``minute`` of the local day ``day_offset`` days from today."""
    now = datetime.fromtimestamp(clock.now(), device.tz)
    day = now.date() + timedelta(days=day_offset)
    at = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=device.tz)
    return at.timestamp() - clock.now()


def _week_day_mask(*days: int) -> int:
    """Bits of ``week_day`` (0 Sunday ... 6 Saturday)."""
    return sum(1 << d for d in days)


def test_a_schedule_switches_at_its_minute_every_day() -> None:
    clock = SimClock(START, speed=0)
    device = _plug(clock)
    rule = {
        "enable": True,
        "s_min": 6 * 60,
        "s_type": "normal",
        "time_offset": 0,
        "week_day": 127,
        "mode": "repeat",
        "desired_states": {"on": True},
        "e_action": "off",
        "e_min": 7 * 60,
        "e_type": "normal",
    }
    _ok(device, "add_schedule_rule", rule)
    assert not _on(device)
    clock.advance(_seconds_until(device, clock, 1, 6 * 60) - 60)
    assert not _on(device), "a minute before the rule's time"
    clock.advance(120)
    assert _on(device), "on at 06:00"
    clock.advance(_seconds_until(device, clock, 0, 7 * 60) + 1)
    assert not _on(device), "the end action at 07:00"
    clock.advance(_seconds_until(device, clock, 1, 6 * 60) + 1)
    assert _on(device), "again the next day"
    # Time on today is the hour the rule kept it on, counted from the rule's own minute.
    assert _ok(device, "get_device_info")["on_time"] == 1


def test_a_schedule_keeps_to_its_days_and_enable() -> None:
    clock = SimClock(START, speed=0)
    device = _plug(clock)
    today = datetime.fromtimestamp(clock.now(), device.tz)
    sunday = (today.weekday() + 1) % 7 == 0
    assert sunday, "the test starts on a Sunday"
    # Tuesdays only (bit 2): not Monday, then on Tuesday.
    rule = {"s_min": 600, "week_day": _week_day_mask(2), "desired_states": {"on": True}}
    added = _ok(device, "add_schedule_rule", rule)
    clock.advance(_seconds_until(device, clock, 1, 601))
    assert not _on(device), "not on Monday"
    clock.advance(_seconds_until(device, clock, 1, 601))
    assert _on(device), "on Tuesday at 10:00"
    # Disabled, it does nothing.
    _ok(device, "set_device_info", {"device_on": False})
    _ok(device, "edit_schedule_rule", {"id": added["id"], "enable": False})
    clock.advance(7 * 86_400)
    assert not _on(device)
    listed = _ok(device, "get_schedule_rules")["rule_list"]
    assert listed[0]["enable"] is False


def test_a_one_shot_schedule_acts_once_then_disables_itself() -> None:
    clock = SimClock(START, speed=0)
    device = _plug(clock)
    rule = {"s_min": 1200, "week_day": 0, "mode": "once", "desired_states": {"on": True}}
    _ok(device, "add_schedule_rule", rule)
    clock.advance(_seconds_until(device, clock, 0, 1201))
    assert _on(device)
    assert _ok(device, "get_schedule_rules")["rule_list"][0]["enable"] is False
    _ok(device, "set_device_info", {"device_on": False})
    clock.advance(2 * 86_400)
    assert not _on(device), "once is once"


def test_bad_schedule_and_away_rules_are_the_devices_param_error() -> None:
    device = _plug(SimClock(START, speed=0))
    for method, params in (
        ("add_schedule_rule", {"s_min": 1440, "desired_states": {"on": True}}),
        ("add_schedule_rule", {"s_min": 60, "week_day": 128}),
        ("add_schedule_rule", {"s_min": "6:00"}),
        ("add_schedule_rule", {"s_min": 60, "mode": "sometimes"}),
        ("add_schedule_rule", {"s_min": 60, "desired_states": {"on": "yes"}}),
        ("add_antitheft_rule", {"s_min": 60}),
        ("add_antitheft_rule", {"s_min": 60, "e_min": -1}),
    ):
        answer = device.handle(smart.smart_request(method, params))
        assert answer == {"error_code": -1008}, (method, params)


def test_away_switches_inside_its_window_deterministically() -> None:
    clock = SimClock(START, speed=0)
    device = _plug(clock)
    start, end = 18 * 60, 23 * 60
    added = _ok(
        device,
        "add_antitheft_rule",
        {"enable": True, "s_min": start, "e_min": end, "week_day": 127},
    )
    switches = away_switches(
        added["id"], datetime.fromtimestamp(START, device.tz).date(), start, end
    )
    assert switches[0] == (start, True)
    assert switches[-1] == (end, False)
    assert all(start <= m <= end for m, _ in switches)
    assert len(switches) >= 4, "more than on at the start and off at the end"
    assert [on for _, on in switches] == [i % 2 == 0 for i in range(len(switches))]
    assert switches == away_switches(
        added["id"], datetime.fromtimestamp(START, device.tz).date(), start, end
    )
    # The device follows them: sampled at every switch, one minute after it.
    seen = []
    for minute, on in switches:
        clock.advance(_seconds_until(device, clock, 0, minute) + 30)
        seen.append(_on(device))
        assert seen[-1] is on, (minute, on)
    # Another day, other moments (the same rule, but not the same times).
    tomorrow = datetime.fromtimestamp(START, device.tz).date() + timedelta(days=1)
    assert away_switches(added["id"], tomorrow, start, end) != switches


def test_away_over_midnight_and_after_a_snapshot() -> None:
    clock = SimClock(START, speed=0)
    device = _plug(clock)
    _ok(device, "add_antitheft_rule", {"enable": True, "s_min": 23 * 60, "e_min": 60})
    clock.advance(_seconds_until(device, clock, 0, 23 * 60) + 30)
    assert _on(device)
    saved = json.loads(json.dumps(device.snapshot()))
    again = _plug(clock, state=saved, device_id=device.device_id)
    # The restored device lists (and edits) the rules it was saved with.
    assert _ok(again, "get_antitheft_rules") == _ok(device, "get_antitheft_rules")
    full = again.handle(smart.smart_request("add_antitheft_rule", {"s_min": 1, "e_min": 2}))
    assert full == {"error_code": -2001}, "its one away rule is still there"
    clock.advance(_seconds_until(device, clock, 1, 61))
    assert not _on(again), "off after the window's end, past midnight"
    assert not _on(device)


def test_a_strip_outlets_schedule_switches_that_outlet() -> None:
    clock = SimClock(START, speed=0)
    strip = build_any("P300(EU)_1.0", device_id=new_device_id(), alias="Strip", clock=clock)
    assert isinstance(strip, SmartDevice)
    outlet = strip.children[2]

    def child(method: str, params: dict[str, Any] | None = None) -> Any:
        request = smart.smart_request(method, params)
        answer = _ok(strip, "control_child", {"device_id": outlet.node_id, "requestData": request})
        assert answer["responseData"]["error_code"] == 0, answer
        return answer["responseData"].get("result")

    outlet.set_on(False, clock.now())
    before = [c.is_on for c in strip.children]
    child("add_schedule_rule", {"s_min": 300, "desired_states": {"on": True}})
    clock.advance(_seconds_until(strip, clock, 1, 301))
    assert child("get_device_info")["device_on"] is True
    assert [c.is_on for c in strip.children] == [*before[:2], True], "that outlet only"


def test_a_strips_away_rule_switches_every_outlet() -> None:
    clock = SimClock(START, speed=0)
    strip = build_any("P300(EU)_1.0", device_id=new_device_id(), alias="Strip", clock=clock)
    assert isinstance(strip, SmartDevice)
    assert not strip.switchable
    _ok(strip, "add_antitheft_rule", {"s_min": 20 * 60, "e_min": 22 * 60})
    clock.advance(_seconds_until(strip, clock, 0, 20 * 60) + 30)
    _ok(strip, "get_device_info")
    assert all(c.is_on for c in strip.children)
    clock.advance(_seconds_until(strip, clock, 0, 22 * 60) + 30)
    _ok(strip, "get_device_info")
    assert not any(c.is_on for c in strip.children)


def test_an_outlets_own_rule_before_the_strips_away_rule_still_acts_first() -> None:
    clock = SimClock(START, speed=0)
    strip = build_any("P300(EU)_1.0", device_id=new_device_id(), alias="Strip", clock=clock)
    assert isinstance(strip, SmartDevice)
    outlet = strip.children[0]
    outlet.set_on(False, clock.now())
    _ok(strip, "add_antitheft_rule", {"s_min": 20 * 60, "e_min": 22 * 60})
    request = smart.smart_request(
        "add_schedule_rule", {"s_min": 19 * 60, "desired_states": {"on": True}, "mode": "once"}
    )
    _ok(strip, "control_child", {"device_id": outlet.node_id, "requestData": request})
    # One request long after both: the outlet's 19:00 schedule fires, then the strip's window.
    clock.advance(_seconds_until(strip, clock, 0, 20 * 60) + 30)
    _ok(strip, "get_device_info")
    assert outlet.is_on
    rules = outlet.rules.rules("schedule")
    assert rules[0]["enable"] is False, "the one-shot schedule ran (and disabled itself)"
    # Time on counts from 19:00, the schedule's minute, not from the away rule's 20:00.
    info = outlet.call("get_device_info", {})
    assert info["on_time"] >= 3600


def test_a_bulbs_schedule_sets_its_light_state() -> None:
    clock = SimClock(START, speed=0)
    bulb = build_any("L530E(EU)_3.0", device_id=new_device_id(), alias="Lamp", clock=clock)
    assert isinstance(bulb, SmartDevice)
    _ok(bulb, "set_device_info", {"device_on": False, "brightness": 80})
    states = {"on": True, "brightness": 25, "hue": 30, "saturation": 90}
    _ok(bulb, "add_schedule_rule", {"s_min": 7 * 60, "desired_states": states})
    clock.advance(_seconds_until(bulb, clock, 1, 7 * 60) + 30)
    info = _ok(bulb, "get_device_info")
    assert (info["device_on"], info["brightness"], info["hue"], info["saturation"]) == (
        True, 25, 30, 90,
    )  # fmt: skip
