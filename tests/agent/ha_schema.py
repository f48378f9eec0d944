"""Home Assistant's documented MQTT discovery schema, written down to check our payloads against.

From HA's MQTT integration docs (device-based discovery payload, availability, origin, device) and
the docs of the MQTT switch, sensor, binary sensor, light (JSON schema), number, select and button
platforms; the unit/class pairs from HA's sensor device class table. Every key we send must be a
documented option of its place with a value of the documented type; required ones must be there.
"""

from __future__ import annotations

import re
from typing import Any

TOPIC = re.compile(r"^[^#+\x00]+$")  # a topic to publish to: no wildcards

ROOT_REQUIRED = {"dev", "o", "cmps"}
ROOT_SHARED = {
    "availability",
    "availability_mode",
    "availability_template",
    "availability_topic",
    "payload_available",
    "payload_not_available",
    "state_topic",
    "command_topic",
    "qos",
    "encoding",
}
DEVICE_OPTIONS = {
    "identifiers": list,
    "connections": list,
    "configuration_url": str,
    "manufacturer": str,
    "model": str,
    "model_id": str,
    "name": str,
    "serial_number": str,
    "suggested_area": str,
    "sw_version": str,
    "hw_version": str,
    "via_device": str,
}
ORIGIN_OPTIONS = {"name": str, "sw": str, "sw_version": str, "url": str, "support_url": str}
AVAILABILITY_OPTIONS = {
    "topic": str,
    "payload_available": str,
    "payload_not_available": str,
    "value_template": str,
}
ENTITY_COMMON = {
    "p": str,
    "platform": str,
    "unique_id": str,
    "name": (str, type(None)),
    "object_id": str,
    "default_entity_id": str,
    "icon": str,
    "entity_category": str,
    "enabled_by_default": bool,
    "value_template": str,
    "state_topic": str,
    "json_attributes_topic": str,
    "qos": int,
    "availability": list,
    "availability_mode": str,
}
PLATFORMS: dict[str, dict[str, Any]] = {
    "switch": {
        "required": {"command_topic"},
        "options": {
            "command_topic": str,
            "device_class": str,
            "payload_on": str,
            "payload_off": str,
            "state_on": str,
            "state_off": str,
            "optimistic": bool,
            "retain": bool,
        },
        "device_classes": {"outlet", "switch"},
    },
    "sensor": {
        "required": set(),
        "options": {
            "device_class": str,
            "state_class": str,
            "unit_of_measurement": str,
            "suggested_display_precision": int,
            "expire_after": int,
            "force_update": bool,
        },
        "device_classes": {
            "power",
            "energy",
            "voltage",
            "current",
            "signal_strength",
            "temperature",
            "humidity",
            "battery",
            "duration",
            "timestamp",
        },
    },
    "binary_sensor": {
        "required": set(),
        "options": {
            "device_class": str,
            "payload_on": str,
            "payload_off": str,
            "expire_after": int,
        },
        "device_classes": {"door", "opening", "motion", "battery", "moisture", "connectivity"},
    },
    "light": {
        "required": {"command_topic", "schema"},
        "options": {
            "schema": str,
            "command_topic": str,
            "brightness": bool,
            "brightness_scale": int,
            "supported_color_modes": list,
            "color_temp_kelvin": bool,
            "min_kelvin": int,
            "max_kelvin": int,
            "effect": bool,
            "effect_list": list,
            "flash": bool,
            "transition": bool,
            "optimistic": bool,
            "retain": bool,
        },
        "device_classes": set(),
    },
    "number": {
        "required": {"command_topic"},
        "options": {
            "command_topic": str,
            "min": (int, float),
            "max": (int, float),
            "step": (int, float),
            "unit_of_measurement": str,
            "mode": str,
            "device_class": str,
        },
        "device_classes": set(),
    },
    "select": {
        "required": {"command_topic", "options"},
        "options": {"command_topic": str, "options": list},
        "device_classes": set(),
    },
    "button": {
        "required": {"command_topic"},
        "options": {"command_topic": str, "payload_press": str, "device_class": str},
        "device_classes": set(),
    },
}
UNITS_BY_CLASS = {
    "power": {"W", "kW"},
    "energy": {"Wh", "kWh", "MWh"},
    "voltage": {"V", "mV"},
    "current": {"A", "mA"},
    "signal_strength": {"dB", "dBm"},
    "temperature": {"°C", "°F", "K"},
    "humidity": {"%"},
    "battery": {"%"},
    "duration": {"s", "min", "h", "d"},
}
STATE_CLASSES_BY_CLASS = {"energy": {"total", "total_increasing"}}
COLOR_MODES = {"onoff", "brightness", "color_temp", "hs", "xy", "rgb", "rgbw", "rgbww", "white"}


