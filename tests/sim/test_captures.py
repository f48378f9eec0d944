"""Every python-kasa capture loads, and the device built from it answers as the capture shows."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sim_helpers import call, shape, sysinfo

from captures import CAPTURES_DIR as FIXTURES_DIR
from captures import capture_params
from kasacloud.sim import Profile, SimClock, build_device, load_profile, new_device_id
from kasacloud.sim.profile import MASKED_NAME

# Keys whose values legitimately differ from the capture: minted ids and names, and values that
# vary with time or with the rules stored (the captures hold only part of their rule tables).
VARYING_KEYS = {
    "deviceId",
    "hwId",
    "oemId",
    "fwId",
    "alias",
    "mac",
    "mic_mac",
    "on_time",
    "rssi",
    "next_action",
    "active_mode",
    "children",
}
HEX40 = re.compile(r"^[0-9A-F]{40}$")


def _load(path: Path | None) -> tuple[dict[str, Any], Profile]:
    if path is None:
        pytest.fail(
            f"captures missing at {FIXTURES_DIR} (CI must have ../shared beside the checkout)"
        )
    return json.loads(path.read_text()), load_profile(path)


@pytest.mark.parametrize("path", capture_params())
def test_capture_sysinfo_matches(path: Path | None, clock: SimClock) -> None:
    capture, profile = _load(path)
    expected = dict(capture["system"]["get_sysinfo"])
    device = build_device(profile, device_id=new_device_id(), alias=None, clock=clock)
    info = sysinfo(device)

    assert set(info) == set(expected)
    assert shape({k: v for k, v in info.items() if k != "children"}) == shape(
        {k: v for k, v in expected.items() if k != "children"}
    )
    for key, value in expected.items():
        if key not in VARYING_KEYS:
            assert info[key] == value, key

    # Fresh ids and names instead of the scrubbed ones.
    assert HEX40.match(info["deviceId"])
    assert info["deviceId"] != "0" * 40
    assert info["deviceId"] == device.device_id
    assert MASKED_NAME not in info["alias"]
    assert info["alias"]
    for key in ("hwId", "oemId", "fwId"):
        if key in expected:
            assert set(info[key]) != {"0"}
    mac = info.get("mac", info.get("mic_mac"))
    assert mac is not None
    assert not mac.replace(":", "").endswith("000000")
    assert len(mac.replace(":", "")) == 12
    assert (":" in mac) == (":" in expected.get("mac", expected.get("mic_mac", "")))

    # Outlets: id = parent id + 2-digit index, readable aliases, the capture's states.
    for index, (child, expected_child) in enumerate(
        zip(info.get("children", []), expected.get("children", []), strict=True)
    ):
        assert set(child) == set(expected_child)
        assert child["id"] == f"{device.device_id}{index:02d}"
        assert child["alias"] == f"Outlet {index + 1}"
        assert child["state"] == expected_child["state"]
        assert bool(child["on_time"]) == bool(expected_child["on_time"])


@pytest.mark.parametrize("path", capture_params())
def test_capture_every_method_same_shape(path: Path | None, clock: SimClock) -> None:
    capture, profile = _load(path)
    device = build_device(profile, device_id=new_device_id(), alias=None, clock=clock)
    for module, methods in capture.items():
        if "err_code" in methods:  # the whole module is missing on this model
            answer = device.handle({module: {"get_anything": None}})
            assert answer == {module: {"err_code": -1, "err_msg": "module not support"}}
            continue
        for method, expected in methods.items():
            answer = call(device, module, method)
            assert shape(answer) == shape(expected), f"{module}.{method}"
            if expected.get("err_code", 0) != 0:
                assert answer == expected


@pytest.mark.parametrize("path", capture_params())
def test_capture_in_one_request_with_several_modules(path: Path | None, clock: SimClock) -> None:
    capture, profile = _load(path)
    device = build_device(profile, device_id=new_device_id(), alias="Mine", clock=clock)
    request = {
        module: {m: None for m in methods}
        for module, methods in capture.items()
        if "err_code" not in methods
    }
    request["no.such.module"] = {"get_thing": None}
    answer = device.handle(request)
    assert set(answer) == set(request)
    assert answer["system"]["get_sysinfo"]["alias"] == "Mine"
    assert answer["no.such.module"] == {"err_code": -1, "err_msg": "module not support"}


@pytest.mark.parametrize("path", capture_params())
def test_capture_ids_are_unique_per_device(path: Path | None, clock: SimClock) -> None:
    _, profile = _load(path)
    ids = {
        sysinfo(build_device(profile, device_id=new_device_id(), alias=None, clock=clock))[
            "deviceId"
        ]
        for _ in range(5)
    }
    assert len(ids) == 5


def test_any_other_capture_of_that_format_loads(clock: SimClock) -> None:
    """A capture that is not among ours (made up here: an EU wall switch) loads the same way."""
    capture = {
        "system": {
            "get_sysinfo": {
                "alias": MASKED_NAME,
                "dev_name": "Smart Wi-Fi Light Switch",
                "deviceId": "0" * 40,
                "err_code": 0,
                "feature": "TIM",
                "hwId": "0" * 32,
                "hw_ver": "3.0",
                "led_off": 0,
                "mac": "AA:BB:CC:00:00:00",
                "mic_type": "IOT.SMARTPLUGSWITCH",
                "model": "HS210(EU)",
                "oemId": "0" * 32,
                "on_time": 0,
                "relay_state": 0,
                "rssi": -50,
                "sw_ver": "1.0.0 Build 200101 Rel.000000",
            }
        },
        "smartlife.iot.dimmer": {"err_code": -1, "err_msg": "module not support"},
    }
    profile = Profile.from_capture(capture)
    assert profile.family == "wall_switch"
    assert profile.voltage_v == 230.0
    device = build_device(profile, device_id=new_device_id(), alias=None, clock=clock)
    assert sysinfo(device)["alias"] == "HS210 switch"
    assert sysinfo(device)["mac"].startswith("AA:BB:CC:")
    assert call(device, "system", "set_relay_state", {"state": 1}) == {"err_code": 0}
    assert sysinfo(device)["relay_state"] == 1
    assert device.handle({"smartlife.iot.dimmer": {"set_brightness": {"brightness": 5}}}) == {
        "smartlife.iot.dimmer": {"err_code": -1, "err_msg": "module not support"}
    }
