"""Simulated SMART devices, built from every python-kasa SMART capture and from our profiles."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from captures import smart_capture_files, smart_capture_params
from kasacloud.protocol import smart
from kasacloud.sim import DEMO_HOUSE, SimClock, build_any, new_device_id
from kasacloud.sim.smart import (
    SmartDevice,
    build_smart_device,
    builtin_smart_profiles,
    find_smart_profile,
)
from kasacloud.sim.smart.profile import SmartProfile

START = 1_750_000_000.0  # a fixed instant, so that the tests do not depend on today's date
LIVE_KEYS = {
    # What a simulated device owns itself (ids, names) or what moves with the clock.
    "device_id", "nickname", "mac", "hw_id", "fw_id", "oem_id", "on_time", "current_temp",
    "current_humidity", "open", "detected", "local_time", "timestamp", "parent_device_id",
    "original_device_id", "today_energy", "month_energy", "today_runtime", "month_runtime",
    "current_power", "time_usage", "power_usage", "past24h_temp", "past24h_humidity",
    "past24h_temp_exception", "past24h_humidity_exception", "logs", "sum", "start_id",
    "energy_wh", "power_mw", "current_ma", "voltage_mv", "child_device_list",
    "child_component_list",
}  # fmt: skip
SKIP_METHODS = {"discovery_result", "child_devices"}


def _load(path: Path | None) -> tuple[dict[str, Any], SmartProfile]:
    if path is None:
        pytest.fail("the SMART captures are missing (../shared/fixtures/kasa-smart)")
    data = json.loads(path.read_text(encoding="utf-8"))
    profile = find_smart_profile(path)
    assert profile is not None, f"{path.name} is not recognised as a SMART capture"
    return data, profile


def _device(profile: SmartProfile, clock: SimClock | None = None) -> SmartDevice:
    return build_smart_device(
        profile, device_id=new_device_id(), alias=None, clock=clock or SimClock(START, speed=0)
    )


def _ok(device: SmartDevice, method: str, params: dict[str, Any] | None = None) -> Any:
    answer = device.handle(smart.smart_request(method, params))
    assert answer["error_code"] == 0, (method, params, answer)
    return answer.get("result")


def _same_shape(captured: Any, answered: Any, where: str) -> None:
    """Same keys; equal values except what the simulator owns or what moves with time."""
    if isinstance(captured, dict):
        assert isinstance(answered, dict), where
        assert set(captured) <= set(answered), (where, set(captured) - set(answered))
        for key, value in captured.items():
            if key not in LIVE_KEYS:
                _same_shape(value, answered[key], f"{where}.{key}")
    elif captured is not None and not isinstance(captured, list):
        assert answered == captured, where


@pytest.mark.parametrize("path", smart_capture_params())
def test_every_captured_method_answers_as_the_capture(path: Path | None) -> None:
    data, profile = _load(path)
    device = _device(profile)
    for method, captured in data.items():
        if method in SKIP_METHODS:
            continue
        _same_shape(captured, _ok(device, method), method)
    assert _ok(device, "component_nego") == data["component_nego"]
    # Unknown methods and bad params are the device's own errors.
    assert device.handle({"method": "no_such_method"}) == {"error_code": -1002}
    assert device.handle({"method": "set_device_info", "params": {"nickname": 5}}) == {
        "error_code": -1008
    }
    assert device.handle({"params": {}})["error_code"] == -1008


@pytest.mark.parametrize("path", smart_capture_params())
def test_switching_names_and_children(path: Path | None) -> None:
    data, profile = _load(path)
    device = _device(profile)
    info = _ok(device, "get_device_info")
    assert smart.decode_text(info["nickname"]) == device.alias
    assert "#MASKED" not in device.alias
    _ok(device, "set_device_info", {"nickname": smart.encode_text("Desk")})
    assert device.cloud_info()["alias"] == "Desk"
    if "device_on" in info:
        for on in (True, False, True):
            _ok(device, "set_device_info", {"device_on": on})
            assert _ok(device, "get_device_info")["device_on"] is on
        assert device.handle({"method": "set_device_info", "params": {"device_on": "yes"}}) == {
            "error_code": -1008
        }
    children = data.get("get_child_device_list", {}).get("child_device_list", [])
    if "control_child" in profile.components or "child_device" in profile.components:
        listed = _ok(device, "get_child_device_list")
        assert listed["sum"] == len(children)
        ids = [c["device_id"] for c in listed["child_device_list"]]
        assert len(set(ids)) == len(ids)
        assert all("SCRUBBED" not in i for i in ids)
        for child_id in ids:
            answer = _ok(
                device,
                "control_child",
                {"device_id": child_id, "requestData": smart.multiple_request(
                    [{"method": "get_device_info"}, {"method": "no_such_method"}]
                )},
            )  # fmt: skip
            responses = answer["responseData"]["result"]["responses"]
            assert responses[0]["error_code"] == 0
            assert responses[0]["result"]["device_id"] == child_id
            assert responses[1] == {"method": "no_such_method", "error_code": -1002}
            child_info = responses[0]["result"]
            if "device_on" in child_info:
                wanted = not child_info["device_on"]
                request = smart.smart_request("set_device_info", {"device_on": wanted})
                target = {"device_id": child_id, "requestData": request}
                inner = _ok(device, "control_child", target)
                assert inner["responseData"] == {"error_code": 0, "result": {}}
                after = next(
                    c
                    for c in _ok(device, "get_child_device_list")["child_device_list"]
                    if c["device_id"] == child_id
                )
                assert after["device_on"] is wanted
        bad = {"device_id": "0" * 40, "requestData": {"method": "get_device_info"}}
        assert device.handle(smart.smart_request("control_child", bad))["error_code"] == -1008


def _metering(param: Any) -> bool:
    path = param.values[0]
    return path is None or '"energy_monitoring"' in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", [p for p in smart_capture_params() if _metering(p)])
def test_energy_grows_with_the_clock(path: Path | None) -> None:
    _data, profile = _load(path)
    clock = SimClock(START, speed=0)
    device = _device(profile, clock)
    on = smart.smart_request("set_device_info", {"device_on": True})
    if device.switchable:
        _ok(device, "set_device_info", {"device_on": True})
    else:  # a strip metered as a whole: switch its outlets on
        for child in device.children:
            _ok(device, "control_child", {"device_id": child.node_id, "requestData": on})
    before = _ok(device, "get_energy_usage")
    history = {"start_timestamp": int(START) - 86_400, "end_timestamp": int(START) + 7200}
    hours_before = _ok(device, "get_energy_data", {**history, "interval": 60})
    clock.advance(2 * 3600)
    after = _ok(device, "get_energy_usage")
    assert after["today_runtime"] + after["month_runtime"] > (
        before["today_runtime"] + before["month_runtime"]
    )
    assert _ok(device, "get_current_power")["current_power"] > 0
    hours_after = _ok(device, "get_energy_data", {**history, "interval": 60})
    assert len(hours_after["data"]) == len(hours_before["data"]) + 2
    assert hours_after["data"][-2] > 0
    assert hours_after["start_timestamp"] == history["start_timestamp"]
    # Milliseconds are taken as such and echoed.
    ms = {k: v * 1000 for k, v in history.items()}
    assert _ok(device, "get_energy_data", {**ms, "interval": 60})["data"] == hours_after["data"]
    days = _ok(device, "get_energy_data", {**history, "interval": 1440})["data"]
    assert days[-1] == after["today_energy"]  # the same local day, the same Wh
    months = {"start_timestamp": int(START) - 200 * 86_400, "end_timestamp": int(START)}
    assert len(_ok(device, "get_energy_data", {**months, "interval": 43200})["data"]) >= 6
    for bad in (
        {**history, "interval": 7},
        {**history, "interval": 60, "start_timestamp": "x"},
        {"start_timestamp": int(START), "end_timestamp": int(START) - 10, "interval": 60},
        {"start_timestamp": int(START) - 400 * 86_400, "end_timestamp": int(START), "interval": 60},
    ):
        assert device.handle(smart.smart_request("get_energy_data", bad)) == {"error_code": -1008}


def test_countdown_switches_and_rules_are_kept() -> None:
    clock = SimClock(START, speed=0)
    device = build_any("P110(EU)_1.0", device_id=new_device_id(), alias="Kettle", clock=clock)
    assert isinstance(device, SmartDevice)
    added = _ok(
        device,
        "add_countdown_rule",
        {"delay": 600, "desired_states": {"on": True}, "enable": True, "remain": 600},
    )
    clock.advance(300)
    rules = _ok(device, "get_countdown_rules")["rule_list"]
    assert rules[0]["id"] == added["id"]
    assert rules[0]["remain"] == 300
    assert _ok(device, "get_device_info")["device_on"] is False
    clock.advance(301)
    assert _ok(device, "get_device_info")["device_on"] is True
    assert _ok(device, "get_countdown_rules")["rule_list"][0]["enable"] is False
    # The table holds one countdown: a second is the device's countdown error.
    full = device.handle(smart.smart_request("add_countdown_rule", {"delay": 5, "enable": True}))
    assert full == {"error_code": -1901}
    schedule = {"s_min": 450, "e_min": 0, "week_day": 42, "desired_states": {"on": True}}
    sid = _ok(device, "add_schedule_rule", schedule)["id"]
    _ok(device, "edit_schedule_rule", {"id": sid, "s_min": 480})
    listed = _ok(device, "get_schedule_rules")
    assert listed["sum"] == 1
    assert listed["rule_list"][0]["s_min"] == 480
    _ok(device, "remove_schedule_rules", {"rule_list": [{"id": sid}]})
    assert _ok(device, "get_schedule_rules")["rule_list"] == []
    away = _ok(device, "add_antitheft_rule", {"s_min": 1080, "e_min": 1380, "week_day": 127})
    assert _ok(device, "get_antitheft_rules")["rule_list"][0]["id"] == away["id"]
    _ok(device, "remove_antitheft_rules", {"remove_all": True})
    assert _ok(device, "get_antitheft_rules")["rule_list"] == []
    _ok(device, "set_led_info", {"led_rule": "never"})
    assert _ok(device, "get_led_info")["led_rule"] == "never"
    assert device.handle(smart.smart_request("set_led_info", {"led_rule": "sometimes"})) == {
        "error_code": -1008
    }


def test_lights_colour_temperature_and_effects() -> None:
    clock = SimClock(START, speed=0)
    bulb = build_any("L530E(EU)_3.0", device_id=new_device_id(), alias=None, clock=clock)
    strip = build_any("L900-5(EU)_1.0", device_id=new_device_id(), alias=None, clock=clock)
    assert isinstance(bulb, SmartDevice)
    assert isinstance(strip, SmartDevice)
    _ok(bulb, "set_device_info", {"hue": 120, "saturation": 50, "brightness": 30})
    info = _ok(bulb, "get_device_info")
    assert (info["hue"], info["saturation"], info["brightness"], info["color_temp"]) == (
        120, 50, 30, 0,
    )  # fmt: skip
    _ok(bulb, "set_device_info", {"color_temp": 4000})
    assert _ok(bulb, "get_device_info")["color_temp"] == 4000
    for bad in ({"color_temp": 9999}, {"brightness": 0}, {"hue": 361}, {"saturation": -1}):
        assert bulb.handle(smart.smart_request("set_device_info", bad)) == {"error_code": -1008}
    _ok(bulb, "set_dynamic_light_effect_rule_enable", {"enable": True, "id": "L1"})
    assert _ok(bulb, "get_dynamic_light_effect_rules")["current_rule_id"] == "L1"
    assert _ok(bulb, "get_device_info")["dynamic_light_effect_enable"] is True
    _ok(strip, "set_lighting_effect", {"enable": 1, "name": "Aurora", "brightness": 40})
    assert _ok(strip, "get_lighting_effect")["enable"] == 1
    assert _ok(strip, "get_device_info")["lighting_effect"]["enable"] == 1
    _ok(strip, "set_device_info", {"hue": 10, "saturation": 100})  # a colour stops the effect
    assert _ok(strip, "get_lighting_effect")["enable"] == 0


@pytest.mark.parametrize("path", smart_capture_params("child/*.json"))
def test_hub_children_readings_change_over_time(path: Path | None) -> None:
    data, _ = _load(path)
    hubs = [p for p in smart_capture_files("H100*.json")]
    hub = find_smart_profile(hubs[0]) if hubs else builtin_smart_profiles()["H100(EU)_1.0"]
    assert hub is not None
    clock = SimClock(START, speed=0)
    device = _device(hub.with_children([data]), clock)
    child = device.children[0]
    first = child.call("get_device_info", {})
    _same_shape(
        {k: v for k, v in data["get_device_info"].items() if k != "region"}, first, path.name
    )
    seen: dict[str, set[Any]] = {}
    # half a day in 30-second steps: finer than the shortest event window (a motion sensor's
    # "detected" lasts 60 s), so an event is never stepped over; 36 event slots, ~12 events
    for _ in range(1440):
        clock.advance(30)
        info = device.handle(
            smart.smart_request("control_child", {"device_id": child.node_id, "requestData": {
                "method": "get_device_info"}})
        )["result"]["responseData"]["result"]  # fmt: skip
        for key in ("current_temp", "current_humidity", "open", "detected"):
            if key in info:
                seen.setdefault(key, set()).add(info[key])
    for key, values in seen.items():
        assert len(values) > 1, f"{key} never changed"
    category = data["get_device_info"]["category"]
    if "trigger_log" in child.components and any(
        w in category for w in ("contact", "motion", "button")
    ):
        logs = child.call("get_trigger_logs", {"start_id": 0})
        assert logs["sum"] > 0
        stamps = [entry["timestamp"] for entry in logs["logs"]]
        assert stamps == sorted(stamps, reverse=True)
        assert stamps[0] <= clock.now()
    if "temp_humidity_record" in child.components:
        records = child.call("get_temp_humidity_records", {})
        assert len(records["past24h_temp"]) == 96
        assert len(set(records["past24h_temp"])) > 1


def test_state_survives_a_snapshot() -> None:
    clock = SimClock(START, speed=0)
    device = build_any("P300(EU)_1.0", device_id=new_device_id(), alias="Strip", clock=clock)
    assert isinstance(device, SmartDevice)
    outlet = device.children[1]
    request = smart.smart_request("set_device_info", {"device_on": True})
    before = device.state_revision()
    _ok(device, "control_child", {"device_id": outlet.node_id, "requestData": request})
    assert device.state_revision() > before
    _ok(device, "set_device_info", {"nickname": smart.encode_text("Night stand")})
    snapshot = json.loads(json.dumps(device.snapshot()))
    again = build_any(
        "P300(EU)_1.0", device_id=device.device_id, alias=None, clock=clock, state=snapshot
    )
    assert isinstance(again, SmartDevice)
    assert again.alias == "Night stand"
    assert again.children[1].is_on
    assert [c.node_id for c in again.children] == [c.node_id for c in device.children]


def test_demo_house_smart_devices_and_profiles_load() -> None:
    profiles = builtin_smart_profiles()
    kinds = {}
    for spec in DEMO_HOUSE:
        if spec.profile in profiles:
            profile = profiles[spec.profile]
            kinds[profile.model.split("(")[0]] = profile
    assert {"P110", "P300", "L530E", "L900-5", "KS225", "H100"} <= set(kinds)
    assert "energy_monitoring" in kinds["P110"].components
    assert len(kinds["P300"].children) == 3
    assert {c.model for c in kinds["H100"].children} == {"T310", "T110"}
    # Our profiles are ours: built without any capture at hand, in the captures' shape.
    for profile in profiles.values():
        device = _device(copy.deepcopy(profile))
        assert device.handle({"method": "get_device_info"})["error_code"] == 0
