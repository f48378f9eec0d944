"""Features to Home Assistant components and Prometheus metrics: one table, keyed by id, type, unit.

Nothing here knows a model or a device family. A feature maps by its id where the id has a
well-known meaning (``state``, ``current_power``, ``total_energy``...), else by its type and unit
(a ``°C`` sensor is a temperature, a ``%`` sensor called ``humidity`` a humidity, a binary sensor
called ``is_open`` a door), so that a new sensor of a hub maps without new code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from kasacloud.agent.snapshot import (
    ACTION,
    BINARY_SENSOR,
    CHOICE,
    CONFIG,
    DEBUG,
    INFO,
    NUMBER,
    SENSOR,
    SWITCH,
    FeatureSnapshot,
)

LIGHT_FEATURES: Final = frozenset({"state", "brightness", "color_temp", "hsv"})
"""Features that make up one HA ``light`` on a device that has ``brightness``."""


@dataclass(frozen=True, slots=True)
class HaComponent:
    """How one feature appears in Home Assistant (the platform and its classes)."""

    platform: str
    device_class: str | None = None
    state_class: str | None = None
    entity_category: str | None = None


# Sensor device classes by unit (HA's sensor device classes and their units).
_SENSOR_CLASS_BY_UNIT: Final[dict[str, str]] = {
    "W": "power",
    "kWh": "energy",
    "Wh": "energy",
    "V": "voltage",
    "A": "current",
    "dBm": "signal_strength",
    "°C": "temperature",
    "°F": "temperature",
    "s": "duration",
}
# ... and by id where the unit alone is ambiguous (a "%" is a humidity or a battery level).
_SENSOR_CLASS_BY_ID: Final[dict[str, str]] = {
    "humidity": "humidity",
    "battery_level": "battery",
}
_BINARY_CLASS_BY_ID: Final[dict[str, str]] = {
    "is_open": "door",
    "motion_detected": "motion",
    "battery_low": "battery",
    "water_leak": "moisture",
    "cloud_connection": "connectivity",
}
_ENERGY_UNITS: Final = frozenset({"kWh", "Wh"})
_NOT_SHOWN: Final = frozenset({"on_since", "device_time"})
"""Device-local times without a zone: HA's timestamp sensors need one."""


def _entity_category(feature: FeatureSnapshot) -> str | None:
    if feature.category in (INFO, DEBUG):
        return "diagnostic"
    if feature.category == CONFIG:
        return "config"
    return None


def ha_component(feature: FeatureSnapshot, *, in_light: bool = False) -> HaComponent | None:
    """The HA component of ``feature``, or ``None`` when it is not shown on its own.

    ``in_light``: the device has an HA light, which carries ``state``/``brightness``/... itself.
    """
    if in_light and feature.id in LIGHT_FEATURES:
        return None
    if feature.parts or feature.id in _NOT_SHOWN or feature.category == DEBUG:
        return None  # several numbers in one (a colour), or the device's own clock
    if isinstance(feature.value, dt.datetime) and feature.value.tzinfo is None:
        return None  # a device-local time without a zone: HA's timestamps need one
    category = _entity_category(feature)
    if category == "config" and feature.type in (SENSOR, BINARY_SENSOR):
        category = "diagnostic"  # HA refuses "config" for read-only entities
    if feature.type == SWITCH:
        return HaComponent("switch", "outlet" if feature.id == "state" else None, None, category)
    if feature.type == BINARY_SENSOR:
        return HaComponent("binary_sensor", _BINARY_CLASS_BY_ID.get(feature.id), None, category)
    if feature.type == SENSOR:
        device_class = _SENSOR_CLASS_BY_ID.get(feature.id) or _SENSOR_CLASS_BY_UNIT.get(
            feature.unit or ""
        )
        if device_class == "timestamp":
            return HaComponent("sensor", "timestamp", None, category)
        if feature.unit is None and not isinstance(feature.value, int | float):
            return HaComponent("sensor", None, None, category)  # text
        state_class = "total_increasing" if feature.unit in _ENERGY_UNITS else "measurement"
        return HaComponent("sensor", device_class, state_class, category)
    if feature.type == NUMBER:
        return HaComponent("number", None, None, category) if feature.writable else None
    if feature.type == CHOICE:
        return HaComponent("select", None, None, category) if feature.writable else None
    if feature.type == ACTION:
        return HaComponent("button", None, None, category) if feature.writable else None
    return None


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """A Prometheus metric for a feature: the name (counters without ``_total``), type, help."""

    name: str
    kind: str
    """``gauge`` or ``counter``."""
    help: str


