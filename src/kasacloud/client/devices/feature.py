"""Features: what a device can tell and do, described once for every consumer.

A :class:`Feature` is one reading or one control: its id, name, type, unit, range, its current
value and (for controls) how to set it. Modules declare them; the CLI's table and ``--json``, the
dashboard's tiles, MQTT discovery and Prometheus metrics are all built from them, so a new kind of
device needs no new code in any of those::

    for feature in device.features.values():
        print(feature.name, feature.value, feature.unit or "")
    await device.features["brightness"].set_value(40)

Ids are stable (part of the public contract): ``state``, ``brightness``, ``color_temp``, ``hsv``,
``current_power``, ``voltage``, ``current``, ``today_energy``, ``month_energy``, ``total_energy``,
``led``, ``rssi``, ``on_since``, ``device_time``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from kasacloud.client import errors as E

if TYPE_CHECKING:
    from kasacloud.client.devices.device import Device


class FeatureType(StrEnum):
    """How a feature is read and set (Home Assistant's entity platforms follow these)."""

    SENSOR = "sensor"
    """A reading: a number, a time or text."""
    BINARY_SENSOR = "binary_sensor"
    """A yes/no reading."""
    SWITCH = "switch"
    """On or off, settable."""
    NUMBER = "number"
    """A number (or, with ``parts``, several: an HSV colour) within a range, settable."""
    CHOICE = "choice"
    """One of ``choices``, settable."""
    ACTION = "action"
    """Something to do (no value); ``set_value(None)`` does it."""


class FeatureCategory(StrEnum):
    """How prominent a feature is: what a tile shows, what a details page keeps for later."""

    PRIMARY = "primary"
    """The device's main state and controls (on/off, brightness, power)."""
    CONFIG = "config"
    """Settings (the status LED)."""
    INFO = "info"
    """Readings worth showing (energy totals, signal)."""
    DEBUG = "debug"
    """Readings for troubleshooting (the device's clock)."""


@dataclass(frozen=True, slots=True)
class FeaturePart:
    """One number of a feature that has several (``hsv``: hue, saturation, value)."""

    name: str
    minimum: float
    maximum: float
    unit: str | None = None


_TRUE = frozenset({"1", "on", "true", "yes"})
_FALSE = frozenset({"0", "off", "false", "no"})


@dataclass(frozen=True, eq=False, kw_only=True, slots=True)
class Feature:
    """One reading or control of a device.

    ``value`` is the state as of the last update (or the last change made through kasacloud);
    ``None`` when not known yet. Writable features (``writable``) change with :meth:`set_value`,
    which checks the value against the type, range and choices before one request is sent.
    """

    device: Device = field(repr=False)
    """The device (or strip outlet) the feature belongs to."""
    id: str
    """Stable id, unique within the device: ``"current_power"``."""
    name: str
    """For people: ``"Current power"``."""
    type: FeatureType
    category: FeatureCategory = FeatureCategory.INFO
    unit: str | None = None
    """``"W"``, ``"kWh"``, ``"V"``, ``"A"``, ``"%"``, ``"K"``, ``"dBm"``, or ``None``."""
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    """The granularity of a NUMBER (``1``: whole numbers)."""
    choices: tuple[str, ...] | None = None
    parts: tuple[FeaturePart, ...] = ()
    """The numbers of a multi-number value, in order (``hsv``)."""
    precision: int | None = None
    """Decimal places worth showing."""
    getter: Callable[[], Any] = field(repr=False)
    setter: Callable[[Any], Awaitable[None]] | None = field(default=None, repr=False)

    @property
    def value(self) -> Any:
        """The current value (``None``: not known)."""
        if self.type is FeatureType.ACTION:
            return None
        return self.getter()

    @property
    def writable(self) -> bool:
        """Whether :meth:`set_value` may be called."""
        return self.setter is not None

    def _where(self) -> str:
        name = self.device.alias or self.device.device_id
        return f"{self.id} of {name!r}"

    def check(self, value: Any) -> Any:
        """The value as :meth:`set_value` would send it; raise if it is not acceptable.

        Raises:
            InvalidArgumentError: read-only feature, or a value of the wrong type, out of range,
                or not among the choices. The message says what is accepted.
        """
        if self.setter is None:
            raise E.InvalidArgumentError(f"{self._where()} is a reading: it cannot be set")
        if self.type is FeatureType.ACTION:
            return None
        if self.type is FeatureType.SWITCH:
            if not isinstance(value, bool):
                raise E.InvalidArgumentError(
                    f"{self._where()} is on or off (True/False), got {value!r}"
                )
            return value
        if self.type is FeatureType.CHOICE:
            if value not in (self.choices or ()):
                listed = ", ".join(self.choices or ())
                raise E.InvalidArgumentError(f"{self._where()} is one of: {listed}; got {value!r}")
            return value
        if self.parts:
            if (
                not isinstance(value, Sequence)
                or isinstance(value, str)
                or len(value) != len(self.parts)
            ):
                names = ", ".join(p.name for p in self.parts)
                raise E.InvalidArgumentError(
                    f"{self._where()} is {len(self.parts)} numbers ({names}), got {value!r}"
                )
            return tuple(
                self._number(v, p.minimum, p.maximum, p.name)
                for v, p in zip(value, self.parts, strict=True)
            )
        return self._number(value, self.minimum, self.maximum, self.id)

    def _number(
        self, value: Any, low: float | None, high: float | None, part: str | None
    ) -> float | int:
        name = f"{part} of {self._where()}" if part else self._where()
        whole = self.step is None or float(self.step).is_integer()
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise E.InvalidArgumentError(f"{name} must be a number, got {value!r}")
        if whole and value != int(value):
            raise E.InvalidArgumentError(f"{name} must be a whole number, got {value!r}")
        if (low is not None and value < low) or (high is not None and value > high):
            unit = f" {self.unit}" if self.unit and not self.parts else ""
            raise E.InvalidArgumentError(
                f"{name} must be between {_fmt(low)} and {_fmt(high)}{unit}, got {_fmt(value)}"
            )
        return int(value) if whole else float(value)

    async def set_value(self, value: Any = None) -> None:
        """Set the feature (an ACTION: do it). One request, after :meth:`check`.

        Raises:
            InvalidArgumentError: see :meth:`check`; nothing is sent.
        """
        checked = self.check(value)
        assert self.setter is not None
        await self.setter(checked)

    def parse(self, text: str) -> Any:
        """Turn text typed by a person (``on``, ``40``, ``240,100,80``, a choice) into a value.

        Raises:
            InvalidArgumentError: the text does not fit the feature; the message says what would.
        """
        word = text.strip()
        if self.type is FeatureType.SWITCH:
            if word.lower() in _TRUE:
                return True
            if word.lower() in _FALSE:
                return False
            raise E.InvalidArgumentError(f"{self._where()} is on or off, got {text!r}")
        if self.type is FeatureType.CHOICE:
            return word
        if self.type is FeatureType.ACTION:
            return None
        pieces = [p.strip() for p in word.split(",")] if self.parts else [word]
        try:
            numbers = [float(p) for p in pieces]
        except ValueError:
            shape = ",".join(p.name for p in self.parts) if self.parts else "a number"
            raise E.InvalidArgumentError(f"{self._where()} takes {shape}, got {text!r}") from None
        values = [int(n) if n.is_integer() else n for n in numbers]
        return tuple(values) if self.parts else values[0]

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description with the current value (the CLI's and the dashboard's form)."""
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "type": self.type.value,
            "category": self.category.value,
            "unit": self.unit,
            "value": json_value(self.value),
            "writable": self.writable,
        }
        if self.minimum is not None or self.maximum is not None:
            data["range"] = [self.minimum, self.maximum]
        if self.choices is not None:
            data["choices"] = list(self.choices)
        if self.precision is not None:
            data["precision"] = self.precision
        if self.parts:
            data["parts"] = [
                {"name": p.name, "range": [p.minimum, p.maximum], "unit": p.unit}
                for p in self.parts
            ]
        return data

    def __repr__(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"<Feature {self.id}={self.value!r}{unit} of {self.device.alias!r}>"


def json_value(value: Any) -> Any:
    """A feature value as JSON holds it: times as ISO 8601, tuples as lists."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float):
        return round(value, 6)
    return value


def _fmt(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else str(value)
