"""A hub's sensors through the agent: HA devices of their own (via the hub), and metrics.

Against the demo house on the real server (its H100 hub with a T310 temperature and humidity
sensor and a T110 contact sensor) and a real Mosquitto.
"""

from __future__ import annotations

import httpx
import pytest
from agent_helpers import Broker, fast_config, running_agent, until, watching
from ha_schema import check_device_config
from prometheus_client.parser import text_string_to_metric_families

from kasacloud import Hub, KasaCloud, Sensor
from kasacloud.server import LocalCloud

pytestmark = pytest.mark.anyio

PREFIX = "homeassistant"
BASE = "kasacloud"


async def demo_hub(cloud: KasaCloud) -> Hub:
    hubs = [d for d in await cloud.devices(update=True) if isinstance(d, Hub)]
    assert len(hubs) == 1, "the demo house has one hub"
    return hubs[0]


def sensor_with(hub: Hub, feature_id: str) -> Sensor:
    found = [s for s in hub.children if feature_id in s.features]
    assert found, f"no sensor of the hub has {feature_id}"
    return found[0]


async def test_hub_sensors_are_home_assistant_devices_through_the_hub(
    home: LocalCloud, cloud: KasaCloud, broker: Broker
) -> None:
    home.clock.speed = 0  # frozen: what the agent published is what the sensors read
    hub = await demo_hub(cloud)
    climate = sensor_with(hub, "temperature")
    door = sensor_with(hub, "is_open")
    async with (
        watching(broker) as watcher,
        running_agent(cloud, fast_config(mqtt=broker.mqtt())) as running,
    ):
        await until(lambda: running.agent.listed)
        for sensor in (climate, door):
            await watcher.wait_for(f"{PREFIX}/device/{sensor.device_id}/config")
            await watcher.wait_for(
                f"{BASE}/{sensor.device_id}/availability", lambda p: p == b"online"
            )
        climate_cfg = watcher.json(f"{PREFIX}/device/{climate.device_id}/config")
        door_cfg = watcher.json(f"{PREFIX}/device/{door.device_id}/config")
        for sensor, cfg in ((climate, climate_cfg), (door, door_cfg)):
            check_device_config(sensor.alias, cfg)
            assert cfg["dev"]["via_device"] == f"kasacloud_{hub.device_id}"
            assert cfg["dev"]["model"] == sensor.model
            assert "connections" not in cfg["dev"]  # the sensor has no Wi-Fi MAC of its own

        by_class = {c.get("device_class"): c for c in climate_cfg["cmps"].values()}
        temperature = by_class["temperature"]
        assert (temperature["p"], temperature["unit_of_measurement"]) == ("sensor", "°C")
        assert temperature["state_class"] == "measurement"
        humidity = by_class["humidity"]
        assert (humidity["unit_of_measurement"], humidity["state_class"]) == ("%", "measurement")
        contact = next(c for c in door_cfg["cmps"].values() if c.get("device_class") == "door")
        assert contact["p"] == "binary_sensor"
        assert (contact["payload_on"], contact["payload_off"]) == ("ON", "OFF")

        # the state topics carry the readings the sensors report
        for cfg in (climate_cfg, door_cfg):
            await watcher.wait_for(cfg["state_topic"])
        climate_state = watcher.json(climate_cfg["state_topic"])
        assert climate_state["temperature"] == climate.features["temperature"].value
        assert climate_state["humidity"] == climate.features["humidity"].value
        door_state = watcher.json(door_cfg["state_topic"])
        assert door_state["is_open"] == ("ON" if door.features["is_open"].value else "OFF")


async def test_hub_sensor_readings_are_metrics_labelled_by_the_sensor(
    home: LocalCloud, cloud: KasaCloud
) -> None:
    home.clock.speed = 0
    hub = await demo_hub(cloud)
    climate = sensor_with(hub, "temperature")
    door = sensor_with(hub, "is_open")
    config = fast_config(metrics_host="127.0.0.1", metrics_port=0)
    async with running_agent(cloud, config) as running:
        assert running.metrics is not None
        await until(lambda: running.agent.health.polls >= 1)
        async with httpx.AsyncClient(timeout=10) as http:
            text = (await http.get(running.metrics.url)).text
    got = {
        (s.name, s.labels.get("device_id"), s.labels.get("outlet")): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert got[("kasa_temperature_celsius", climate.device_id, "")] == float(
        climate.features["temperature"].value
    )
    assert got[("kasa_humidity_percent", climate.device_id, "")] == float(
        climate.features["humidity"].value
    )
    is_open = door.features["is_open"].value
    assert got[("kasa_is_open", door.device_id, "")] == (1.0 if is_open else 0.0)
    assert got[("kasa_device_online", climate.device_id, "")] == 1.0
