"""Home Assistant through MQTT discovery: retained device configs, state, commands, availability.

Topics (``<base>`` is ``kasacloud``, ``<prefix>`` is ``homeassistant`` unless configured):

- ``<prefix>/device/<device_id>/config``: the device-based discovery config (HA 2024.11+): ``dev``
  (the device), ``o`` (origin: kasacloud and its version) and ``cmps`` (one component per
  feature), retained; an empty retained payload removes a device that left the account.
- ``<base>/bridge/availability``: ``online`` while the agent runs; ``offline`` when it stops
  (published on a clean exit, and the broker's last will when the agent dies).
- ``<base>/<device_id>/availability``: ``online``/``offline`` as the cloud sees the device. Every
  entity lists both topics with ``availability_mode: all``.
- ``<base>/<device_id>/state``: a JSON object of every feature's value (retained);
  ``<base>/<device_id>/light``: the light's state in HA's JSON light schema.
- ``<base>/<device_id>/<feature_id>/set`` and ``<base>/<device_id>/light/set``: commands, sent
  through the cloud; the new state is published as soon as the cloud confirms it.

When Home Assistant publishes ``online`` on ``<prefix>/status`` (it restarted), every config and
state is published again.
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Mapping
from typing import Any

import aiomqtt
import anyio
from anyio.abc import TaskStatus

from kasacloud import __version__
from kasacloud.agent.config import MqttConfig
from kasacloud.agent.mapping import LIGHT_FEATURES, ha_component
from kasacloud.agent.poller import Agent, Command
from kasacloud.agent.snapshot import (
    ACTION,
    BINARY_SENSOR,
    CHOICE,
    NUMBER,
    SWITCH,
    DeviceSnapshot,
    FeatureSnapshot,
    timestamp,
)

logger = logging.getLogger("kasacloud.agent")

ORIGIN: dict[str, str] = {"name": "kasacloud", "sw": __version__}
MANUFACTURER = "TP-Link"
ONLINE = "online"
OFFLINE = "offline"
RECONNECT_MAX_S = 60.0


def identifier(device_id: str) -> str:
    """The HA device identifier of a kasacloud device."""
    return f"kasacloud_{device_id}"


class Topics:
    """Every topic name, in one place."""

    def __init__(self, config: MqttConfig) -> None:
        self.prefix = config.discovery_prefix.strip("/")
        self.base = config.base_topic.strip("/")

    @property
    def bridge(self) -> str:
        """The agent's own availability (and last will)."""
        return f"{self.base}/bridge/availability"

    @property
    def ha_status(self) -> str:
        """Where HA says it (re)started."""
        return f"{self.prefix}/status"

    def config(self, device_id: str) -> str:
        """A device's discovery config."""
        return f"{self.prefix}/device/{device_id}/config"

    def availability(self, device_id: str) -> str:
        """A device's availability."""
        return f"{self.base}/{device_id}/availability"

    def state(self, device_id: str) -> str:
        """A device's feature values (JSON)."""
        return f"{self.base}/{device_id}/state"

    def light(self, device_id: str) -> str:
        """A light's state, HA JSON schema."""
        return f"{self.base}/{device_id}/light"

    def command(self, device_id: str, feature_id: str) -> str:
        """Where HA sends a feature's (or ``light``'s) new value."""
        return f"{self.base}/{device_id}/{feature_id}/set"


def _is_light(device: DeviceSnapshot) -> bool:
    return "state" in device.features and "brightness" in device.features


def _binary(value: Any) -> str | None:
    return None if value is None else ("ON" if value else "OFF")


def state_payload(device: DeviceSnapshot) -> dict[str, Any]:
    """The JSON on ``<base>/<id>/state``: each feature's value in the form HA reads."""
    out: dict[str, Any] = {}
    for feature in device.features.values():
        value = feature.value
        if feature.type in (SWITCH, BINARY_SENSOR):
            out[feature.id] = _binary(value)
        elif timestamp(value) is not None:
            out[feature.id] = timestamp(value)
        elif isinstance(value, bool | int | float | str) or value is None:
            out[feature.id] = value
    return out


