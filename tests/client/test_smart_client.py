"""SMART devices (Tapo, new Kasa) through the client, over real HTTP to a local cloud.

Every capture in ../shared/fixtures/kasa-smart is hosted by one server; the client signs in both
apps, lists each device once, types it from its ``component_nego``, and drives it; the values it
shows are compared with what the device answers to a raw SMART request.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from client_helpers import DEMO, MFA, Recorder, client
from fault_proxy import FaultProxy

from captures import smart_capture_files, smart_capture_params
from kasacloud import (
    AwayRule,
    Bulb,
    CountdownRule,
    Device,
    Dimmer,
    Hub,
    InvalidArgumentError,
    KasaCloudError,
    LightStrip,
    Outlet,
    Plug,
    ScheduleRule,
    Sensor,
    SmartUnavailableError,
    Strip,
    WallSwitch,
)
from kasacloud.client.cloud import merge_device_lists
from kasacloud.client.devices.modules import Away, Countdown, Module, Schedule
from kasacloud.client.tokens import MemoryTokenStore
from kasacloud.protocol import assumptions, smart
from kasacloud.protocol.signing import TAPO_APP
from kasacloud.server import LocalCloud, ServerConfig

pytestmark = pytest.mark.anyio

NO_LIMITS = ServerConfig(account_rate_limit=None, address_rate_limit=None)

# The oracle: the kinds the fixtures' README gives each capture (not the code's rules).
EXPECTED_CLASS: dict[str, type[Device]] = {
    "P100": Plug, "P110": Plug, "P110M": Plug, "P115": Plug, "KP125M": Plug, "EP25": Plug,
    "P125M": Plug, "P300": Strip, "P304M": Strip, "EP40M": Strip, "L530": Bulb, "L535": Bulb,
    "L630": Bulb, "L510": Bulb, "L900": LightStrip, "L920": LightStrip, "L930": LightStrip,
    "HS200": WallSwitch, "KS205": WallSwitch, "HS220": Dimmer, "KS225": Dimmer, "S500D": Dimmer,
    "KS240": Strip, "H100": Hub, "KH100": Hub,
}  # fmt: skip


@pytest.fixture(scope="module")
def capture_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    """One server hosting every SMART capture, bound to the demo account only."""
    seed = {"accounts": [{"email": DEMO[0], "password": DEMO[1], "devices": []}]}
    data_dir = tmp_path_factory.mktemp("smart-client")
    with LocalCloud(
        seed=seed, data_dir=data_dir, config=NO_LIMITS, devices=smart_capture_files()
    ) as running:
        yield running


async def _raw_result(device: Device, method: str, params: dict[str, Any] | None = None) -> Any:
    answer = await device.raw({"method": method, "params": params or {}})
    assert answer["error_code"] == 0, (method, answer)
    return answer["result"]


@pytest.mark.parametrize("path", smart_capture_params())
async def test_every_capture_is_typed_and_driven(
    path: Path | None, capture_cloud: LocalCloud
) -> None:
    if path is None:
        pytest.fail("the SMART captures are missing (../shared/fixtures/kasa-smart)")
    data = json.loads(await anyio.Path(path).read_text(encoding="utf-8"))
    info = data["get_device_info"]
    async with client(capture_cloud.url) as cloud:
        await cloud.login(*DEMO)
        assert cloud.tapo_error is None
        entry = next(
            e
            for e in await cloud.device_list()
            if e["deviceModel"].startswith(info["model"]) and e["fwVer"] == info["fw_ver"]
        )
        device = await cloud.device(entry["deviceId"], update=True)
        assert device.is_smart
        assert type(device) is EXPECTED_CLASS[info["model"]]
        assert device.components == {
            c["id"]: c["ver_code"] for c in data["component_nego"]["component_list"]
        }
        live = await _raw_result(device, "get_device_info")
        assert device.alias == smart.decode_text(live["nickname"]) == entry["alias"]

        features = device.features
        if "energy_monitoring" in device.components and not isinstance(device, Strip):
            usage = await _raw_result(device, "get_energy_usage")
            power = await _raw_result(device, "get_current_power")
            assert features["current_power"].unit == "W"
            assert features["today_energy"].unit == features["month_energy"].unit == "kWh"
            assert features["current_power"].value == pytest.approx(power["current_power"], abs=1)
            assert features["today_energy"].value == pytest.approx(
                usage["today_energy"] / 1000, abs=0.002
            )
            assert features["month_energy"].value == pytest.approx(
                usage["month_energy"] / 1000, abs=0.002
            )
            if "get_emeter_data" in data:
                emeter = await _raw_result(device, "get_emeter_data")
                assert features["voltage"].unit == "V"
                assert features["voltage"].value == pytest.approx(emeter["voltage_mv"] / 1000)
                assert features["current"].unit == "A"
            else:
                assert "voltage" not in features
            days = await device.energy.get_daily()  # type: ignore[union-attr]
            assert days
            assert days[-1].energy_kwh == pytest.approx(features["today_energy"].value, abs=0.002)
        if "device_on" in live:
            assert features["state"].value is live["device_on"]
            await features["state"].set_value(not live["device_on"])
            after = await _raw_result(device, "get_device_info")
            assert after["device_on"] is (not live["device_on"])
            assert capture_cloud.device(device.device_id).is_on is (not live["device_on"])
        if "led" in device.components:
            led = await _raw_result(device, "get_led_info")
            assert features["led"].value is (led["led_rule"] != "never")
            await device.set_led(False)
            assert (await _raw_result(device, "get_led_info"))["led_rule"] == "never"
        await _check_light(device, data)
        await _check_children(device, data, capture_cloud)


async def _check_light(device: Device, data: dict[str, Any]) -> None:
    components = device.components
    if not isinstance(device, Bulb | Dimmer):
        assert "brightness" not in device.features
        return
    if "brightness" in components or "light_strip" in components:
        await device.set_brightness(37)
        assert (await _raw_result(device, "get_device_info"))["brightness"] == 37
        assert device.features["brightness"].value == 37
    if "color" in components:
        await device.set_hsv(120, 50, 40)
        live = await _raw_result(device, "get_device_info")
        assert (live["hue"], live["saturation"], live["brightness"]) == (120, 50, 40)
        assert tuple(device.features["hsv"].value) == (120, 50, 40)
    else:
        assert "hsv" not in device.features
    rng = data["get_device_info"].get("color_temp_range", [2500, 6500])
    if "color_temperature" in components and rng[0] >= rng[1]:
        assert "color_temp" not in device.features  # a one-point range: not tunable
    elif "color_temperature" in components:
        low, high = device.features["color_temp"].minimum, device.features["color_temp"].maximum
        assert (low, high) == tuple(data["get_device_info"].get("color_temp_range", [2500, 6500]))
        await device.set_color_temp(int(high))
        assert (await _raw_result(device, "get_device_info"))["color_temp"] == int(high)
    if isinstance(device, LightStrip) and "light_strip_lighting_effect" in components:
        await device.set_effect({"enable": 0})
        assert (await _raw_result(device, "get_lighting_effect"))["enable"] == 0


async def _check_children(device: Device, data: dict[str, Any], cloud: LocalCloud) -> None:
    captured = data.get("get_child_device_list", {}).get("child_device_list", [])
    if not isinstance(device, Strip | Hub):
        assert not captured
        return
    assert len(device.children) == len(captured)
    listing = (await _raw_result(device, "get_child_device_list"))["child_device_list"]
    by_id = {c["device_id"]: c for c in listing}
    for child in device.children:
        live = by_id[child.device_id]
        assert child.parent is device
        assert child.alias == smart.decode_text(live["nickname"])
        if isinstance(device, Strip):
            assert isinstance(child, Outlet)
            assert child.features["state"].value is live["device_on"]
        else:
            assert isinstance(child, Sensor)
            assert "state" not in child.features
            for fid, key in (("temperature", "current_temp"), ("humidity", "current_humidity"),
                             ("is_open", "open"), ("motion_detected", "detected"),
                             ("battery_low", "at_low_battery")):  # fmt: skip
                if key in live and fid in child.features:
                    assert child.features[fid].value == live[key], fid
            assert child.readings
    if isinstance(device, Strip):
        first = device.children[0]
        was = first.is_on
        await first.toggle()
        hosted = cloud.device(device.device_id)
        assert hosted.child(first.device_id).is_on is (not was)  # type: ignore[attr-defined]
        await device.turn_off()
        listing = (await _raw_result(device, "get_child_device_list"))["child_device_list"]
        assert not any(c.get("device_on") for c in listing)
        # per-outlet meters (P304M) ride along in the strip's one update
        if any("energy_monitoring" in child.components for child in device.children):
            assert all(c.features["current_power"].value is not None for c in device.children)


async def test_an_update_is_one_round_trip_for_every_smart_device(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        devices = [d for d in await cloud.devices() if d.is_smart]
        assert {type(d) for d in devices} == {Plug, Strip, Bulb, LightStrip, Dimmer, Hub}
        recorder = Recorder(cloud)
        for device in devices:
            before = len(recorder.requests)
            await device.update()
            sent = recorder.requests[before:]
            assert len(sent) == 1, device.alias
            assert sent[0].url.path == assumptions.TAPO_PASSTHROUGH_PATH
            request = json.loads(json.loads(sent[0].content)["requestData"])
            assert request["method"] == "multipleRequest"
        hub = next(d for d in devices if isinstance(d, Hub))
        assert {c.model for c in hub.children} >= {"T310", "T110"}
        climate = next(c for c in hub.children if "temperature" in c.features)
        assert climate.features["temperature"].unit == "°C"
        assert climate.features["humidity"].unit == "%"
        door = next(c for c in hub.children if "is_open" in c.features)
        assert isinstance(door.features["is_open"].value, bool)


async def test_one_login_signs_in_both_apps_and_logout_forgets_both(
    local_cloud: LocalCloud,
) -> None:
    async with client(local_cloud.url) as cloud:
        recorder = Recorder(cloud)
        await cloud.login(*DEMO)
        tapo = cloud.tapo_session
        assert tapo is not None
        assert tapo.tokens is not None
        assert cloud.tokens is not None
        assert tapo.tokens.token.reveal() != cloud.tokens.token.reveal()
        logins = [r for r in recorder.requests if r.url.path.endswith("/login")]
        assert len(logins) == 2
        assert {json.loads(r.content)["appType"] for r in logins} == {
            "Kasa_Android_Mix",
            TAPO_APP.app_type,
        }
        assert set(cloud.token_store._tokens) == {cloud.url, f"tapo:{cloud.url}"}  # type: ignore[attr-defined]
        await cloud.logout()
        assert tapo.tokens is None
        assert cloud.tokens is None


async def test_one_verification_code_serves_both_apps(local_cloud: LocalCloud) -> None:
    codes: list[str] = []

    def read_code(_challenge: Any) -> str:
        codes.append(local_cloud.mfa_codes(MFA[0])[-1])
        return codes[-1]

    async with client(local_cloud.url, mfa_callback=read_code) as cloud:
        await cloud.login(*MFA)
        assert len(codes) == 1  # the Tapo sign-in from the now bound terminal asked none
        assert cloud.tapo_error is None
        assert cloud.tapo_session is not None
        assert cloud.tapo_session.tokens is not None


async def test_a_failing_tapo_side_leaves_kasa_working_and_says_why(
    local_cloud: LocalCloud, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Kasa-branded SMART hardware in the Kasa list too, so that it is listed without the Tapo side
    monkeypatch.setattr(assumptions, "SMART_TYPES_IN_KASA_APP", ("SMART.KASA",))
    with FaultProxy(local_cloud.url) as proxy:
        proxy.plan = lambda body: "5xx" if TAPO_APP.app_type.encode() in body else "pass"
        async with client(proxy.url) as cloud:
            with caplog.at_level(logging.WARNING, logger="kasacloud.client"):
                await cloud.login(*DEMO)
                devices = {d.alias: d for d in await cloud.devices()}
            assert isinstance(cloud.tapo_error, KasaCloudError)
            assert "demo" not in str(cloud.tapo_error)  # no password in what is reported
            assert any("Tapo sign-in failed" in r.getMessage() for r in caplog.records)
            assert any("not listed" in r.getMessage() for r in caplog.records)
            kettle = devices["Kettle"]
            await kettle.turn_on()
            assert kettle.is_on
            assert "Coffee machine" not in devices  # only the Tapo app lists the P110
            dimmer = next(d for d in devices.values() if d.model.startswith("KS225"))
            assert dimmer.is_smart
            for call in (dimmer.update, dimmer.turn_on):
                with pytest.raises(SmartUnavailableError, match="Tapo sign-in failed"):
                    await call()
            with pytest.raises(SmartUnavailableError):
                await dimmer.raw({"method": "get_device_info"})


async def _tapo_entries(local_cloud: LocalCloud) -> list[dict[str, Any]]:
    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        assert cloud.tapo_session is not None
        result = await cloud.tapo_session.call("getDeviceList")
        return list(result["deviceList"])


async def test_a_device_in_both_lists_is_listed_once_as_the_tapo_side_sees_it(
    local_cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the other documented choice: Kasa-branded SMART hardware also in the Kasa app's list
    monkeypatch.setattr(assumptions, "SMART_TYPES_IN_KASA_APP", ("SMART.KASA",))
    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        kasa = (await cloud.session.call("getDeviceList"))["deviceList"]
        assert any(e["deviceType"].startswith("SMART.KASA") for e in kasa)
        entries = await cloud.device_list()
        ids = [e["deviceId"] for e in entries]
        assert len(ids) == len(set(ids))
        dimmer = next(e for e in entries if e["deviceModel"].startswith("KS225"))
        assert dimmer["alias"] == "Stairs dimmer"  # the Tapo entry, its base64 alias decoded
        device = await cloud.device("Stairs dimmer", update=True)
        assert isinstance(device, Dimmer)
        assert device.is_smart
        await device.set_brightness(20)
        assert device.brightness == 20


def test_merge_keeps_the_tapo_entry_and_every_device_once() -> None:
    kasa = [{"deviceId": "A", "alias": "a"}, {"deviceId": "B", "alias": "kasa"}]
    tapo = [{"deviceId": "B", "alias": "tapo"}, {"deviceId": "C", "alias": "c"}]
    merged = merge_device_lists(kasa, tapo)
    assert [(e["deviceId"], e["alias"]) for e in merged] == [("A", "a"), ("B", "tapo"), ("C", "c")]


async def test_tapo_false_keeps_to_the_kasa_app(local_cloud: LocalCloud) -> None:
    async with client(local_cloud.url, tapo=False) as cloud:
        await cloud.login(*DEMO)
        assert cloud.tapo_session is None
        assert not any(d.is_smart for d in await cloud.devices())


async def test_both_sides_refresh_and_resume_from_the_token_store(local_cloud: LocalCloud) -> None:
    store = MemoryTokenStore()
    async with client(local_cloud.url, token_store=store) as cloud:
        await cloud.login(*DEMO)
        tapo = cloud.tapo_session
        assert tapo is not None
        assert tapo.tokens is not None
        old = tapo.tokens.token.reveal()
        coffee = await cloud.device("Coffee machine")
        kettle = await cloud.device("Kettle")
        local_cloud.clock.advance(31 * 24 * 3600)  # past the tokens' lifetime
        await coffee.update()
        await kettle.update()
        assert tapo.stats.refreshes == 1
        assert cloud.stats.refreshes == 1
        assert tapo.tokens.token.reveal() != old
        saved = store.load(f"tapo:{cloud.url}")
        assert saved is not None
        assert saved.token.reveal() == tapo.tokens.token.reveal()
    async with client(local_cloud.url, token_store=store) as later:  # no password this time
        devices = {d.alias: d for d in await later.devices()}
        assert devices["Coffee machine"].is_smart
        await devices["Coffee machine"].turn_on()
        assert later.tapo_session is not None
        assert later.tapo_session.stats.logins == 0


async def test_a_hub_with_more_children_than_one_page_lists_them_all(tmp_path: Path) -> None:
    files = smart_capture_files("H100*.json")
    if not files:
        pytest.fail("the SMART captures are missing (../shared/fixtures/kasa-smart)")
    data = json.loads(files[0].read_text(encoding="utf-8"))
    sensor = data["get_child_device_list"]["child_device_list"][1]  # the T315
    components = data["get_child_device_component_list"]["child_component_list"][1]
    count = 13  # more than the hub's page of ten
    children = [{**sensor, "device_id": f"SCRUBBED_CHILD_DEVICE_ID_{i}"} for i in range(count)]
    data["get_child_device_list"] = {"child_device_list": children, "start_index": 0, "sum": count}
    data["get_child_device_component_list"] = {
        "child_component_list": [{**components, "device_id": c["device_id"]} for c in children],
        "start_index": 0,
        "sum": count,
    }
    capture = tmp_path / "H100(EU)_1.0_big.json"
    capture.write_text(json.dumps(data), encoding="utf-8")
    seed = {"accounts": [{"email": DEMO[0], "password": DEMO[1], "devices": []}]}
    async with (
        LocalCloud(
            seed=seed, data_dir=tmp_path / "data", config=NO_LIMITS, devices=[capture]
        ) as server,
        client(server.url) as cloud,
    ):
        await cloud.login(*DEMO)
        [hub] = await cloud.devices(update=True)
        assert isinstance(hub, Hub)
        await hub.update()
        assert len(hub.children) == count
        assert len({c.device_id for c in hub.children}) == count
        assert all(isinstance(c, Sensor) for c in hub.children)
        assert all("temperature" in c.features for c in hub.children)


def _seconds_until_local(hosted: Any, now_s: float, day_offset: int, minute: int) -> float:
    """Seconds from ``now_s`` to ``minute`` of the device's local day ``day_offset`` days on."""
    now = dt.datetime.fromtimestamp(now_s, hosted.tz)
    day = now.date() + dt.timedelta(days=day_offset)
    at = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=hosted.tz)
    return at.timestamp() - now_s