def _check_type(where: str, key: str, value: Any, expected: Any) -> None:
    assert isinstance(value, expected), f"{where}: {key}={value!r} is not {expected}"


def check_component(where: str, component: dict[str, Any]) -> None:
    """One component of ``cmps`` against its platform's documented options."""
    platform = component.get("p") or component.get("platform")
    assert platform in PLATFORMS, f"{where}: platform {platform!r} is not one we checked"
    spec = PLATFORMS[platform]
    assert "unique_id" in component, f"{where}: unique_id is required in device discovery"
    for key in spec["required"]:
        assert key in component, f"{where}: {platform} requires {key}"
    allowed = {**ENTITY_COMMON, **spec["options"]}
    for key, value in component.items():
        assert key in allowed, f"{where}: {key!r} is not a documented {platform} option"
        _check_type(where, key, value, allowed[key])
        if key.endswith("_topic"):
            assert TOPIC.match(value), f"{where}: {key} {value!r} is not a topic"
    if "entity_category" in component:
        allowed_categories = (
            {"diagnostic"} if platform in ("sensor", "binary_sensor") else {"config", "diagnostic"}
        )
        assert component["entity_category"] in allowed_categories, where
    device_class = component.get("device_class")
    if device_class is not None:
        assert device_class in spec["device_classes"], f"{where}: device_class {device_class}"
    if platform == "sensor":
        unit = component.get("unit_of_measurement")
        if device_class in UNITS_BY_CLASS:
            assert unit in UNITS_BY_CLASS[device_class], f"{where}: {unit} for {device_class}"
        state_class = component.get("state_class")
        if state_class is not None:
            assert state_class in {"measurement", "total", "total_increasing"}, where
            allowed_states = STATE_CLASSES_BY_CLASS.get(str(device_class))
            if allowed_states:
                assert state_class in allowed_states, f"{where}: {state_class} for {device_class}"
        if device_class == "timestamp":
            assert unit is None, where
            assert state_class is None, where
    if platform == "light":
        assert component["schema"] == "json", where
        modes = component.get("supported_color_modes", [])
        assert modes, f"{where}: no color modes"
        assert set(modes) <= COLOR_MODES, f"{where}: color modes {modes}"
        if "onoff" in modes or "brightness" in modes:
            assert len(modes) == 1, f"{where}: {modes}: onoff/brightness must stand alone"
        if "color_temp" in modes:
            assert component.get("color_temp_kelvin") is True, where
            assert component["min_kelvin"] < component["max_kelvin"], where


def check_device_config(where: str, config: dict[str, Any]) -> None:
    """A whole ``homeassistant/device/<id>/config`` payload."""
    for key in ROOT_REQUIRED:
        assert key in config, f"{where}: {key} is required"
    for key in config:
        assert key in ROOT_REQUIRED | ROOT_SHARED, f"{where}: {key!r} is not a shared option"
    device = config["dev"]
    for key, value in device.items():
        assert key in DEVICE_OPTIONS, f"{where}: dev.{key} is not documented"
        _check_type(where, f"dev.{key}", value, DEVICE_OPTIONS[key])
    assert device.get("identifiers") or device.get("connections"), f"{where}: dev needs an id"
    for pair in device.get("connections", []):
        assert isinstance(pair, list), where
        assert len(pair) == 2, where
    origin = config["o"]
    assert "name" in origin, f"{where}: o.name is required"
    for key, value in origin.items():
        assert key in ORIGIN_OPTIONS, f"{where}: o.{key} is not documented"
        _check_type(where, f"o.{key}", value, ORIGIN_OPTIONS[key])
    for entry in config.get("availability", []):
        assert "topic" in entry, where
        for key, value in entry.items():
            assert key in AVAILABILITY_OPTIONS, f"{where}: availability.{key}"
            _check_type(where, key, value, AVAILABILITY_OPTIONS[key])
    if "availability_mode" in config:
        assert config["availability_mode"] in {"all", "any", "latest"}, where
    if "qos" in config:
        assert config["qos"] in (0, 1, 2), where
    assert isinstance(config["cmps"], dict), where
    assert config["cmps"], f"{where}: no components"
    for object_id, component in config["cmps"].items():
        assert re.fullmatch(r"[a-zA-Z0-9_-]+", object_id), f"{where}: object id {object_id}"
        check_component(f"{where} {object_id}", component)
