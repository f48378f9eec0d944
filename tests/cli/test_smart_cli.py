"""The CLI drives SMART devices (Tapo, new Kasa) as it drives IOT ones, against the local cloud.

The demo house has a P110 ("Coffee machine"), a P300 ("Bedroom strip"), an L530 ("Sofa lamp"),
an L900 ("Worktop light strip"), a KS225 ("Stairs dimmer") and an H100 ("Tapo hub") with a T310
and a T110.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import DEMO_EMAIL, DEMO_PASSWORD, Kc, json_of, make_runner

from captures import smart_capture_files
from kasacloud.protocol import smart
from kasacloud.server import LocalCloud


@pytest.fixture(scope="module")
def house() -> Iterator[LocalCloud]:
    """A demo house of this module's own: these tests move its clock."""
    with LocalCloud() as running:
        yield running


def _hosted(house: LocalCloud, alias: str) -> Any:
    return next(
        house.device(i)
        for i in house.device_ids()
        if house.device(i).cloud_info()["alias"] == alias
    )


def _ask(house: LocalCloud, alias: str, method: str) -> Any:
    answer = _hosted(house, alias).handle({"method": method, "params": {}})
    assert answer["error_code"] == 0, answer
    return answer["result"]


def _soon(device: Any, now_s: float, minutes: int) -> tuple[str, float]:
    """``HH:MM`` of the device's local time ``minutes`` on, and the seconds until just after it."""
    local = device.local_time(now_s) + dt.timedelta(minutes=minutes)
    at = local.replace(second=0, microsecond=0)
    return at.strftime("%H:%M"), at.timestamp() - now_s + 30


def test_devices_lists_smart_devices_and_the_hub_with_its_sensors(signed: Kc) -> None:
    listing = signed("--json", "devices").json()["devices"]
    by_alias = {d["alias"]: d for d in listing}
    assert by_alias["Coffee machine"]["kind"] == "plug"
    assert by_alias["Bedroom strip"]["kind"] == "strip"
    assert len(by_alias["Bedroom strip"]["outlets"]) == 3
    assert by_alias["Sofa lamp"]["kind"] == "bulb"
    assert by_alias["Worktop light strip"]["kind"] == "light_strip"
    assert by_alias["Stairs dimmer"]["kind"] == "dimmer"
    hub = by_alias["Tapo hub"]
    assert hub["kind"] == "hub"
    assert hub["is_on"] is None
    sensors = {s["model"]: {f["id"]: f for f in s["features"]} for s in hub["sensors"]}
    assert sensors["T310"]["temperature"]["unit"] == "°C"
    assert isinstance(sensors["T310"]["humidity"]["value"], int | float)
    assert isinstance(sensors["T110"]["is_open"]["value"], bool)
    human = signed("info", "Tapo hub")
    assert human.code == 0, human.err
    assert "Sensors" in human.out
    assert "Temperature" in human.out
    assert "°C" in human.out


def test_on_off_toggle_and_info_on_a_smart_plug(signed: Kc) -> None:
    assert signed("on", "Coffee machine").code == 0
    assert signed("--json", "info", "Coffee machine").json()["is_on"] is True
    assert signed("toggle", "Coffee machine").code == 0
    info = signed("--json", "info", "Coffee machine").json()
    assert info["is_on"] is False
    features = {f["id"]: f for f in info["features"]}
    assert features["current_power"]["unit"] == "W"
    assert features["today_energy"]["unit"] == "kWh"
    assert info["model"] == "P110(EU)"
    off = signed("off", "Bedroom strip", "-o", "1")
    assert off.code == 0, off.err
    outlets = signed("--json", "info", "Bedroom strip").json()["outlets"]
    assert outlets[0]["is_on"] is False