async def test_smart_schedules_countdowns_and_away_rules_through_the_cloud(
    local_cloud: LocalCloud,
) -> None:
    async with client(local_cloud.url) as cloud:
        await cloud.login(*DEMO)
        plug = await cloud.device("Coffee machine", update=True)
        hosted: Any = local_cloud.device(plug.device_id)
        schedule = plug.modules[Module.Schedule]
        assert isinstance(schedule, Schedule)
        assert isinstance(plug.countdown, Countdown)
        assert isinstance(plug.away, Away)
        await plug.turn_off()
        assert await schedule.list() == []

        # A schedule: on at 06:00 on Mondays and Wednesdays, in the captures' rule shape.
        days = (False, True, False, True, False, False, False)
        added = await schedule.add(ScheduleRule(turn_on=True, start_min=360, weekdays=days))
        assert added.id
        wire = (await _raw_result(plug, "get_schedule_rules"))["rule_list"][0]
        assert wire["s_min"] == 360
        assert wire["week_day"] == 0b0001010
        assert wire["desired_states"] == {"on": True}
        assert wire["mode"] == "repeat"
        assert wire["s_type"] == "normal"
        (listed,) = await schedule.list()
        assert (listed.id, listed.start_min, listed.weekdays, listed.turn_on) == (
            added.id, 360, days, True,
        )  # fmt: skip
        assert schedule.enabled is True
        # It switches the device at its time on the simulated clock.
        clock = local_cloud.clock
        for ahead in range(1, 8):
            local = hosted.local_time(clock.now()) + dt.timedelta(days=ahead)
            if (local.weekday() + 1) % 7 in (1, 3):
                break
        clock.advance(_seconds_until_local(hosted, clock.now(), ahead, 361))
        assert (await _raw_result(plug, "get_device_info"))["device_on"] is True
        # Edit (the raw fields it does not model stay), disable, enable the table, delete.
        await schedule.edit(dataclasses.replace(listed, start_min=420, turn_on=False))
        wire = (await _raw_result(plug, "get_schedule_rules"))["rule_list"][0]
        assert (wire["s_min"], wire["desired_states"]["on"], wire["id"]) == (420, False, added.id)
        await schedule.set_enabled(False)
        assert [r.enabled for r in await schedule.list()] == [False]
        assert schedule.enabled is False
        await schedule.set_enabled(True)
        assert [r.enabled for r in await schedule.list()] == [True]
        with pytest.raises(InvalidArgumentError):
            await schedule.add(CountdownRule(delay_s=5, turn_on=True))  # type: ignore[type-var]
        with pytest.raises(InvalidArgumentError):
            await schedule.add(ScheduleRule(turn_on=True, start_min=1440))
        await schedule.delete(added.id)
        assert await schedule.list() == []

        # A countdown: time left while it runs, then it switches.
        countdown = plug.countdown
        await countdown.add(CountdownRule(delay_s=600, turn_on=True))
        (running,) = await countdown.list()
        assert 0 < running.raw["remain"] <= 600
        assert running.delay_s == 600
        await plug.turn_off()
        clock.advance(601)
        assert (await _raw_result(plug, "get_device_info"))["device_on"] is True
        await countdown.delete_all()
        assert await countdown.list() == []

        # Away mode: its window, its days, deleted.
        away = plug.away
        rule = await away.add(AwayRule(start_min=1200, end_min=1380, weekdays=days))
        wire = (await _raw_result(plug, "get_antitheft_rules"))["rule_list"][0]
        assert (wire["s_min"], wire["e_min"], wire["week_day"]) == (1200, 1380, 0b0001010)
        (read,) = await away.list()
        assert (read.start_min, read.end_min, read.weekdays) == (1200, 1380, days)
        await away.delete(rule)
        assert await away.list() == []

        # A light's schedule carries its light state in desired_states.
        lamp = await cloud.device("Sofa lamp", update=True)
        assert lamp.schedule is not None
        lit = await lamp.schedule.add(
            ScheduleRule(turn_on=True, start_min=60, light_state={"brightness": 30, "hue": 200})
        )
        wire = (await _raw_result(lamp, "get_schedule_rules"))["rule_list"][0]
        assert wire["desired_states"] == {"on": True, "brightness": 30, "hue": 200}
        (read_back,) = await lamp.schedule.list()
        assert read_back.light_state == {"brightness": 30, "hue": 200}
        await lamp.schedule.delete(lit)

        # A strip: schedules and countdowns per outlet, away mode for the whole strip.
        strip = await cloud.device("Bedroom strip", update=True)
        assert isinstance(strip, Strip)
        assert strip.schedule is None
        assert isinstance(strip.away, Away)
        outlet = strip.children[0]
        assert isinstance(outlet.schedule, Schedule)
        assert outlet.away is None
        await outlet.schedule.add(ScheduleRule(turn_on=True, start_min=100))
        assert len(await outlet.schedule.list()) == 1
        assert await strip.children[1].schedule.list() == []  # type: ignore[union-attr]
        await outlet.schedule.delete_all()


