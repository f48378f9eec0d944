"""Features to HA components and Prometheus metrics, by id, type and unit: hub sensors included.

The real devices' features are covered end to end in test_mqtt/test_metrics; here, readings that
SMART hubs report (not simulated yet) map without code of their own.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kasacloud.agent.mapping import ha_component, metric_spec, metric_value
from kasacloud.agent.snapshot import FeatureSnapshot


@pytest.mark.parametrize(
    ("feature", "platform", "device_class", "state_class", "metric"),
    [
        (FeatureSnapshot("temperature", "Temperature", "sensor", "primary", "°C", 21.5),
         "sensor", "temperature", "measurement", "kasa_temperature_celsius"),
        (FeatureSnapshot("humidity", "Humidity", "sensor", "primary", "%", 40),
         "sensor", "humidity", "measurement", "kasa_humidity_percent"),
        (FeatureSnapshot("battery_level", "Battery", "sensor", "info", "%", 80),
         "sensor", "battery", "measurement", "kasa_battery_level_percent"),
        (FeatureSnapshot("is_open", "Open", "binary_sensor", "primary", None, True),
         "binary_sensor", "door", None, "kasa_is_open"),
        (FeatureSnapshot("motion_detected", "Motion", "binary_sensor", "primary", None, False),
         "binary_sensor", "motion", None, "kasa_motion_detected"),
        (FeatureSnapshot("battery_low", "Battery low", "binary_sensor", "info", None, False),
         "binary_sensor", "battery", None, "kasa_battery_low"),
        (FeatureSnapshot("current_power", "Power", "sensor", "primary", "W", 5.0),
         "sensor", "power", "measurement", "kasa_power_watts"),
        (FeatureSnapshot("total_energy", "Total", "sensor", "info", "kWh", 1.0),
         "sensor", "energy", "total_increasing", "kasa_energy_kwh"),
    ],
)  # fmt: skip
def test_a_reading_maps_by_its_id_and_unit(
    feature: FeatureSnapshot,
    platform: str,
    device_class: str,
    state_class: str | None,
    metric: str,
) -> None:
    component = ha_component(feature)
    assert component is not None
    assert (component.platform, component.device_class, component.state_class) == (
        platform,
        device_class,
        state_class,
    )
    spec = metric_spec(feature)
    assert spec is not None
    assert spec.name == metric
    assert metric_value(feature) == float(feature.value)


def test_what_is_not_shown_on_its_own() -> None:
    hsv = FeatureSnapshot("hsv", "Colour", "number", value=(1, 2, 3), writable=True, parts=3)
    assert ha_component(hsv) is None  # a colour is the light's
    assert metric_value(hsv) is None
    clock = FeatureSnapshot("device_time", "Time", "sensor", "debug", value=dt.datetime(2026, 1, 1))
    assert ha_component(clock) is None
    assert metric_spec(clock) is None
    state = FeatureSnapshot("state", "State", "switch", value=True, writable=True)
    assert ha_component(state, in_light=True) is None  # part of the light
    component = ha_component(state)
    assert component is not None
    assert component.platform == "switch"
    led = FeatureSnapshot("led", "LED", "switch", "config", value=True, writable=True)
    assert ha_component(led).entity_category == "config"  # type: ignore[union-attr]
    reading = FeatureSnapshot("rssi", "Signal", "sensor", "config", "dBm", -50)
    assert ha_component(reading).entity_category == "diagnostic"  # type: ignore[union-attr]
    unknown_unit = FeatureSnapshot("lux", "Light", "sensor", "primary", "lx", 3)
    assert metric_spec(unknown_unit) is None  # no base unit we know: not guessed


def test_an_id_ending_in_its_units_abbreviation_spells_the_unit_once() -> None:
    fade = FeatureSnapshot("fade_on_s", "Fade on", "number", "config", "s", 2, writable=True)
    spec = metric_spec(fade)
    assert spec is not None
    assert spec.name == "kasa_fade_on_seconds"