def test_energy_and_its_history_on_a_smart_plug(signed: Kc) -> None:
    now = signed("--json", "energy", "Coffee machine")
    assert now.code == 0, now.err
    month = dt.date.today().strftime("%Y-%m")
    days = signed("--json", "energy", "Coffee machine", "--day", month)
    assert days.code == 0, days.err
    assert json.dumps(days.json())  # JSON-ready
    human = signed("energy", "Coffee machine", "--day", month)
    assert human.code == 0
    assert "kWh" in human.out
    start = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    exported = signed("export", "Coffee machine", "--from", start, "--format", "csv")
    assert exported.code == 0, exported.err
    rows = [line for line in exported.out.splitlines()[1:] if line.strip()]
    assert len(rows) >= 3
    assert all("Coffee machine" in row for row in rows)


def test_light_led_alias_feature_and_raw_on_smart_devices(signed: Kc) -> None:
    lit = signed("light", "Sofa lamp", "--brightness", "40")
    assert lit.code == 0, lit.err
    light = signed("--json", "info", "Sofa lamp").json()["light"]
    assert light["brightness_pct"] == 40
    assert signed("--json", "feature", "Stairs dimmer", "brightness", "25").code == 0
    assert (
        signed("--json", "feature", "Stairs dimmer", "brightness").json()["feature"]["value"] == 25
    )
    assert signed("led", "Coffee machine", "off").code == 0
    assert signed("--json", "info", "Coffee machine").json()["led"] is False
    assert signed("led", "Coffee machine", "on").code == 0
    renamed = signed("alias", "Coffee machine", "Espresso")
    assert renamed.code == 0, renamed.err
    answer = signed("raw", "Espresso", '{"method": "get_device_info"}').json()
    assert answer["error_code"] == 0
    assert smart.decode_text(answer["result"]["nickname"]) == "Espresso"
    assert signed("alias", "Espresso", "Coffee machine").code == 0
    unknown = signed("raw", "Coffee machine", '{"method": "no_such_method"}').json()
    assert unknown["error_code"] == smart.SmartErrorCode.UNKNOWN_METHOD


