"""Lazy devices: built on first use, they answer exactly as eager ones built at the same time."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest

from captures import smart_capture_files
from kasacloud.protocol import smart
from kasacloud.server.devices import CloudBoundDevice
from kasacloud.sim import SimClock, build_any, build_device, builtin_profiles
from kasacloud.sim.device import SimulatedDevice
from kasacloud.sim.smart import LazySmartDevice, SmartDevice, builtin_smart_profiles

START_S = 1_710_504_000.0
"""2024-03-15 12:00 UTC, as in conftest: tests do not depend on today."""

DEVICE_ID = "8006" + "AB12" * 9
PROFILES = sorted(builtin_profiles())
DAY_S = 24 * 3600.0


def _script(device: SimulatedDevice) -> list[dict[str, Any]]:
    """Requests that touch every kind of state: sysinfo, energy, rules, binding, time."""
    modules = device.profile.modules
    year, month = 2024, 3
    return [
        {modules.system: {"get_sysinfo": None}},
        {
            modules.emeter: {
                "get_realtime": None,
                "get_daystat": {"year": year, "month": month},
                "get_monthstat": {"year": year},
            }
        },
        {modules.count_down: {"add_rule": {"enable": 1, "delay": 600, "act": 1, "name": "t"}}},
        {modules.cloud: {"get_info": None}},
        {modules.time: {"get_time": None}},
        {modules.schedule: {"get_next_action": None, "get_rules": None}},
    ]


def _play(devices: list[SimulatedDevice], clock: SimClock) -> None:
    """The same requests to each device, with time passing between; the answers must agree."""
    for step in range(3):
        for request in _script(devices[0]):
            answers = [d.handle(request) for d in devices]
            assert all(a == answers[0] for a in answers[1:]), (step, request)
        clock.advance(700 if step == 0 else 5 * 3600)


@pytest.mark.parametrize("name", PROFILES)
def test_a_lazy_device_answers_as_an_eager_one_built_at_the_same_time(name: str) -> None:
    clock = SimClock(start=START_S, speed=0)
    eager = build_device(name, device_id=DEVICE_ID, alias=None, clock=clock)
    lazy = build_device(name, device_id=DEVICE_ID, alias=None, clock=clock, lazy=True)
    assert eager.is_built
    assert not lazy.is_built
    clock.advance(3 * DAY_S)  # idle for days: the lazy one is built only now
    assert lazy.cloud_info() == eager.cloud_info()
    assert lazy.is_online()
    assert not lazy.is_built
    _play([eager, lazy], clock)
    assert lazy.is_built
    assert lazy.snapshot() == eager.snapshot()


@pytest.mark.parametrize("name", ["HS110(EU)", "HS300(US)", "KL130(US)"])
def test_an_unused_device_is_stored_small_and_comes_back_the_same(name: str) -> None:
    clock = SimClock(start=START_S, speed=0)
    eager = build_device(name, device_id=DEVICE_ID, alias="Lamp", clock=clock)
    lazy = build_device(name, device_id=DEVICE_ID, alias="Lamp", clock=clock, lazy=True)
    stored = json.loads(json.dumps(lazy.snapshot()))
    assert "meters" not in stored
    assert not lazy.is_built
    assert len(json.dumps(stored)) < len(json.dumps(eager.snapshot())) / 5
    clock.advance(2 * DAY_S)  # a restart two days later, from the small snapshot
    back = build_device(name, device_id=DEVICE_ID, alias="Lamp", clock=clock, state=stored)
    back_lazy = build_device(
        name, device_id=DEVICE_ID, alias="Lamp", clock=clock, state=stored, lazy=True
    )
    _play([eager, back, back_lazy], clock)


def test_a_used_device_restored_lazily_answers_as_one_restored_eagerly() -> None:
    clock = SimClock(start=START_S, speed=0)
    first = build_device("HS300(US)", device_id=DEVICE_ID, alias="Desk", clock=clock, lazy=True)
    child = first.child_ids[1]
    request = {"context": {"child_ids": [child]}, "system": {"set_relay_state": {"state": 0}}}
    assert first.handle(request)["system"]["set_relay_state"]["err_code"] == 0
    clock.advance(3600)
    stored = json.loads(json.dumps(first.snapshot()))
    assert "meters" in stored
    clock.advance(DAY_S)
    eager = build_device("HS300(US)", device_id=DEVICE_ID, alias=None, clock=clock, state=stored)
    lazy = build_device(
        "HS300(US)", device_id=DEVICE_ID, alias=None, clock=clock, state=stored, lazy=True
    )
    assert lazy.cloud_info() == eager.cloud_info()
    assert lazy.cloud_info()["alias"] == "Desk"
    _play([eager, lazy], clock)


def test_a_binding_told_before_the_body_exists_is_kept() -> None:
    clock = SimClock(start=START_S, speed=0)
    lazy = build_device("HS110(EU)", device_id=DEVICE_ID, alias=None, clock=clock, lazy=True)
    lazy.set_cloud_binding("alice@example.com", "eu.example.test")
    assert not lazy.is_built
    info = lazy.handle({"cnCloud": {"get_info": None}})["cnCloud"]["get_info"]
    assert (info["username"], info["server"], info["binded"]) == (
        "alice@example.com",
        "eu.example.test",
        1,
    )


# --- SMART devices ---------------------------------------------------------------------------

SMART_PROFILES = [
    *sorted(builtin_smart_profiles()),
    *(str(path) for path in smart_capture_files()),  # and every real capture
]


def _smart_script(device: Any) -> list[dict[str, Any]]:
    """SMART requests that touch every kind of state: info, energy, rules, children, time."""
    script: list[dict[str, Any]] = [
        {"method": "component_nego"},
        {"method": "get_device_info"},
        {"method": "get_device_time"},
        {"method": "get_device_usage"},
        {"method": "get_energy_usage"},
        {"method": "get_energy_data", "params": {
            "start_timestamp": int(START_S) - 3 * 86_400, "end_timestamp": int(START_S) + 5 * DAY_S,
            "interval": 1440,
        }},
        {"method": "add_countdown_rule", "params": {
            "delay": 600, "desired_states": {"on": True}, "enable": True,
        }},
        {"method": "add_schedule_rule", "params": {"s_min": 600, "desired_states": {"on": False}}},
        {"method": "get_countdown_rules"},
        {"method": "get_schedule_rules"},
        {"method": "get_child_device_list", "params": {"start_index": 0}},
    ]  # fmt: skip
    for child in device.children[:2]:
        script.append(
            {
                "method": "control_child",
                "params": {
                    "device_id": child.node_id,
                    "requestData": {"method": "get_device_info"},
                },
            }
        )
    return script


def _smart_play(devices: list[Any], clock: SimClock) -> None:
    for step in range(3):
        for request in _smart_script(devices[0]):
            answers = [d.handle(request) for d in devices]
            assert all(a == answers[0] for a in answers[1:]), (step, request)
        clock.advance(700 if step == 0 else 5 * 3600)


@pytest.mark.parametrize("name", SMART_PROFILES, ids=lambda n: n.rsplit("/", 1)[-1])
def test_a_lazy_smart_device_answers_as_an_eager_one_built_at_the_same_time(name: str) -> None:
    clock = SimClock(start=START_S, speed=0)
    eager = build_any(name, device_id=DEVICE_ID, alias=None, clock=clock)
    lazy = build_any(name, device_id=DEVICE_ID, alias=None, clock=clock, lazy=True)
    assert isinstance(eager, SmartDevice)
    assert isinstance(lazy, LazySmartDevice)
    assert not lazy.is_built
    clock.advance(3 * DAY_S)  # idle for days: the lazy one is built only now
    assert lazy.cloud_info() == eager.cloud_info()
    assert lazy.is_online()
    assert lazy.state_revision() == 0
    assert not isinstance(lazy, CloudBoundDevice), "probing an optional protocol builds nothing"
    assert not lazy.is_built
    # The hosted device answers through the server's passthrough as through handle().
    answer = anyio.run(lazy.passthrough, {"method": "get_device_info"})
    assert answer == eager.handle({"method": "get_device_info"})
    assert lazy.is_built
    _smart_play([eager, lazy], clock)
    assert lazy.snapshot() == eager.snapshot()


def test_an_unused_smart_device_is_stored_small_and_comes_back_the_same() -> None:
    name = "P110(EU)_1.0"
    clock = SimClock(start=START_S, speed=0)
    eager = build_any(name, device_id=DEVICE_ID, alias="Kettle", clock=clock)
    lazy = build_any(name, device_id=DEVICE_ID, alias="Kettle", clock=clock, lazy=True)
    stored = json.loads(json.dumps(lazy.snapshot()))
    assert not lazy.is_built
    assert len(json.dumps(stored)) < len(json.dumps(eager.snapshot())) / 5
    clock.advance(2 * DAY_S)  # a restart two days later, from the small snapshot
    back = build_any(name, device_id=DEVICE_ID, alias="Kettle", clock=clock, state=stored)
    back_lazy = build_any(
        name, device_id=DEVICE_ID, alias="Kettle", clock=clock, state=stored, lazy=True
    )
    assert back_lazy.cloud_info() == eager.cloud_info()
    _smart_play([eager, back, back_lazy], clock)
    # A used one is stored whole, and a lazy one restored from it is the same again.
    saved = json.loads(json.dumps(back_lazy.snapshot()))
    again = build_any(
        name, device_id=DEVICE_ID, alias="Kettle", clock=clock, state=saved, lazy=True
    )
    assert again.cloud_info() == eager.cloud_info()
    assert not again.is_built, "listed from its snapshot"
    _smart_play([eager, again], clock)
    # Renamed through the device, then stored: listed with the new name, still unbuilt.
    renamed = {"method": "set_device_info", "params": {"nickname": smart.encode_text("Tea")}}
    assert again.handle(renamed) == eager.handle(renamed)
    stored_again = json.loads(json.dumps(again.snapshot()))
    later = build_any(
        name, device_id=DEVICE_ID, alias=None, clock=clock, state=stored_again, lazy=True
    )
    assert later.cloud_info()["alias"] == "Tea" == eager.cloud_info()["alias"]
    assert later.cloud_info() == eager.cloud_info()
    assert not later.is_built
