"""The device model: modules and features, over every capture, through the real server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from client_helpers import DEMO, client

from captures import capture_files, require_captures
from kasacloud import (
    Bulb,
    Device,
    Dimmer,
    Feature,
    FeatureCategory,
    FeatureType,
    InvalidArgumentError,
    LightStrip,
    Module,
    Plug,
    Strip,
)
from kasacloud.client.devices.modules import DimmerLight, Energy, Light, StripEnergy
from kasacloud.protocol.families import Family
from kasacloud.server import LocalCloud, ServerConfig

pytestmark = pytest.mark.anyio

_FEATURE_TYPES = {t.value for t in FeatureType}
_CATEGORIES = {c.value for c in FeatureCategory}


@pytest.fixture(scope="module")
def capture_cloud() -> Iterator[LocalCloud]:
    """One cloud whose demo account also holds a device built from every IOT capture."""
    require_captures()
    config = ServerConfig(account_rate_limit=None, address_rate_limit=None)
    with LocalCloud(config=config, devices=capture_files()) as cloud:
        yield cloud


async def _all(cloud_url: str) -> list[Device]:
    async with client(cloud_url) as cloud:
        await cloud.login(*DEMO)
        return await cloud.devices(update=True)


def _sysinfo_of(path: Any) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8"))["system"]["get_sysinfo"])


@pytest.mark.parametrize("path", capture_files(), ids=lambda p: p.stem)
async def test_every_capture_describes_itself_in_features(
    capture_cloud: LocalCloud, path: Any
) -> None:
    sysinfo = _sysinfo_of(path)
    async with client(capture_cloud.url) as cloud:
        await cloud.login(*DEMO)
        devices = [
            d
            for d in await cloud.devices(update=True)
            if d.model == sysinfo["model"] and d.hw_ver == sysinfo["hw_ver"]
        ]
        assert devices, f"no device of {path.name} on the account"
        device = devices[-1]
        features = device.features
        assert features, f"{device!r} has no features"
        for fid, feature in features.items():
            assert fid == feature.id
            assert feature.device is device
            assert feature.type.value in _FEATURE_TYPES
            assert feature.category.value in _CATEGORIES
            json.dumps(feature.describe())  # every value is JSON-ready
        ene = "ENE" in str(sysinfo.get("feature", ""))
        if device.kind in (Family.PLUG, Family.WALL_SWITCH, Family.DIMMER, Family.STRIP):
            assert features["state"].type is FeatureType.SWITCH
            assert features["state"].value == device.is_on
            assert features["led"].value == (not sysinfo.get("led_off"))
        if ene:
            reading = device.realtime
            assert reading is not None
            assert reading.power_w is not None
            assert features["current_power"].value == pytest.approx(reading.power_w)
            assert features["voltage"].unit == "V"
            assert 100 <= features["voltage"].value <= 260
            assert features["total_energy"].value == pytest.approx(reading.total_kwh)
            assert features["today_energy"].value is not None
            assert features["month_energy"].value >= features["today_energy"].value - 1e-9
        if isinstance(device, Bulb):
            light = device.modules[Module.Light]
            assert isinstance(light, Light)
            assert ("hsv" in features) == light.is_color
            assert ("color_temp" in features) == light.is_variable_color_temp
            if "color_temp" in features:
                rng = device.color_temp_range_k
                assert rng is not None
                assert (features["color_temp"].minimum, features["color_temp"].maximum) == rng
            assert features["current_power"].unit == "W"
            assert "voltage" not in features  # bulbs meter power only
        if "rssi" in sysinfo:
            assert features["rssi"].value == device.rssi == device.sysinfo["rssi"]
            assert -100 <= features["rssi"].value < 0
            assert features["rssi"].unit == "dBm"
        if isinstance(device, Strip):
            assert len(device.children) == sysinfo["child_num"]
            for outlet in device.children:
                assert outlet.features["state"].value == outlet.is_on
                assert "led" not in outlet.features  # one LED per strip


async def test_features_set_state_through_the_cloud(shared_cloud: LocalCloud) -> None:
    async with client(shared_cloud.url) as cloud:
        await cloud.login(*DEMO)
        kettle = await cloud.device("Kettle", update=True)
        assert isinstance(kettle, Plug)
        await kettle.features["state"].set_value(True)
        await kettle.features["led"].set_value(False)
        again = await cloud.device("Kettle", update=True)
        assert again.features["state"].value is True
        assert again.features["led"].value is False
        assert again.features["current_power"].value > 0  # the simulated load draws when on
        await again.features["state"].set_value(False)
        await again.features["led"].set_value(True)
        assert (await cloud.device("Kettle")).is_on is False


async def test_light_features_round_trip_and_hide_a_stale_colour(shared_cloud: LocalCloud) -> None:
    async with client(shared_cloud.url) as cloud:
        await cloud.login(*DEMO)
        bulb = await cloud.device("Living room bulb", update=True)
        assert isinstance(bulb, Bulb)
        await bulb.features["hsv"].set_value((240, 100, 80))
        fresh = await cloud.device("Living room bulb", update=True)
        assert fresh.features["hsv"].value == (240, 100, 80)
        assert fresh.features["brightness"].value == 80
        assert fresh.features["color_temp"].value is None  # showing a colour
        await fresh.features["color_temp"].set_value(4000)
        white = await cloud.device("Living room bulb", update=True)
        assert white.features["color_temp"].value == 4000
        assert white.features["hsv"].value is None  # white mode: no colour to show


async def test_values_are_checked_before_any_request(shared_cloud: LocalCloud) -> None:
    async with client(shared_cloud.url) as cloud:
        await cloud.login(*DEMO)
        bulb = await cloud.device("Reading light", update=True)
        before = bulb.sysinfo["light_state"]
        temp = bulb.features["color_temp"]
        with pytest.raises(InvalidArgumentError, match=r"between 2700 and 5000 K, got 9000"):
            await temp.set_value(9000)
        with pytest.raises(InvalidArgumentError, match="must be a number"):
            await bulb.features["brightness"].set_value("bright")
        with pytest.raises(InvalidArgumentError, match="is a reading"):
            await bulb.features["current_power"].set_value(3)
        with pytest.raises(InvalidArgumentError, match="on or off"):
            await bulb.features["state"].set_value("yes")
        after = (await cloud.device("Reading light", update=True)).sysinfo["light_state"]
        assert after == before


async def test_brightness_zero_turns_lights_off_and_keeps_their_level(
    shared_cloud: LocalCloud,
) -> None:
    async with client(shared_cloud.url) as cloud:
        await cloud.login(*DEMO)
        bulb = await cloud.device("Reading light", update=True)
        assert isinstance(bulb, Bulb)
        await bulb.set_brightness(35)
        await bulb.set_brightness(0)
        off = await cloud.device("Reading light", update=True)
        assert off.is_on is False
        assert off.features["brightness"].value == 35  # what it comes back on with
        strip_light = await cloud.device("TV backlight", update=True)
        assert isinstance(strip_light, LightStrip)
        await strip_light.set_hsv(120, 100, 0)  # a colour at 0 %: off, never "on at 0 %"
        dark = await cloud.device("TV backlight", update=True)
        assert dark.is_on is False
        dimmer = await cloud.device("Dining dimmer", update=True)
        assert isinstance(dimmer, Dimmer)
        await dimmer.set_brightness(60)
        await dimmer.features["brightness"].set_value(0)
        dimmed = await cloud.device("Dining dimmer", update=True)
        assert dimmed.is_on is False
        assert dimmed.features["brightness"].value == 60
        await dimmed.turn_on(transition_ms=500)  # fades on to its level
        assert (await cloud.device("Dining dimmer", update=True)).is_on is True


async def test_transitions_only_where_something_fades(shared_cloud: LocalCloud) -> None:
    async with client(shared_cloud.url) as cloud:
        await cloud.login(*DEMO)
        kettle = await cloud.device("Kettle")
        with pytest.raises(InvalidArgumentError, match="switches at once"):
            await kettle.turn_on(transition_ms=500)
        dimmer = await cloud.device("Dining dimmer")
        with pytest.raises(InvalidArgumentError, match="not when turning off"):
            await dimmer.turn_off(transition_ms=500)


async def test_modules_are_typed_and_say_what_is_missing(shared_cloud: LocalCloud) -> None:
    async with client(shared_cloud.url) as cloud:
        await cloud.login(*DEMO)
        dimmer = await cloud.device("Dining dimmer")
        assert isinstance(dimmer.modules[Module.Light], DimmerLight)
        kettle = await cloud.device("Kettle")
        assert isinstance(kettle.modules[Module.Energy], Energy)
        assert kettle.modules.get(Module.Light) is None
        with pytest.raises(KeyError, match="no Light module on this device"):
            kettle.modules[Module.Light]
        assert kettle.energy is kettle.modules[Module.Energy]  # the attribute is the module


async def test_strip_features_sum_their_outlets(shared_cloud: LocalCloud) -> None:
    async with client(shared_cloud.url) as cloud:
        await cloud.login(*DEMO)
        strip = await cloud.device("Office strip", update=True)
        assert isinstance(strip, Strip)
        assert isinstance(strip.modules[Module.Energy], StripEnergy)
        outlets = strip.children
        total = sum(o.features["current_power"].value for o in outlets)
        assert strip.features["current_power"].value == pytest.approx(total)
        today = sum(o.features["today_energy"].value for o in outlets)
        assert strip.features["today_energy"].value == pytest.approx(today)
        assert "voltage" in strip.features
        assert "rssi" in strip.features
        assert "rssi" not in outlets[0].features
        # history: the strip's days are the sum of its outlets' days
        energy = strip.energy
        assert energy is not None
        strip_days = {d.date: d.energy_kwh for d in await energy.get_daily()}
        per_outlet: dict[Any, float] = {}
        for outlet in outlets:
            assert outlet.energy is not None
            for day in await outlet.energy.get_daily():
                per_outlet[day.date] = per_outlet.get(day.date, 0.0) + day.energy_kwh
        assert strip_days == pytest.approx(per_outlet)
        # the strip's switch is every outlet's
        await strip.features["state"].set_value(False)
        assert not any(o.is_on for o in (await cloud.device("Office strip")).children)
        await outlets[1].features["state"].set_value(True)
        again = await cloud.device("Office strip")
        assert [o.is_on for o in again.children].count(True) == 1
        assert again.features["state"].value is True  # any outlet on


async def test_an_outlet_writes_its_state_into_its_strip(shared_cloud: LocalCloud) -> None:
    async with client(shared_cloud.url) as cloud:
        await cloud.login(*DEMO)
        strip = await cloud.device("TV strip")
        assert isinstance(strip, Strip)
        outlet = strip.children[2]
        await outlet.turn_on()
        assert strip.child_info(outlet.device_id)["state"] == 1  # one truth: the strip's
        await outlet.turn_off()
        assert strip.child_info(outlet.device_id)["state"] == 0
        assert outlet.is_on is False


def _feature(type_: FeatureType, **kwargs: Any) -> Feature:
    class Named:
        alias = "Lamp"
        device_id = "X"

    async def setter(value: Any) -> None:
        return None

    return Feature(device=Named(), id="f", name="F", type=type_, getter=lambda: None,  # type: ignore[arg-type]
                   setter=setter, **kwargs)  # fmt: skip


def test_feature_parse_reads_what_people_type() -> None:
    switch = _feature(FeatureType.SWITCH)
    assert switch.parse("on") is True
    assert switch.parse("OFF") is False
    with pytest.raises(InvalidArgumentError, match="on or off"):
        switch.parse("maybe")
    number = _feature(FeatureType.NUMBER, minimum=0, maximum=100, step=1)
    assert number.parse(" 40 ") == 40
    assert number.check(40) == 40
    with pytest.raises(InvalidArgumentError, match="whole number"):
        number.check(40.5)
    with pytest.raises(InvalidArgumentError, match="takes a number"):
        number.parse("forty")
    from kasacloud import FeaturePart

    hsv = _feature(
        FeatureType.NUMBER, step=1, parts=(FeaturePart("hue", 0, 360), FeaturePart("s", 0, 100))
    )
    assert hsv.parse("240, 100") == (240, 100)
    with pytest.raises(InvalidArgumentError, match=r"2 numbers \(hue, s\)"):
        hsv.check((1, 2, 3))
    with pytest.raises(InvalidArgumentError, match=r"hue .* between 0 and 360"):
        hsv.check((400, 2))
    choice = _feature(FeatureType.CHOICE, choices=("Aurora", "Ocean"))
    with pytest.raises(InvalidArgumentError, match="one of: Aurora, Ocean"):
        choice.check("Lava")