def light_payload(device: DeviceSnapshot) -> dict[str, Any]:
    """The light's state in HA's JSON light schema (brightness in %, colour temp in kelvin)."""
    on = device.value("state")
    payload: dict[str, Any] = {"state": "ON" if on else "OFF"}
    brightness = device.value("brightness")
    if brightness is not None:
        payload["brightness"] = brightness
    hsv = device.value("hsv")
    color_temp = device.value("color_temp")
    if hsv is not None and not color_temp:
        payload["color_mode"] = "hs"
        payload["color"] = {"h": float(hsv[0]), "s": float(hsv[1])}
    elif "color_temp" in device.features:
        payload["color_mode"] = "color_temp"
        if color_temp:
            payload["color_temp"] = int(color_temp)
    else:
        payload["color_mode"] = "brightness"
    return payload


def _color_modes(device: DeviceSnapshot) -> list[str]:
    modes = []
    if "color_temp" in device.features:
        modes.append("color_temp")
    if "hsv" in device.features:
        modes.append("hs")
    return modes or ["brightness"]


def _component(
    topics: Topics, device: DeviceSnapshot, feature: FeatureSnapshot, in_light: bool
) -> dict[str, Any] | None:
    kind = ha_component(feature, in_light=in_light)
    if kind is None:
        return None
    main = feature.id == "state"
    config: dict[str, Any] = {
        "p": kind.platform,
        "unique_id": f"{identifier(device.device_id)}_{feature.id}",
        # the main switch takes the device's name (HA: name null), the rest their own
        "name": None if main else feature.name,
    }
    device_class = kind.device_class
    if kind.platform == "switch" and main:
        # HA's two switch classes: a socket, or anything else (a wall switch's relay)
        device_class = "outlet" if device.kind in ("plug", "strip", "outlet") else "switch"
    if device_class:
        config["device_class"] = device_class
    if kind.state_class:
        config["state_class"] = kind.state_class
    if kind.entity_category:
        config["entity_category"] = kind.entity_category
    if feature.unit and kind.platform in ("sensor", "number"):
        config["unit_of_measurement"] = feature.unit
    if kind.platform != "button":
        config["value_template"] = "{{ value_json." + feature.id + " }}"
    if kind.platform in ("switch", "binary_sensor"):
        config["payload_on"] = "ON"
        config["payload_off"] = "OFF"
    if kind.platform == "switch":
        config["state_on"] = "ON"
        config["state_off"] = "OFF"
    if kind.platform in ("switch", "number", "select", "button"):
        config["command_topic"] = topics.command(device.device_id, feature.id)
    if kind.platform == "number":
        if feature.minimum is not None:
            config["min"] = feature.minimum
        if feature.maximum is not None:
            config["max"] = feature.maximum
        if feature.step is not None:
            config["step"] = feature.step
    if kind.platform == "select":
        config["options"] = list(feature.choices)
    if kind.platform == "button":
        config["payload_press"] = "PRESS"
    return config


def _light(topics: Topics, device: DeviceSnapshot) -> dict[str, Any]:
    config: dict[str, Any] = {
        "p": "light",
        "schema": "json",
        "unique_id": f"{identifier(device.device_id)}_light",
        "name": None,
        "state_topic": topics.light(device.device_id),
        "command_topic": topics.command(device.device_id, "light"),
        "brightness": True,
        "brightness_scale": 100,
        "supported_color_modes": _color_modes(device),
    }
    if "color_temp" in device.features:
        low, high = device.color_temp_range_k or (2500, 6500)
        config["color_temp_kelvin"] = True
        config["min_kelvin"] = int(low)
        config["max_kelvin"] = int(high)
    return config


def discovery_payload(topics: Topics, device: DeviceSnapshot) -> dict[str, Any]:
    """The device-based discovery config of one device (or outlet)."""
    dev: dict[str, Any] = {
        "identifiers": [identifier(device.device_id)],
        "name": device.alias,
        "manufacturer": MANUFACTURER,
        "model": device.model,
    }
    if device.fw_version:
        dev["sw_version"] = device.fw_version
    if device.hw_version:
        dev["hw_version"] = device.hw_version
    if device.mac:
        dev["connections"] = [["mac", device.mac]]
    if device.parent_id:
        dev["via_device"] = identifier(device.parent_id)
    components: dict[str, dict[str, Any]] = {}
    in_light = _is_light(device)
    if in_light:
        components[f"{device.device_id}_light"] = _light(topics, device)
    for feature in device.features.values():
        component = _component(topics, device, feature, in_light)
        if component is not None:
            components[f"{device.device_id}_{feature.id}"] = component
    return {
        "dev": dev,
        "o": dict(ORIGIN),
        "availability": [
            {"topic": topics.bridge, "payload_available": ONLINE, "payload_not_available": OFFLINE},
            {
                "topic": topics.availability(device.device_id),
                "payload_available": ONLINE,
                "payload_not_available": OFFLINE,
            },
        ],
        "availability_mode": "all",
        "state_topic": topics.state(device.device_id),
        "qos": 1,
        "cmps": components,
    }