async def test_fan_speed_and_target_temperature_are_settable_features(
    capture_cloud: LocalCloud,
) -> None:
    async with client(capture_cloud.url) as cloud:
        await cloud.login(*DEMO)
        devices = await cloud.devices()
        switch = next(d for d in devices if d.model.startswith("KS240"))
        await switch.update()
        assert isinstance(switch, Strip)
        fans = [c for c in switch.children if "fan_speed" in c.features]
        assert len(fans) == 1, "the fan gang, and only it (from its fan_control component)"
        fan = fans[0]
        hosted: Any = capture_cloud.device(switch.device_id)
        node = hosted.child(fan.device_id)
        speed = fan.features["fan_speed"]
        assert speed.value == node.info["fan_speed_level"]
        await speed.set_value(4)
        assert node.info["fan_speed_level"] == 4
        with pytest.raises(InvalidArgumentError, match="between 1 and 4"):
            await speed.set_value(5)
        assert node.info["fan_speed_level"] == 4
        await fan.features["fan_sleep_mode"].set_value(True)
        assert node.info["fan_sleep_mode_on"] is True

        hubs = [d for d in devices if isinstance(d, Hub)]
        valves = []
        for hub in hubs:
            await hub.update()
            valves += [(hub, c) for c in hub.children if c.has_component("temp_control")]
        assert valves, "the H100 and KH100 captures have KE100 valves"
        for hub, valve in valves:
            target = valve.features["target_temperature"]
            assert target.writable
            assert (target.minimum, target.maximum) == (5, 30)
            await target.set_value(22.5)
            hosted_hub: Any = capture_cloud.device(hub.device_id)
            assert hosted_hub.child(valve.device_id).info["target_temp"] == 22.5
            await hub.update()
            again = next(c for c in hub.children if c.device_id == valve.device_id)
            assert again.features["target_temperature"].value == 22.5
            assert again.readings["target_temperature"] == 22.5
            with pytest.raises(InvalidArgumentError, match="between 5 and 30"):
                await target.set_value(31)


