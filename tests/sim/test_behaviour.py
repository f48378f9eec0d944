"""Behaviour of simulated devices over time (issue 3, point 4), driven by a frozen SimClock."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sim_helpers import call, sysinfo

from kasacloud.sim import BOOT_TIME_S, SimClock, SimulatedDevice, build_device, new_device_id

LIGHTING = "smartlife.iot.smartbulb.lightingservice"
STRIP = "smartlife.iot.lightStrip"
DIMMER = "smartlife.iot.dimmer"
NEW_YORK = ZoneInfo("America/New_York")


def make(profile: str, clock: SimClock, **kwargs: object) -> SimulatedDevice:
    return build_device(profile, device_id=new_device_id(), alias=None, clock=clock, **kwargs)  # type: ignore[arg-type]


def local_minute(clock: SimClock, tz: ZoneInfo = NEW_YORK) -> int:
    now = datetime.fromtimestamp(clock.now(), tz)
    return now.hour * 60 + now.minute


# -- the clock ---------------------------------------------------------------------------------


def test_clock_frozen_advance_and_speed() -> None:
    clock = SimClock(start=1000.0, speed=0)
    assert clock.now() == 1000.0
    clock.advance(3600)
    assert clock.now() == 4600.0
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)
    clock.speed = 3600.0  # an hour per second
    time.sleep(0.05)
    assert 4600.0 + 150 < clock.now() < 4600.0 + 3600
    clock.speed = 0
    frozen = clock.now()
    time.sleep(0.01)
    assert clock.now() == frozen


def test_clock_is_thread_safe() -> None:
    clock = SimClock(start=0.0, speed=0)
    threads = [
        threading.Thread(target=lambda: [clock.advance(1) for _ in range(1000)]) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clock.now() == 8000.0


# -- requests and errors ---------------------------------------------------------------------


def test_errors_module_member_argument(clock: SimClock) -> None:
    plug = make("HS103", clock)
    answer = plug.handle(
        {
            "system": {"set_relay_state": {"state": 7}, "no_such_method": None},
            "emeter": {"get_realtime": None},
            "smartlife.iot.smartbulb.lightingservice": {"get_light_state": None},
            "time": {"get_timezone": None},
        }
    )
    assert answer["system"]["set_relay_state"] == {"err_code": -3, "err_msg": "invalid argument"}
    assert answer["system"]["no_such_method"] == {"err_code": -2, "err_msg": "member not support"}
    assert answer["emeter"] == {"err_code": -1, "err_msg": "module not support"}
    assert answer[LIGHTING] == {"err_code": -1, "err_msg": "module not support"}
    assert answer["time"]["get_timezone"] == {"index": 18, "err_code": 0}
    # A rejected value changed nothing.
    assert sysinfo(plug)["relay_state"] == 1
    assert call(plug, "system", "set_relay_state", "not a dict")["err_code"] == -3


@pytest.mark.anyio
async def test_async_passthrough_is_handle(clock: SimClock) -> None:
    plug = make("HS200", clock)
    assert await plug.passthrough({"system": {"set_relay_state": {"state": 1}}}) == {
        "system": {"set_relay_state": {"err_code": 0}}
    }
    assert sysinfo(plug)["relay_state"] == 1


# -- relays, outlets, system -------------------------------------------------------------------


def test_relay_switches_and_reports_on_time(clock: SimClock) -> None:
    switch = make("HS200", clock)
    revision = switch.state_revision()
    assert call(switch, "system", "set_relay_state", {"state": 1}) == {"err_code": 0}
    assert switch.state_revision() > revision
    clock.advance(90)
    info = sysinfo(switch)
    assert (info["relay_state"], info["on_time"]) == (1, 90)
    call(switch, "system", "set_relay_state", {"state": 0})
    info = sysinfo(switch)
    assert (info["relay_state"], info["on_time"]) == (0, 0)


def test_strip_outlets_by_context(clock: SimClock) -> None:
    strip = make("KP303", clock)
    ids = strip.child_ids
    assert ids == [f"{strip.device_id}{i:02d}" for i in range(3)]
    call(strip, "system", "set_relay_state", {"state": 0})  # no context: every outlet
    assert [c["state"] for c in sysinfo(strip)["children"]] == [0, 0, 0]
    call(strip, "system", "set_relay_state", {"state": 1}, child_ids=[ids[1]])
    clock.advance(5)
    children = sysinfo(strip)["children"]
    assert [c["state"] for c in children] == [0, 1, 0]
    assert [c["on_time"] for c in children] == [0, 5, 0]
    call(strip, "system", "set_dev_alias", {"alias": "Lamp"}, child_ids=[ids[2]])
    assert [c["alias"] for c in sysinfo(strip)["children"]] == ["Outlet 1", "Outlet 2", "Lamp"]
    bad = strip.handle({"context": {"child_ids": ["F" * 42]}, "system": {"get_sysinfo": None}})
    assert bad == {"system": {"err_code": -3, "err_msg": "invalid argument"}}


def test_led_alias_time_timezone_cloud(clock: SimClock) -> None:
    plug = make("KP115", clock, owner="me@example.com", cloud_server="cloud.example.test")
    assert call(plug, "system", "set_led_off", {"off": 1}) == {"err_code": 0}
    assert sysinfo(plug)["led_off"] == 1
    assert call(plug, "system", "set_dev_alias", {"alias": "Fridge"}) == {"err_code": 0}
    assert sysinfo(plug)["alias"] == "Fridge"
    assert plug.cloud_info()["alias"] == "Fridge"
    assert call(plug, "system", "set_dev_alias", {"alias": "x" * 40})["err_code"] == -3
    assert call(plug, "time", "get_time") == {
        "year": 2024, "month": 3, "mday": 15, "hour": 8, "min": 0, "sec": 0, "err_code": 0
    }  # fmt: skip  # 12:00 UTC is 08:00 in New York (EDT)
    assert call(plug, "time", "set_timezone", {"index": 39})["err_code"] == 0
    assert call(plug, "time", "get_time")["hour"] == 12  # London, GMT in March
    info = call(plug, "cnCloud", "get_info")
    assert (info["binded"], info["username"], info["server"]) == (
        1,
        "me@example.com",
        "cloud.example.test",
    )
    bulb = make("KL130", clock, owner="me@example.com")
    assert call(bulb, "smartlife.iot.common.cloud", "get_info")["username"] == "me@example.com"
    assert call(bulb, "smartlife.iot.common.timesetting", "get_timezone")["index"] == 18
    assert (
        call(bulb, "smartlife.iot.common.system", "set_dev_alias", {"alias": "B"})["err_code"] == 0
    )
    assert sysinfo(bulb)["alias"] == "B"


def test_reboot_goes_offline_for_a_moment(clock: SimClock) -> None:
    plug = make("HS103", clock)
    assert call(plug, "system", "reboot", {"delay": 2}) == {"err_code": 0}
    assert plug.is_online()
    clock.advance(2)
    assert not plug.is_online()
    clock.advance(BOOT_TIME_S)
    assert plug.is_online()
    plug.set_online(False)
    assert not plug.is_online()


# -- lights --------------------------------------------------------------------------------


def test_bulb_transitions(clock: SimClock) -> None:
    bulb = make("KL130", clock)
    off = call(bulb, LIGHTING, "transition_light_state", {"on_off": 0})
    assert off["on_off"] == 0
    assert set(off["dft_on_state"]) == {"mode", "hue", "saturation", "color_temp", "brightness"}
    on = call(bulb, LIGHTING, "transition_light_state",
              {"on_off": 1, "hue": 120, "saturation": 50, "brightness": 40})  # fmt: skip
    assert on == {"on_off": 1, "mode": "normal", "hue": 120, "saturation": 50, "color_temp": 0,
                  "brightness": 40, "err_code": 0}  # fmt: skip
    white = call(bulb, LIGHTING, "transition_light_state", {"color_temp": 9000})
    assert white["color_temp"] == 9000
    assert call(bulb, LIGHTING, "transition_light_state", {"color_temp": 9001})["err_code"] == -3
    assert call(bulb, LIGHTING, "transition_light_state", {"hue": 361})["err_code"] == -3
    assert sysinfo(bulb)["light_state"]["color_temp"] == 9000


def test_bulb_reports_the_target_at_once_during_a_transition(clock: SimClock) -> None:
    # A real bulb fades visibly but reports the target as soon as it accepts the command: a
    # client that sets 50 and reads back must see 50, not a value part-way from 80.
    bulb = make("KL130", clock)
    call(bulb, LIGHTING, "transition_light_state", {"on_off": 1, "brightness": 80})
    slow = {"brightness": 50, "hue": 200, "saturation": 60, "transition_period": 10_000}
    reply = call(bulb, LIGHTING, "transition_light_state", slow)
    assert (reply["err_code"], reply["brightness"], reply["hue"]) == (0, 50, 200)
    read = call(bulb, LIGHTING, "get_light_state")
    assert (read["on_off"], read["brightness"], read["hue"], read["saturation"]) == (1, 50, 200, 60)
    assert sysinfo(bulb)["light_state"]["brightness"] == 50
    off = call(bulb, LIGHTING, "transition_light_state", {"on_off": 0, "transition_period": 5000})
    assert off["on_off"] == 0
    assert call(bulb, LIGHTING, "get_light_state")["on_off"] == 0
    # transition_period is checked like every other field: a bad one changes nothing.
    before = call(bulb, LIGHTING, "get_light_state")
    for bad in (-1, 3_600_001, "slow", 1.5):
        answer = call(bulb, LIGHTING, "transition_light_state",
                      {"on_off": 1, "brightness": 10, "transition_period": bad})  # fmt: skip
        assert answer == {"err_code": -3, "err_msg": "invalid argument"}, bad
    assert call(bulb, LIGHTING, "get_light_state") == before


def test_light_strip_reports_the_target_and_echoes_its_transition(clock: SimClock) -> None:
    strip = make("KL430", clock)
    assert call(strip, STRIP, "get_light_state")["transition"] == 500  # the firmware default
    reply = call(strip, STRIP, "set_light_state",
                 {"on_off": 1, "brightness": 30, "transition": 2000})  # fmt: skip
    assert (reply["err_code"], reply["brightness"], reply["transition"]) == (0, 30, 2000)
    read = call(strip, STRIP, "get_light_state")
    assert (read["brightness"], read["groups"][0][4], read["transition"]) == (30, 30, 2000)
    bad = call(strip, STRIP, "set_light_state", {"brightness": 90, "transition": -5})
    assert bad["err_code"] == -3
    assert call(strip, STRIP, "get_light_state")["brightness"] == 30


def test_tunable_bulb_has_no_colour(clock: SimClock) -> None:
    bulb = make("KL120", clock)
    assert call(bulb, LIGHTING, "transition_light_state", {"hue": 10})["err_code"] == -3
    assert call(bulb, LIGHTING, "transition_light_state", {"color_temp": 0})["err_code"] == -3
    assert call(bulb, LIGHTING, "transition_light_state", {"color_temp": 6500})["err_code"] == -3
    assert (
        call(bulb, LIGHTING, "transition_light_state", {"on_off": 1, "color_temp": 5000})[
            "color_temp"
        ]
        == 5000
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    model=st.sampled_from(["KL120", "KL130", "KL430"]),
    field=st.sampled_from(["hue", "saturation", "brightness", "color_temp"]),
    value=st.integers(-100, 12_000),
)
def test_light_ranges_are_enforced(model: str, field: str, value: int) -> None:
    clock = SimClock(start=1_710_504_000.0, speed=0)
    light = make(model, clock)
    module, method = (
        (STRIP, "set_light_state") if model == "KL430" else (LIGHTING, "transition_light_state")
    )
    low_k, high_k = light.profile.color_temp_range_k or (0, 0)
    colour = model != "KL120"
    valid = {
        "hue": colour and 0 <= value <= 360,
        "saturation": colour and 0 <= value <= 100,
        "brightness": 0 <= value <= 100,
        "color_temp": (value == 0 and colour) or low_k <= value <= high_k,
    }[field]
    before = call(light, module, "get_light_state")
    answer = call(light, module, method, {"on_off": 1, field: value})
    if valid:
        assert answer["err_code"] == 0
        assert answer[field] == value
    else:
        assert answer == {"err_code": -3, "err_msg": "invalid argument"}
        assert call(light, module, "get_light_state") == before


def test_light_strip(clock: SimClock) -> None:
    strip = make("KL430", clock)
    assert call(strip, STRIP, "get_light_state")["on_off"] == 0
    on = call(
        strip,
        STRIP,
        "set_light_state",
        {"on_off": 1, "hue": 200, "saturation": 100, "brightness": 50},
    )
    assert (on["on_off"], on["hue"], on["length"]) == (1, 200, 16)
    assert on["groups"] == [[0, 15, 200, 100, 50, 0]]
    assert sysinfo(strip)["light_state"]["hue"] == 200
    effect = {
        "name": "Aurora",
        "id": "xqUxDhbAhNLqulcuRMyPBmVGyTOyEMEu",
        "brightness": 80,
        "enable": 1,
    }
    assert call(strip, STRIP, "set_lighting_effect", effect) == {"err_code": 0}
    state = sysinfo(strip)["lighting_effect_state"]
    assert (state["name"], state["enable"]) == ("Aurora", 1)
    call(strip, STRIP, "set_light_state", {"brightness": 20})
    assert sysinfo(strip)["lighting_effect_state"]["enable"] == 0
    call(strip, STRIP, "set_light_state", {"on_off": 0})
    assert sysinfo(strip)["light_state"]["dft_on_state"]["brightness"] == 20


def test_dimmer(clock: SimClock) -> None:
    dimmer = make("HS220", clock)
    assert call(dimmer, DIMMER, "set_brightness", {"brightness": 0})["err_code"] == -3
    assert call(dimmer, DIMMER, "set_brightness", {"brightness": 35}) == {"err_code": 0}
    info = sysinfo(dimmer)
    assert (info["brightness"], info["relay_state"]) == (35, 0)
    call(dimmer, DIMMER, "set_switch_state", {"state": 1})
    assert sysinfo(dimmer)["relay_state"] == 1
    call(dimmer, "system", "set_relay_state", {"state": 0})
    call(dimmer, DIMMER, "set_dimmer_transition", {"brightness": 80, "duration": 1000})
    info = sysinfo(dimmer)
    assert (info["brightness"], info["relay_state"]) == (80, 1)
    call(dimmer, DIMMER, "set_fade_on_time", {"fadeTime": 2500})
    assert call(dimmer, DIMMER, "get_dimmer_parameters")["fadeOnTime"] == 2500
    # HS220 firmware knows "emeter" but has none.
    assert call(dimmer, "emeter", "get_realtime") == {
        "err_code": -1,
        "err_msg": "module not support",
    }


# -- rules ---------------------------------------------------------------------------------


def test_countdown_fires_after_its_delay(clock: SimClock) -> None:
    plug = make("HS103", clock)
    call(plug, "system", "set_relay_state", {"state": 0})
    added = call(plug, "count_down", "add_rule", {"name": "t", "enable": 1, "delay": 600, "act": 1})
    assert added["err_code"] == 0
    assert len(added["id"]) == 32
    assert sysinfo(plug)["active_mode"] == "count_down"
    action = call(plug, "count_down", "get_next_action")
    assert (action["type"], action["id"], action["action"]) == (2, added["id"], 1)
    clock.advance(599)
    assert sysinfo(plug)["relay_state"] == 0
    revision = plug.state_revision()
    clock.advance(1)
    info = sysinfo(plug)
    assert info["relay_state"] == 1
    assert info["on_time"] == 0
    assert plug.state_revision() > revision
    rules = call(plug, "count_down", "get_rules")["rule_list"]
    assert rules == [{"id": added["id"], "name": "t", "enable": 0, "delay": 600, "act": 1}]
    clock.advance(3600)
    assert sysinfo(plug)["on_time"] == 3600  # fired once only
    # Edit re-arms; overall disable stops it; delete removes it.
    call(plug, "count_down", "edit_rule", {"id": added["id"], "enable": 1, "act": 0, "delay": 60})
    call(plug, "count_down", "set_overall_enable", {"enable": 0})
    clock.advance(120)
    assert sysinfo(plug)["relay_state"] == 1
    call(plug, "count_down", "set_overall_enable", {"enable": 1})
    clock.advance(60)
    assert sysinfo(plug)["relay_state"] == 0
    assert call(plug, "count_down", "delete_rule", {"id": added["id"]}) == {"err_code": 0}
    assert call(plug, "count_down", "get_rules")["rule_list"] == []
    assert call(plug, "count_down", "delete_rule", {"id": added["id"]})["err_code"] == -3
    assert (
        call(plug, "count_down", "add_rule", {"enable": 1, "delay": 0, "act": 1})["err_code"] == -3
    )


def test_countdown_on_a_strip_outlet(clock: SimClock) -> None:
    strip = make("HS300", clock)
    call(strip, "system", "set_relay_state", {"state": 0})
    outlet = strip.child_ids[4]
    call(
        strip,
        "count_down",
        "add_rule",
        {"name": "x", "enable": 1, "delay": 30, "act": 1},
        child_ids=[outlet],
    )
    assert call(strip, "count_down", "get_rules")["rule_list"] == []
    assert len(call(strip, "count_down", "get_rules", child_ids=[outlet])["rule_list"]) == 1
    assert sysinfo(strip)["children"][4]["next_action"]["type"] == 2
    clock.advance(30)
    assert [c["state"] for c in sysinfo(strip)["children"]] == [0, 0, 0, 0, 1, 0]


def test_schedule_fires_at_its_minute_every_day(clock: SimClock) -> None:
    plug = make("HS103", clock)
    call(plug, "system", "set_relay_state", {"state": 0})
    start = local_minute(clock) + 10  # 08:10 New York
    rule = {"name": "morning", "enable": 1, "wday": [1] * 7, "repeat": 1, "stime_opt": 0,
            "smin": start, "sact": 1, "etime_opt": 0, "emin": start + 5, "eact": 0}  # fmt: skip
    added = call(plug, "schedule", "add_rule", rule)
    assert added["err_code"] == 0
    assert sysinfo(plug)["active_mode"] == "schedule"
    assert sysinfo(plug)["next_action"] == {
        "type": 1,
        "id": added["id"],
        "schd_sec": start * 60,
        "action": 1,
    }
    clock.advance(9 * 60 + 59)
    assert sysinfo(plug)["relay_state"] == 0
    clock.advance(1)
    assert sysinfo(plug)["relay_state"] == 1
    clock.advance(5 * 60)
    assert sysinfo(plug)["relay_state"] == 0
    clock.advance(86_400 - 5 * 60)  # the next day, same minute
    assert sysinfo(plug)["relay_state"] == 1
    assert call(plug, "schedule", "get_rules")["rule_list"][0]["enable"] == 1
    # Disabled weekday: skip a day.
    wday = [1] * 7
    wday[(datetime.fromtimestamp(clock.now() + 86_400, NEW_YORK).weekday() + 1) % 7] = 0
    call(plug, "schedule", "edit_rule", {"id": added["id"], "wday": wday})
    clock.advance(86_400 - 1)
    call(plug, "system", "set_relay_state", {"state": 0})
    clock.advance(2)
    assert sysinfo(plug)["relay_state"] == 0
    call(plug, "schedule", "delete_all_rules")
    assert call(plug, "schedule", "get_next_action") == {"type": -1, "err_code": 0}


def test_one_shot_schedule_disables_itself(clock: SimClock) -> None:
    bulb = make("KL120", clock)
    call(bulb, LIGHTING, "transition_light_state", {"on_off": 0})
    minute = local_minute(clock) + 1
    call(bulb, "smartlife.iot.common.schedule", "add_rule",
         {"name": "once", "enable": 1, "wday": [0] * 7, "repeat": 0, "stime_opt": 0, "smin": minute,
          "sact": 1, "s_light": {"brightness": 10, "color_temp": 2700}})  # fmt: skip
    clock.advance(60)
    state = call(bulb, LIGHTING, "get_light_state")
    assert (state["on_off"], state["brightness"], state["color_temp"]) == (1, 10, 2700)
    assert call(bulb, "smartlife.iot.common.schedule", "get_rules")["rule_list"][0]["enable"] == 0


def test_anti_theft_switches_within_its_window(clock: SimClock) -> None:
    plug = make("HS103", clock)
    call(plug, "system", "set_relay_state", {"state": 0})
    minute = local_minute(clock)
    call(plug, "anti_theft", "add_rule",
         {"name": "away", "enable": 1, "wday": [1] * 7, "repeat": 1, "stime_opt": 0,
          "smin": minute + 30, "etime_opt": 0, "emin": minute + 90, "frequency": 5})  # fmt: skip
    assert sysinfo(plug)["active_mode"] == "anti_theft"
    clock.advance(30 * 60)
    assert sysinfo(plug)["relay_state"] == 1
    clock.advance(60 * 60)
    assert sysinfo(plug)["relay_state"] == 0


# -- energy --------------------------------------------------------------------------------


def test_energy_v1_units_and_total_grows(clock: SimClock) -> None:
    plug = make("HS110(US)", clock)
    call(plug, "system", "set_relay_state", {"state": 1})
    first = call(plug, "emeter", "get_realtime")
    assert all(isinstance(first[k], float) for k in ("current", "voltage", "power", "total"))
    assert 1200 < first["power"] < 1800
    assert 115 < first["voltage"] < 125
    assert first["current"] == pytest.approx(first["power"] / first["voltage"], rel=1e-3)
    clock.advance(3600)
    second = call(plug, "emeter", "get_realtime")
    assert second["total"] - first["total"] == pytest.approx(
        plug.nominal_power_w(None) / 1000, rel=0.05
    )
    call(plug, "system", "set_relay_state", {"state": 0})
    off = call(plug, "emeter", "get_realtime")
    assert off["power"] == 0.0
    assert off["current"] == 0.0
    clock.advance(3600)
    assert call(plug, "emeter", "get_realtime")["total"] == off["total"]
    days = call(plug, "emeter", "get_daystat", {"year": 2024, "month": 3})["day_list"]
    assert [d["day"] for d in days] == list(range(1, 16))
    assert all(isinstance(d["energy"], float) for d in days)
    months = call(plug, "emeter", "get_monthstat", {"year": 2023})["month_list"]
    assert [m["month"] for m in months] == list(range(3, 13))  # 12 months back from March 2024


def test_energy_v2_units_history_and_erase(clock: SimClock) -> None:
    plug = make("KP115", clock)
    call(plug, "system", "set_relay_state", {"state": 1})
    reading = call(plug, "emeter", "get_realtime")
    assert all(
        isinstance(reading[k], int) for k in ("current_ma", "voltage_mv", "power_mw", "total_wh")
    )
    feb = call(plug, "emeter", "get_daystat", {"year": 2024, "month": 2})["day_list"]
    mar = call(plug, "emeter", "get_daystat", {"year": 2024, "month": 3})["day_list"]
    assert len(feb) + len(mar) >= 30
    assert all(isinstance(d["energy_wh"], int) and "energy" not in d for d in feb + mar)
    today = mar[-1]["energy_wh"]
    clock.advance(2 * 3600)
    after = call(plug, "emeter", "get_daystat", {"year": 2024, "month": 3})["day_list"][-1][
        "energy_wh"
    ]
    assert after - today == pytest.approx(2 * plug.nominal_power_w(None), rel=0.05)
    assert call(plug, "emeter", "get_daystat", {"year": 2024})["err_code"] == -3
    assert call(plug, "emeter", "erase_emeter_stat") == {"err_code": 0}
    assert call(plug, "emeter", "get_daystat", {"year": 2024, "month": 3})["day_list"] == []
    assert call(plug, "emeter", "get_monthstat", {"year": 2024})["month_list"] == []
    assert call(plug, "emeter", "get_realtime")["total_wh"] == 0
    clock.advance(86_400)  # accumulates again afterwards
    assert len(call(plug, "emeter", "get_daystat", {"year": 2024, "month": 3})["day_list"]) == 2


def test_strip_energy_per_outlet(clock: SimClock) -> None:
    strip = make("HS300", clock)
    ids = strip.child_ids
    call(strip, "system", "set_relay_state", {"state": 0})
    call(strip, "system", "set_relay_state", {"state": 1}, child_ids=[ids[4]])
    readings = [call(strip, "emeter", "get_realtime", child_ids=[i]) for i in ids]
    assert [r["power_mw"] > 0 for r in readings] == [False, False, False, False, True, False]
    assert readings[4]["slot_id"] == 4
    whole = call(strip, "emeter", "get_realtime")
    assert whole["power_mw"] == readings[4]["power_mw"]
    before = [call(strip, "emeter", "get_realtime", child_ids=[i])["total_wh"] for i in ids]
    clock.advance(3600)
    after = [call(strip, "emeter", "get_realtime", child_ids=[i])["total_wh"] for i in ids]
    grown = [a - b for a, b in zip(after, before, strict=True)]
    assert grown[4] == pytest.approx(strip.nominal_power_w(4), rel=0.04)  # daily wobble
    assert grown[:4] == [0, 0, 0, 0]
    assert grown[5] == 0
    call(strip, "emeter", "erase_emeter_stat", child_ids=[ids[0]])
    assert call(strip, "emeter", "get_realtime", child_ids=[ids[0]])["total_wh"] == 0
    assert call(strip, "emeter", "get_realtime", child_ids=[ids[4]])["total_wh"] > 0


def test_bulb_energy_follows_brightness(clock: SimClock) -> None:
    bulb = make("KL130", clock)
    module = "smartlife.iot.common.emeter"
    call(bulb, LIGHTING, "transition_light_state", {"on_off": 1, "brightness": 100})
    bright = call(bulb, module, "get_realtime")["power_mw"]
    call(bulb, LIGHTING, "transition_light_state", {"brightness": 10})
    dim = call(bulb, module, "get_realtime")["power_mw"]
    call(bulb, LIGHTING, "transition_light_state", {"on_off": 0})
    assert 8000 < bright < 12000
    assert 0 < dim < bright / 3
    assert call(bulb, module, "get_realtime") == {"power_mw": 0, "err_code": 0}
    assert (
        "energy_wh" in call(bulb, module, "get_daystat", {"year": 2024, "month": 3})["day_list"][0]
    )


def test_a_month_of_catching_up_is_consistent(clock: SimClock) -> None:
    strip = make("HS300", clock)
    call(strip, "system", "set_relay_state", {"state": 1})
    minute = local_minute(clock)
    for index, child in enumerate(strip.child_ids):  # daily on/off rules on every outlet
        call(strip, "schedule", "add_rule",
             {"name": f"r{index}", "enable": 1, "wday": [1] * 7, "repeat": 1, "stime_opt": 0,
              "smin": (minute + 60) % 1440, "sact": 0, "etime_opt": 0,
              "emin": (minute + 120) % 1440, "eact": 1}, child_ids=[child])  # fmt: skip
    before = call(strip, "emeter", "get_realtime")["total_wh"]
    clock.advance(30 * 86_400)
    after = call(strip, "emeter", "get_realtime")["total_wh"]
    full_power_w = sum(strip.nominal_power_w(i) for i in range(6))
    # Off one hour a day: 23 hours of full power per day, within the 3 % daily wobble.
    assert after - before == pytest.approx(full_power_w * 23 * 30, rel=0.04)
    usage = call(strip, "schedule", "get_monthstat", {"year": 2024}, child_ids=[strip.child_ids[0]])
    assert usage["month_list"][-1]["month"] == 4
    assert usage["month_list"][-1]["time"] > 0
