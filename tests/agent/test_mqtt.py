"""The agent against the real server (simulated devices over HTTP) and a real Mosquitto."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import anyio
import pytest
from agent_helpers import (
    DEMO,
    Broker,
    fast_config,
    free_port,
    run_mosquitto,
    running_agent,
    signed_in_client,
    until,
    watching,
)
from ha_schema import check_device_config

from kasacloud import Bulb, Device, KasaCloud, Strip
from kasacloud.agent.config import ConfigError, parse_mqtt_url
from kasacloud.server import LocalCloud

pytestmark = pytest.mark.anyio

PREFIX = "homeassistant"
BASE = "kasacloud"


def config_topic(device_id: str) -> str:
    return f"{PREFIX}/device/{device_id}/config"


async def by_alias(cloud: KasaCloud) -> dict[str, Device]:
    devices = await cloud.devices(update=True)
    out: dict[str, Device] = {}
    for device in devices:
        out[device.alias] = device
        if isinstance(device, Strip):
            for outlet in device.children:
                out[f"{device.alias} / {outlet.alias}"] = outlet
    return out


async def fresh(home: LocalCloud, device_id: str) -> Device:
    """The device read now through a client of its own (what the cloud says, not the agent)."""
    async with signed_in_client(home.url) as other:
        await other.login(*DEMO)
        devices = await by_alias(other)
    return next(d for d in devices.values() if d.device_id == device_id)


async def test_discovery_of_every_device_follows_home_assistants_schema(
    home: LocalCloud, cloud: KasaCloud, broker: Broker
) -> None:
    home.clock.speed = 0  # frozen: the readings the agent published are the devices' readings
    devices = await by_alias(cloud)
    async with (
        watching(broker) as watcher,
        running_agent(cloud, fast_config(mqtt=broker.mqtt())) as running,
    ):
        await until(lambda: running.agent.listed)
        for device in devices.values():
            await watcher.wait_for(config_topic(device.device_id))
            await watcher.wait_for(f"{BASE}/{device.device_id}/availability")
        assert watcher.last(f"{BASE}/bridge/availability") == b"online"
        configs = {alias: watcher.json(config_topic(d.device_id)) for alias, d in devices.items()}
        for alias, config in configs.items():
            check_device_config(alias, config)

        unique_ids = [c["unique_id"] for cfg in configs.values() for c in cfg["cmps"].values()]
        assert len(unique_ids) == len(set(unique_ids)), "unique_id must be unique"

        # every entity is available only while the bridge and its device both are
        for alias, config in configs.items():
            topics = [a["topic"] for a in config["availability"]]
            assert topics == [
                f"{BASE}/bridge/availability",
                f"{BASE}/{devices[alias].device_id}/availability",
            ]
            assert config["availability_mode"] == "all"
            assert config["o"]["name"] == "kasacloud"

        # a metered plug: a switch, power, energy for the Energy dashboard, V, A, RSSI
        kettle = devices["Kettle"]
        cfg = configs["Kettle"]
        assert cfg["dev"]["identifiers"] == [f"kasacloud_{kettle.device_id}"]
        assert cfg["dev"]["model"] == kettle.model
        assert cfg["dev"]["manufacturer"] == "TP-Link"
        assert cfg["dev"]["sw_version"] == kettle.fw_ver
        assert cfg["dev"]["connections"][0][0] == "mac"
        components = {c["unique_id"].rsplit("_", 1)[-1]: c for c in cfg["cmps"].values()}
        by_class = {c.get("device_class"): c for c in cfg["cmps"].values()}
        switch = by_class["outlet"]
        assert switch["p"] == "switch"
        assert switch["command_topic"] == f"{BASE}/{kettle.device_id}/state/set"
        assert switch["name"] is None  # the device's own name
        power = by_class["power"]
        assert (power["p"], power["unit_of_measurement"], power["state_class"]) == (
            "sensor",
            "W",
            "measurement",
        )
        energy = by_class["energy"]
        assert (energy["unit_of_measurement"], energy["state_class"]) == ("kWh", "total_increasing")
        assert by_class["voltage"]["unit_of_measurement"] == "V"
        assert by_class["current"]["unit_of_measurement"] == "A"
        rssi = by_class["signal_strength"]
        assert (rssi["unit_of_measurement"], rssi["entity_category"]) == ("dBm", "diagnostic")
        assert components["led"]["p"] == "switch"
        assert components["led"]["entity_category"] == "config"

        # the values on the state topic are the device's readings
        state = watcher.json(cfg["state_topic"])
        reading = kettle.realtime
        assert reading is not None
        assert state["current_power"] == reading.power_w
        assert state["total_energy"] == reading.total_kwh
        assert state["voltage"] == reading.voltage_v
        assert state["current"] == reading.current_a
        assert state["state"] == ("ON" if kettle.is_on else "OFF")
        assert state["rssi"] == kettle.rssi
        for component in cfg["cmps"].values():  # each template names a key of the state
            key = component["value_template"].split("value_json.")[1].rstrip("} ")
            assert key in state

        # a colour bulb: one JSON light with brightness, colour temperature and HS colour
        bulb = devices["Living room bulb"]
        assert isinstance(bulb, Bulb)
        lights = [c for c in configs["Living room bulb"]["cmps"].values() if c["p"] == "light"]
        assert len(lights) == 1
        light = lights[0]
        assert light["supported_color_modes"] == ["color_temp", "hs"]
        assert light["brightness_scale"] == 100
        assert (light["min_kelvin"], light["max_kelvin"]) == bulb.color_temp_range_k
        assert not [c for c in configs["Living room bulb"]["cmps"].values() if c["p"] == "switch"]
        light_state = watcher.json(light["state_topic"])
        assert light_state["state"] == ("ON" if bulb.is_on else "OFF")
        assert light_state["brightness"] == bulb.brightness

        porch = next(
            c
            for c in configs["Porch light"]["cmps"].values()
            if c["p"] == "switch" and c["name"] is None
        )
        assert porch["device_class"] == "switch"  # a wall switch's relay is no socket

        # a tunable white bulb and a dimmer
        reading_light = next(
            c for c in configs["Reading light"]["cmps"].values() if c["p"] == "light"
        )
        assert reading_light["supported_color_modes"] == ["color_temp"]
        dimmer = next(c for c in configs["Dining dimmer"]["cmps"].values() if c["p"] == "light")
        assert dimmer["supported_color_modes"] == ["brightness"]
        assert "min_kelvin" not in dimmer

        # a strip's outlets: devices of their own, through the strip
        strip = devices["Office strip"]
        assert isinstance(strip, Strip)
        for outlet in strip.children:
            outlet_cfg = watcher.json(config_topic(outlet.device_id))
            assert outlet_cfg["dev"]["via_device"] == f"kasacloud_{strip.device_id}"
            assert "connections" not in outlet_cfg["dev"]  # the MAC is the strip's
            kinds = {c.get("device_class") for c in outlet_cfg["cmps"].values()}
            assert {"outlet", "power", "energy"} <= kinds

        # an offline device: configured, and shown unavailable
        garage = devices["Garage plug"]
        assert not garage.is_online
        await watcher.wait_for(f"{BASE}/{garage.device_id}/availability", lambda p: p == b"offline")


async def test_commands_switch_and_set_lights_through_the_cloud(
    home: LocalCloud, cloud: KasaCloud, broker: Broker
) -> None:
    devices = await by_alias(cloud)
    kettle = devices["Kettle"]
    bulb = devices["Living room bulb"]
    outlet = devices["Office strip"].children[1]  # type: ignore[attr-defined]
    dimmer = devices["Dining dimmer"]
    # a long poll interval: the new state must come from the command itself
    config = fast_config(mqtt=broker.mqtt(), state_interval_s=3600)
    async with watching(broker) as watcher, running_agent(cloud, config) as running:
        await until(lambda: running.agent.listed)
        await watcher.wait_for(config_topic(kettle.device_id))
        state_topic = f"{BASE}/{kettle.device_id}/state"
        was_on = json.loads(await watcher.wait_for(state_topic))["state"] == "ON"
        wanted = "OFF" if was_on else "ON"
        await watcher.publish(f"{BASE}/{kettle.device_id}/state/set", wanted)
        await watcher.wait_json(state_topic, lambda s: s["state"] == wanted)
        assert (await fresh(home, kettle.device_id)).is_on is (wanted == "ON")

        # an outlet of a strip
        await watcher.publish(f"{BASE}/{outlet.device_id}/state/set", "OFF")
        await watcher.wait_json(f"{BASE}/{outlet.device_id}/state", lambda s: s["state"] == "OFF")
        assert (await fresh(home, outlet.device_id)).is_on is False
        await watcher.publish(f"{BASE}/{outlet.device_id}/state/set", "ON")
        await watcher.wait_json(f"{BASE}/{outlet.device_id}/state", lambda s: s["state"] == "ON")
        assert (await fresh(home, outlet.device_id)).is_on is True

        light_set = f"{BASE}/{bulb.device_id}/light/set"
        light_topic = f"{BASE}/{bulb.device_id}/light"
        # brightness (HA sends it on the scale we announced: percent)
        await watcher.publish(light_set, json.dumps({"state": "ON", "brightness": 35}))
        await watcher.wait_json(light_topic, lambda s: s["state"] == "ON" and s["brightness"] == 35)
        now = await fresh(home, bulb.device_id)
        assert isinstance(now, Bulb)
        assert now.is_on
        assert now.brightness == 35

        # colour temperature, in kelvin
        await watcher.publish(light_set, json.dumps({"state": "ON", "color_temp": 3000}))
        await watcher.wait_json(
            light_topic, lambda s: s.get("color_mode") == "color_temp" and s["color_temp"] == 3000
        )
        now = await fresh(home, bulb.device_id)
        assert isinstance(now, Bulb)
        assert now.color_temp_k == 3000

        # an HS colour
        await watcher.publish(
            light_set, json.dumps({"state": "ON", "color": {"h": 240, "s": 80}, "brightness": 50})
        )
        await watcher.wait_json(
            light_topic,
            lambda s: s.get("color_mode") == "hs" and s["color"] == {"h": 240.0, "s": 80.0},
        )
        now = await fresh(home, bulb.device_id)
        assert isinstance(now, Bulb)
        assert now.hsv == (240, 80, 50)

        # off
        await watcher.publish(light_set, json.dumps({"state": "OFF"}))
        await watcher.wait_json(light_topic, lambda s: s["state"] == "OFF")
        assert (await fresh(home, bulb.device_id)).is_on is False

        # a dimmer's brightness
        await watcher.publish(
            f"{BASE}/{dimmer.device_id}/light/set", json.dumps({"state": "ON", "brightness": 20})
        )
        await watcher.wait_json(
            f"{BASE}/{dimmer.device_id}/light",
            lambda s: s["brightness"] == 20 and s["state"] == "ON",
        )
        now = await fresh(home, dimmer.device_id)
        assert now.is_on
        assert now.brightness == 20

        # a bad payload is reported and ignored; the agent goes on
        await watcher.publish(light_set, "not json")
        await watcher.publish(f"{BASE}/{kettle.device_id}/state/set", "MAYBE")
        back = "ON" if was_on else "OFF"
        await watcher.publish(f"{BASE}/{kettle.device_id}/state/set", back)
        await watcher.wait_json(state_topic, lambda s: s["state"] == back)
        assert running.agent.health.commands == 9  # 8 above and this one; the bad two ignored


async def test_availability_follows_the_device_and_the_agent(
    home: LocalCloud, cloud: KasaCloud, broker: Broker
) -> None:
    devices = await by_alias(cloud)
    kettle = devices["Kettle"]
    availability = f"{BASE}/{kettle.device_id}/availability"
    async with watching(broker) as watcher:
        async with running_agent(cloud, fast_config(mqtt=broker.mqtt())) as running:
            await watcher.wait_for(availability, lambda p: p == b"online")
            home.set_online(kettle.device_id, False)
            await watcher.wait_for(availability, lambda p: p == b"offline")
            home.set_online(kettle.device_id, True)
            await watcher.wait_for(availability, lambda p: p == b"online")
            assert running.agent.find(kettle.device_id) is not None
        # a clean exit says so on the bridge topic, which every entity lists
        await watcher.wait_for(f"{BASE}/bridge/availability", lambda p: p == b"offline")
    # retained: a client that connects later (HA after a restart) sees the agent is gone
    async with watching(broker, f"{BASE}/bridge/availability") as late:
        await late.wait_for(f"{BASE}/bridge/availability", lambda p: p == b"offline")


async def test_discovery_is_published_again_when_home_assistant_comes_online(
    cloud: KasaCloud, broker: Broker
) -> None:
    devices = await by_alias(cloud)
    topic = config_topic(devices["Kettle"].device_id)
    config = fast_config(mqtt=broker.mqtt(), state_interval_s=3600)
    async with watching(broker) as watcher, running_agent(cloud, config):
        await watcher.wait_for(topic)
        count = len(watcher.messages[topic])
        await watcher.publish(f"{PREFIX}/status", "online")
        await until(lambda: len(watcher.messages[topic]) > count)
        assert watcher.json(topic) == json.loads(watcher.messages[topic][0])


async def test_a_device_that_left_the_account_is_removed_from_home_assistant(
    home: LocalCloud, cloud: KasaCloud, broker: Broker, tmp_path: Path
) -> None:
    import httpx

    devices = await by_alias(cloud)
    lamp = devices["Hall lamp"]
    config = fast_config(mqtt=broker.mqtt(), device_list_interval_s=0.5)
    async with watching(broker) as watcher, running_agent(cloud, config):
        await watcher.wait_for(config_topic(lamp.device_id))
        token = cloud.tokens.token.reveal()  # type: ignore[union-attr]
        body = {"method": "unbindDevice", "params": {"deviceId": lamp.device_id, "token": token}}
        async with httpx.AsyncClient() as http:
            answer = (await http.post(home.url + "/", json=body)).json()
        assert answer["error_code"] == 0, answer
        await watcher.wait_for(config_topic(lamp.device_id), lambda p: p == b"")
    # the empty config is retained: nothing of the lamp is left for HA to find
    async with watching(broker, f"{PREFIX}/device/+/config") as late:
        await until(lambda: config_topic(devices["Kettle"].device_id) in late.messages)
        assert config_topic(lamp.device_id) not in late.messages


async def test_a_config_left_by_an_earlier_run_is_removed(cloud: KasaCloud, broker: Broker) -> None:
    """A device removed while the agent was stopped: its retained config goes at the next run."""
    stale_id = "F" * 40
    stale = {
        "dev": {"identifiers": [f"kasacloud_{stale_id}"], "name": "Old plug"},
        "o": {"name": "kasacloud"},
        "availability": [{"topic": f"{BASE}/bridge/availability"}],
        "cmps": {f"{stale_id}_state": {"p": "switch", "unique_id": "x", "command_topic": "a/b"}},
    }
    foreign_id = "E" * 40  # another bridge's device: not ours to remove
    foreign = {**stale, "availability": [{"topic": "zigbee2mqtt/bridge/state"}]}
    async with watching(broker) as watcher:
        await watcher.publish(config_topic(stale_id), json.dumps(stale), retain=True)
        await watcher.publish(config_topic(foreign_id), json.dumps(foreign), retain=True)
        # the device list is read once: the stale config goes when the broker hands it over
        config = fast_config(mqtt=broker.mqtt(), device_list_interval_s=3600)
        async with running_agent(cloud, config):
            await watcher.wait_for(config_topic(stale_id), lambda p: p == b"")
        assert watcher.last(config_topic(foreign_id)) == json.dumps(foreign).encode()


async def test_broker_credentials_come_from_the_environment(
    cloud: KasaCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent_helpers import require_tool

    passwd = require_tool("mosquitto_passwd", "mosquitto")
    password_file = tmp_path / "passwords"
    secret = f"pw-{uuid.uuid4().hex}"
    await anyio.run_process([passwd, "-c", "-b", str(password_file), "agent", secret])
    password_file.chmod(0o600)
    extra = f"password_file {password_file}\n"
    with run_mosquitto(tmp_path, extra, anonymous=False) as broker:
        monkeypatch.setenv("KASACLOUD_MQTT_USERNAME", "agent")
        monkeypatch.setenv("KASACLOUD_MQTT_PASSWORD", secret)
        mqtt = parse_mqtt_url(f"mqtt://{broker.host}:{broker.port}", username="ignored")
        assert mqtt.username == "agent"
        assert secret not in repr(mqtt)
        async with running_agent(cloud, fast_config(mqtt=mqtt)) as running:
            assert running.mqtt is not None
            with anyio.fail_after(20):
                await running.mqtt.connected.wait()


def test_credentials_in_the_url_are_refused_with_what_to_do() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_mqtt_url("mqtt://agent:s3cret@127.0.0.1:1883")
    assert "s3cret" not in str(caught.value)
    assert "KASACLOUD_MQTT_PASSWORD" in str(caught.value)
    with pytest.raises(ConfigError, match="mqtt:// or mqtts://"):
        parse_mqtt_url("http://127.0.0.1:1883")
    with pytest.raises(ConfigError, match="only used with mqtts"):
        parse_mqtt_url("mqtt://127.0.0.1", ca_file=__file__)
    with pytest.raises(ConfigError, match="does not exist"):
        parse_mqtt_url("mqtts://127.0.0.1", ca_file="/nonexistent/ca.pem")
    assert parse_mqtt_url("mqtts://broker.lan").port == 8883


def _make_ca_and_server_cert(directory: Path) -> tuple[Path, Path, Path]:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("kasacloud test CA"))
        .issuer_name(name("kasacloud test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = (
        directory / "ca.pem",
        directory / "server.pem",
        directory / "key.pem",
    )
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


async def test_mqtts_with_a_ca_file(cloud: KasaCloud, tmp_path: Path) -> None:
    ca, cert, key = _make_ca_and_server_cert(tmp_path)
    tls_port = free_port()
    extra = f"listener {tls_port} 127.0.0.1\ncafile {ca}\ncertfile {cert}\nkeyfile {key}\n"
    with run_mosquitto(tmp_path, extra) as broker:
        mqtt = parse_mqtt_url(f"mqtts://127.0.0.1:{tls_port}", ca_file=ca)
        assert mqtt.tls
        assert mqtt.ca_file == ca
        async with watching(broker) as watcher, running_agent(cloud, fast_config(mqtt=mqtt)):
            await watcher.wait_for(f"{BASE}/bridge/availability", lambda p: p == b"online")


async def test_the_agent_connects_again_when_the_broker_comes_back(
    cloud: KasaCloud, tmp_path: Path
) -> None:
    import asyncio

    # paho (under aiomqtt) may ask the loop to watch the dropped connection's closed socket;
    # asyncio reports that from a callback. Recorded, not fatal: the reconnection below is the test.
    loop_errors: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: loop_errors.append(ctx))
    port = free_port()
    with run_mosquitto(tmp_path / "first", port=port) as broker:
        config = fast_config(mqtt=broker.mqtt(), state_interval_s=3600)
        async with running_agent(cloud, config) as running:
            bridge = running.mqtt
            assert bridge is not None
            with anyio.fail_after(20):
                await bridge.connected.wait()
            broker.process.terminate()
            broker.process.wait(timeout=10)
            await until(lambda: bridge._client is None)  # it noticed
            with run_mosquitto(tmp_path / "second", port=port) as again:
                # a fresh broker knows nothing: the agent publishes everything again
                async with watching(again) as watcher:
                    await watcher.wait_for(f"{BASE}/bridge/availability", lambda p: p == b"online")
                    kettle = next(d for d in running.agent.devices if d.alias == "Kettle")
                    await watcher.wait_for(config_topic(kettle.device_id))
                    # and it works: a command through the new connection
                    await watcher.publish(f"{BASE}/{kettle.device_id}/state/set", "ON")
                    await watcher.wait_json(
                        f"{BASE}/{kettle.device_id}/state", lambda s: s["state"] == "ON"
                    )
    for context in loop_errors:
        assert isinstance(context.get("exception"), OSError), context