def test_schedule_countdown_and_away_on_smart_devices(kc_house: Kc, house: LocalCloud) -> None:
    plug = _hosted(house, "Coffee machine")
    assert json_of(kc_house, "off", "Coffee machine")["is_on"] is False
    at, wait_s = _soon(plug, house.clock.now(), 10)
    added = json_of(kc_house, "schedule", "add", "Coffee machine", "--at", at, "--action", "on")
    rule = next(r for r in added["rules"] if r["id"] == added["added"])
    assert (rule["at"], rule["days"], rule["action"], rule["enabled"]) == (at, "daily", "on", True)
    assert rule["next_run"], "the device's clock gives the next run"
    [wire] = _ask(house, "Coffee machine", "get_schedule_rules")["rule_list"]
    assert wire["s_min"] == int(at[:2]) * 60 + int(at[3:])
    assert wire["desired_states"] == {"on": True}
    assert at in kc_house("schedule", "list", "Coffee machine").out
    # The simulated plug switches at the rule's time.
    house.clock.advance(wait_s)
    assert json_of(kc_house, "info", "Coffee machine")["is_on"] is True
    # Disable, enable, edit, remove by # as for IOT devices.
    assert (
        json_of(kc_house, "schedule", "disable", "Coffee machine", "1")["rules"][0]["enabled"]
        is False
    )
    assert _ask(house, "Coffee machine", "get_schedule_rules")["rule_list"][0]["enable"] is False
    assert json_of(kc_house, "schedule", "enable", "Coffee machine", "--all")["enabled"] is True
    edited = json_of(
        kc_house,
        "schedule",
        "edit",
        "Coffee machine",
        "1",
        "--at",
        "08:15",
        "--days",
        "weekends",
        "--once",
    )
    assert (edited["rules"][0]["at"], edited["rules"][0]["days"]) == ("08:15", "weekends")
    [wire] = _ask(house, "Coffee machine", "get_schedule_rules")["rule_list"]
    assert (wire["s_min"], wire["week_day"], wire["mode"]) == (495, 0b1000001, "once")
    assert (
        json_of(kc_house, "schedule", "remove", "Coffee machine", "1")["removed"] == added["added"]
    )
    assert _ask(house, "Coffee machine", "get_schedule_rules")["rule_list"] == []

    # One countdown at a time, with its time left; it switches when it runs out.
    countdown = json_of(
        kc_house, "countdown", "add", "Coffee machine", "--delay", "10m", "--action", "off"
    )
    assert 590 <= countdown["rules"][0]["remain_s"] <= 600
    second = kc_house("countdown", "add", "Coffee machine", "--delay", "5m", "--action", "on")
    assert second.code == 2
    assert "already has a countdown" in second.err
    house.clock.advance(601)
    assert json_of(kc_house, "info", "Coffee machine")["is_on"] is False
    assert json_of(kc_house, "countdown", "remove", "Coffee machine", "--all")["removed"] == "all"

    # Away mode on the plug; on a strip it is the whole strip's, schedules the outlets'.
    away = json_of(kc_house, "away", "add", "Coffee machine", "--from", "18:00", "--to", "23:00")
    assert (away["rules"][0]["from"], away["rules"][0]["to"]) == ("18:00", "23:00")
    [wire] = _ask(house, "Coffee machine", "get_antitheft_rules")["rule_list"]
    assert (wire["s_min"], wire["e_min"], wire["week_day"]) == (1080, 1380, 127)
    assert json_of(kc_house, "away", "remove", "Coffee machine", "--all")["removed"] == "all"
    strip = kc_house("schedule", "list", "Bedroom strip")
    assert strip.code == 2
    assert "belong to its outlets" in strip.err
    outlet = json_of(
        kc_house, "schedule", "add", "Bedroom strip", "-o", "2", "--at", "06:30", "--action", "on"
    )
    assert outlet["rules"][0]["at"] == "06:30"
    assert json_of(kc_house, "schedule", "remove", "Bedroom strip", "-o", "2", "--all")["removed"]
    assert json_of(kc_house, "away", "list", "Bedroom strip")["rules"] == []
    refused = kc_house(
        "away", "add", "Bedroom strip", "-o", "1", "--from", "18:00", "--to", "19:00"
    )
    assert refused.code == 2
    assert "whole strip" in refused.err


def test_light_effect_on_a_smart_light_strip(kc_house: Kc, house: LocalCloud) -> None:
    before = _ask(house, "Worktop light strip", "get_lighting_effect")
    assert before.get("name") != "Rainbow"
    started = json_of(
        kc_house, "light", "Worktop light strip", "--effect", "rainbow", "--brightness", "60"
    )
    assert started["effect"] == "Rainbow"
    effect = _ask(house, "Worktop light strip", "get_lighting_effect")
    assert (effect["enable"], effect["name"], effect["brightness"]) == (1, "Rainbow", 60)
    info = _ask(house, "Worktop light strip", "get_device_info")
    assert info["lighting_effect"]["name"] == "Rainbow"
    # An effect is for light strips: a bulb says so.
    bulb = kc_house("light", "Sofa lamp", "--effect", "rainbow")
    assert bulb.code == 2
    assert "effects are for light strips" in bulb.err
    # A colour stops it, as on the device.
    assert json_of(kc_house, "light", "Worktop light strip", "--hsv", "200", "80", "50")["is_on"]
    assert _ask(house, "Worktop light strip", "get_lighting_effect")["enable"] == 0