_METRIC_BY_ID: Final[dict[str, MetricSpec]] = {
    "state": MetricSpec("kasa_relay_on", "gauge", "1 when the device is on (relay closed, lit)."),
    "current_power": MetricSpec("kasa_power_watts", "gauge", "Power drawn now, in watts."),
    "total_energy": MetricSpec(
        "kasa_energy_kwh", "counter", "Energy since the meter was last reset, in kWh."
    ),
    "today_energy": MetricSpec("kasa_energy_today_kwh", "gauge", "Energy used today, in kWh."),
    "month_energy": MetricSpec(
        "kasa_energy_this_month_kwh", "gauge", "Energy used this month, in kWh."
    ),
    "voltage": MetricSpec("kasa_voltage_volts", "gauge", "Mains voltage, in volts."),
    "current": MetricSpec("kasa_current_amperes", "gauge", "Current drawn, in amperes."),
    "rssi": MetricSpec("kasa_rssi_dbm", "gauge", "Wi-Fi signal strength, in dBm."),
    "brightness": MetricSpec("kasa_brightness_percent", "gauge", "Brightness, in percent."),
    "color_temp": MetricSpec(
        "kasa_color_temp_kelvin", "gauge", "Colour temperature, in kelvin (0: a colour)."
    ),
    "led": MetricSpec("kasa_led_on", "gauge", "1 when the status LED is lit."),
}
_SUFFIX_BY_UNIT: Final[dict[str, str]] = {
    "W": "watts",
    "V": "volts",
    "A": "amperes",
    "°C": "celsius",
    "%": "percent",
    "K": "kelvin",
    "s": "seconds",
    "dBm": "dbm",
    "kWh": "kwh",
}


def _metric_base(feature_id: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", feature_id.lower()).strip("_")


def metric_spec(feature: FeatureSnapshot) -> MetricSpec | None:
    """The metric of ``feature`` (``None``: not a number Prometheus can keep)."""
    known = _METRIC_BY_ID.get(feature.id)
    if known is not None:
        return known
    if feature.type == BINARY_SENSOR:
        return MetricSpec(f"kasa_{_metric_base(feature.id)}", "gauge", f"1 when {feature.name}.")
    if feature.type not in (SENSOR, NUMBER) or feature.unit is None:
        return None
    suffix = _SUFFIX_BY_UNIT.get(feature.unit)
    if suffix is None:
        return None
    base = _metric_base(feature.id)
    # An id that ends in its unit's abbreviation (``fade_on_s``) drops it: Prometheus names
    # spell units out once (``kasa_fade_on_seconds``, not ``kasa_fade_on_s_seconds``).
    abbreviation = "_" + _metric_base(feature.unit)
    if abbreviation != "_" and base.endswith(abbreviation):
        base = base[: -len(abbreviation)]
    name = base if base.endswith("_" + suffix) else f"{base}_{suffix}"
    return MetricSpec(f"kasa_{name}", "gauge", f"{feature.name}, in {feature.unit}.")


def metric_value(feature: FeatureSnapshot) -> float | None:
    """A feature's value as a float sample (booleans as 0/1; ``None``: unknown)."""
    value = feature.value
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    return None