def parse_command(
    topics: Topics, topic: str, payload: bytes, fleet: Mapping[str, DeviceSnapshot]
) -> Command | None:
    """The :class:`Command` a message on a ``.../set`` topic asks for (``None``: not valid)."""
    parts = topic.split("/")
    base = topics.base.split("/")
    if len(parts) != len(base) + 3 or parts[: len(base)] != base or parts[-1] != "set":
        return None
    device_id, feature_id = parts[-3], parts[-2]
    device = fleet.get(device_id)
    text = payload.decode("utf-8", errors="replace").strip()
    if device is None:
        logger.warning("MQTT command for unknown device %s ignored", device_id)
        return None
    if feature_id == "light":
        try:
            data = json.loads(text)
        except ValueError:
            logger.warning("MQTT light command for %s is not JSON: %r", device.alias, text[:80])
            return None
        if not isinstance(data, dict):
            return None
        light: dict[str, Any] = {}
        if "state" in data:
            light["state"] = str(data["state"]).upper() == "ON"
        if isinstance(data.get("brightness"), int | float):
            light["brightness"] = data["brightness"]
        if isinstance(data.get("color_temp"), int | float):
            light["color_temp"] = data["color_temp"]
        color = data.get("color")
        if isinstance(color, dict) and {"h", "s"} <= set(color):
            light["hs"] = (color["h"], color["s"])
        return Command(device_id, "light", light)
    feature = device.features.get(feature_id)
    if feature is None or not feature.writable:
        logger.warning("MQTT command: %s has no settable %s", device.alias, feature_id)
        return None
    value: Any
    if feature.type == SWITCH:
        if text.upper() not in ("ON", "OFF"):
            logger.warning("MQTT command for %s %s: expected ON or OFF", device.alias, feature_id)
            return None
        value = text.upper() == "ON"
    elif feature.type == NUMBER:
        try:
            number = float(text)
        except ValueError:
            logger.warning("MQTT command for %s %s: not a number", device.alias, feature_id)
            return None
        value = int(number) if number.is_integer() else number
    elif feature.type == CHOICE:
        value = text
    elif feature.type == ACTION:
        value = None
    else:
        return None
    return Command(device_id, feature_id, value)