async def test_smart_lights_refuse_transitions_and_meters_refuse_erase(
    capture_cloud: LocalCloud,
) -> None:
    async with client(capture_cloud.url) as cloud:
        await cloud.login(*DEMO)
        devices = await cloud.devices()
        bulb = next(d for d in devices if isinstance(d, Bulb) and d.is_smart)
        await bulb.update()
        before = await _raw_result(bulb, "get_device_info")
        with pytest.raises(InvalidArgumentError, match="changes at once"):
            await bulb.set_brightness(10, transition_ms=500)
        with pytest.raises(InvalidArgumentError, match="changes at once"):
            await bulb.turn_on(transition_ms=500)
        assert (await _raw_result(bulb, "get_device_info"))["brightness"] == before["brightness"]
        plug = next(d for d in devices if d.model.startswith("P110(") and d.is_smart)
        await plug.update()
        assert plug.energy is not None
        with pytest.raises(InvalidArgumentError, match="SMART meters have no erase"):
            await plug.energy.erase_stats()


async def test_gradual_on_off_is_the_devices_own_fade_setting(capture_cloud: LocalCloud) -> None:
    async with client(capture_cloud.url) as cloud:
        await cloud.login(*DEMO)
        devices = await cloud.devices()
        checked = 0
        for device in devices:
            if not device.has_component("on_off_gradually") or not device.is_smart:
                continue
            await device.update()
            answer = await device.raw({"method": "get_on_off_gradually_info"})
            if answer["error_code"] != 0:
                # The component without the method (a KS240 itself): no fade features, no error.
                assert not {"fade_on_s", "gradual_on_off"} & set(device.features)
                continue
            captured = answer["result"]
            hosted: Any = capture_cloud.device(device.device_id)
            if "on_state" in captured:
                fade_on = device.features["fade_on_s"]
                on_state = captured["on_state"]
                assert fade_on.value == (on_state["duration"] if on_state["enable"] else 0)
                assert fade_on.maximum == on_state.get("max_duration", 60)
                await fade_on.set_value(7)
                now = hosted.templates["get_on_off_gradually_info"]["on_state"]
                assert (now["enable"], now["duration"]) == (True, 7)
                await device.features["fade_off_s"].set_value(0)
                off = hosted.templates["get_on_off_gradually_info"]["off_state"]
                assert off["enable"] is False
                with pytest.raises(InvalidArgumentError, match="between 0 and"):
                    await fade_on.set_value(fade_on.maximum + 1)
            else:
                switch = device.features["gradual_on_off"]
                assert switch.value is captured["enable"]
                await switch.set_value(not captured["enable"])
                assert hosted.templates["get_on_off_gradually_info"]["enable"] is (
                    not captured["enable"]
                )
            checked += 1
        assert checked >= 5, "bulbs, light strips and dimmers have the component"