@pytest.fixture(scope="module")
def gadgets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    """A KS240 (a fan gang) and an H100 (a KE100 valve among its children), from the captures."""
    files = [p for p in smart_capture_files() if p.name.startswith(("KS240", "H100"))]
    if len(files) != 2:
        pytest.fail("the KS240 and H100 captures are missing (../shared/fixtures/kasa-smart)")
    seed = {"accounts": [{"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "devices": []}]}
    data_dir = tmp_path_factory.mktemp("gadgets")
    with LocalCloud(seed=seed, data_dir=data_dir, devices=files) as running:
        yield running


@pytest.fixture
def kc_gadgets(gadgets: LocalCloud, tmp_path: Path) -> Kc:
    kc = make_runner(tmp_path / "config")
    run = kc("--cloud", gadgets.url, "login", input=f"{DEMO_EMAIL}\n{DEMO_PASSWORD}\n")
    assert run.code == 0, run.err
    return kc


def _child_info(cloud: LocalCloud, parent_alias: str, index: int) -> Any:
    parent = _hosted(cloud, parent_alias)
    return parent.children[index].call("get_device_info", {})


def test_fan_speed_and_target_temperature_are_features(kc_gadgets: Kc, gadgets: LocalCloud) -> None:
    features = json_of(kc_gadgets, "feature", "KS240 switch", "-o", "1")["features"]
    fan = next(f for f in features if f["id"] == "fan_speed")
    assert (fan["type"], fan["range"], fan["writable"]) == ("number", [1, 4], True)
    set_fan = json_of(kc_gadgets, "feature", "KS240 switch", "-o", "1", "fan_speed", "3")
    assert set_fan["feature"]["value"] == 3
    assert _child_info(gadgets, "KS240 switch", 0)["fan_speed_level"] == 3
    too_fast = kc_gadgets("feature", "KS240 switch", "-o", "1", "fan_speed", "9")
    assert too_fast.code == 2
    assert "between 1 and 4" in too_fast.err
    assert _child_info(gadgets, "KS240 switch", 0)["fan_speed_level"] == 3
    # The dimmer gang has no fan.
    dimmer = json_of(kc_gadgets, "feature", "KS240 switch", "-o", "2")["features"]
    assert "fan_speed" not in {f["id"] for f in dimmer}

    valve = json_of(kc_gadgets, "feature", "H100 hub", "-o", "1", "target_temperature", "23.5")
    assert valve["feature"]["value"] == 23.5
    assert valve["feature"]["unit"] == "°C"
    assert _child_info(gadgets, "H100 hub", 0)["target_temp"] == 23.5
    cold = kc_gadgets("feature", "H100 hub", "-o", "1", "target_temperature", "2")
    assert cold.code == 2
    assert "between 5 and 30" in cold.err


def test_smart_refusals_are_clear(kc_house: Kc, house: LocalCloud) -> None:
    # The SMART wire has no per-change transition (only the device's own fade setting).
    faded = kc_house("light", "Sofa lamp", "--brightness", "30", "--transition", "1000")
    assert faded.code == 2, (faded.out, faded.err)
    assert "changes at once" in faded.err
    assert "fade_on_s" in faded.err, "it names the device's own fade setting"
    assert "Traceback" not in faded.err
    assert _ask(house, "Sofa lamp", "get_device_info")["brightness"] != 30
    # That setting is a feature: the fade the device applies to every switch.
    fade = json_of(kc_house, "feature", "Sofa lamp", "gradual_on_off", "off")["feature"]
    assert (fade["type"], fade["value"]) == ("switch", False)
    assert _ask(house, "Sofa lamp", "get_on_off_gradually_info")["enable"] is False
    dimmer = json_of(kc_house, "feature", "Stairs dimmer", "fade_on_s", "4")["feature"]
    assert (dimmer["value"], dimmer["unit"]) == (4, "s")
    on_state = _ask(house, "Stairs dimmer", "get_on_off_gradually_info")["on_state"]
    assert (on_state["enable"], on_state["duration"]) == (True, 4)
    # Nor an erase of the meter's history.
    erase = kc_house("energy", "Coffee machine", "--erase", "--yes")
    assert erase.code == 2, (erase.out, erase.err)
    assert "SMART meters have no erase" in erase.err
    assert "Traceback" not in erase.err