class MqttBridge:
    """The agent's MQTT output: run :meth:`run` in a task; the agent calls :meth:`publish`."""

    def __init__(self, config: MqttConfig, agent: Agent) -> None:
        self.config = config
        self.agent = agent
        self.topics = Topics(config)
        self.connected = anyio.Event()
        """Set once the first connection is up and everything is published."""
        self._client: aiomqtt.Client | None = None
        self._published: dict[str, bytes] = {}
        self._configured: set[str] = set()
        """Device ids whose discovery config is on the broker (ours, from any run)."""

    def _tls(self) -> ssl.SSLContext | None:
        if not self.config.tls:
            return None
        cafile = str(self.config.ca_file) if self.config.ca_file else None
        return ssl.create_default_context(cafile=cafile)

    def _make_client(self) -> aiomqtt.Client:
        password = self.config.password.reveal() if self.config.password else None
        return aiomqtt.Client(
            self.config.host,
            self.config.port,
            username=self.config.username,
            password=password,
            identifier=self.config.client_id,
            will=aiomqtt.Will(self.topics.bridge, OFFLINE, qos=1, retain=True),
            tls_context=self._tls(),
            keepalive=self.config.keepalive_s,
            timeout=10,
        )

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Connect (again and again, with backoff) and serve until cancelled."""
        task_status.started()
        wait = 1.0
        while True:
            try:
                async with self._make_client() as client:
                    lost = False
                    try:
                        await self._serve(client)
                    except aiomqtt.MqttError:
                        lost = True  # the connection is gone: nothing can be sent on it
                        raise
                    finally:
                        self._client = None
                        if not lost:  # a clean exit says so (the last will is for the rest)
                            with anyio.CancelScope(shield=True), anyio.move_on_after(5):
                                await client.publish(
                                    self.topics.bridge, OFFLINE, qos=1, retain=True
                                )
            except aiomqtt.MqttError as exc:
                self._client = None
                logger.warning(
                    "MQTT broker %s: %s; connecting again in %.0f s", self.config.url, exc, wait
                )
                await anyio.sleep(wait)
                wait = min(RECONNECT_MAX_S, wait * 2)
                continue

    async def _serve(self, client: aiomqtt.Client) -> None:
        self._client = client
        self._published.clear()
        await client.publish(self.topics.bridge, ONLINE, qos=1, retain=True)
        await client.subscribe(self.topics.ha_status, qos=1)
        await client.subscribe(f"{self.topics.base}/+/+/set", qos=1)
        # our configs kept by the broker: a device among them that left the account is removed
        await client.subscribe(self.topics.config("+"), qos=1)
        logger.info("MQTT: connected to %s", self.config.url)
        if self.agent.listed:
            await self._publish_fleet(self.agent.fleet, force=True, listed=True)
        self.connected.set()
        async for message in client.messages:
            await self._handle(message)

    async def _handle(self, message: aiomqtt.Message) -> None:
        topic = str(message.topic)
        payload = message.payload if isinstance(message.payload, bytes) else b""
        if topic == self.topics.ha_status:
            if payload.strip() == ONLINE.encode():
                logger.info("Home Assistant is online: publishing discovery again")
                await self._publish_fleet(self.agent.fleet, force=True, listed=False)
            return
        if message.topic.matches(self.topics.config("+")):
            device_id = self._note_config(topic, payload)
            if device_id and self.agent.listed and device_id not in self.agent.fleet:
                await self.remove(device_id)  # left the account while the agent was away
            return
        command = parse_command(self.topics, topic, payload, self.agent.fleet)
        if command is not None:
            await self.agent.submit(command)

    def _note_config(self, topic: str, payload: bytes) -> str | None:
        """Remember a config of ours (its availability names our bridge topic); its device id."""
        device_id = topic.split("/")[-2]
        if not payload:
            return None
        try:
            data = json.loads(payload)
            topics = [a.get("topic") for a in data.get("availability") or []]
        except (ValueError, AttributeError, TypeError):
            return None
        if self.topics.bridge not in topics:
            return None
        self._configured.add(device_id)
        return device_id

    async def publish(self, fleet: Mapping[str, DeviceSnapshot], *, listed: bool) -> None:
        """Publish what changed (the agent calls this after every read and command)."""
        if self._client is None:
            return
        await self._publish_fleet(fleet, force=False, listed=listed)

    async def _send(self, topic: str, payload: bytes, *, force: bool) -> None:
        if not force and self._published.get(topic) == payload:
            return
        client = self._client
        if client is None:
            return
        await client.publish(topic, payload, qos=1, retain=True)
        self._published[topic] = payload

    async def _publish_fleet(
        self, fleet: Mapping[str, DeviceSnapshot], *, force: bool, listed: bool
    ) -> None:
        for device in fleet.values():
            # while offline a device's features are unknown: keep its last config and state
            if device.online or device.device_id not in self._configured:
                config = discovery_payload(self.topics, device)
                if config["cmps"]:  # a device never seen online may have nothing to show yet
                    await self._send(
                        self.topics.config(device.device_id), _json(config), force=force
                    )
                    self._configured.add(device.device_id)
            await self._send(
                self.topics.availability(device.device_id),
                (ONLINE if device.online else OFFLINE).encode(),
                force=force,
            )
            if device.online:
                await self._send(
                    self.topics.state(device.device_id), _json(state_payload(device)), force=force
                )
                if _is_light(device):
                    await self._send(
                        self.topics.light(device.device_id),
                        _json(light_payload(device)),
                        force=force,
                    )
        if listed:
            for device_id in sorted(self._configured - set(fleet)):
                await self.remove(device_id)

    async def remove(self, device_id: str) -> None:
        """Remove a device from HA (empty retained config) and clear its retained topics."""
        logger.info("MQTT: removing device %s (it left the account)", device_id)
        for topic in (
            self.topics.config(device_id),
            self.topics.state(device_id),
            self.topics.light(device_id),
            self.topics.availability(device_id),
        ):
            await self._send(topic, b"", force=True)
            self._published.pop(topic, None)
        self._configured.discard(device_id)


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


__all__ = [
    "LIGHT_FEATURES",
    "MqttBridge",
    "Topics",
    "discovery_payload",
    "light_payload",
    "parse_command",
    "state_payload",
]
