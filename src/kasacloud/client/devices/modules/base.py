"""The module base class and the typed keys of ``device.modules``.

A module is one capability of a device (its relay, its light, its energy meter). It knows which
requests read its state (:meth:`Module.query`), takes its part of the answer
(:meth:`Module.absorb`), offers the capability's methods, and declares its features
(:class:`Feature`).

``device.modules`` is keyed by the names on :class:`Module`, typed so that
``device.modules[Module.Light]`` is a :class:`~kasacloud.client.devices.modules.Light` to a
type checker::

    light = device.modules.get(Module.Light)
    if light is not None and light.is_color:
        await light.set_hsv(240, 100, 80)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, TypeVar, overload

from kasacloud.client import errors as E
from kasacloud.client.devices.feature import Feature
from kasacloud.protocol import families
from kasacloud.protocol.errors import DEVICE_METHOD_NOT_SUPPORTED, DEVICE_MODULE_NOT_SUPPORTED

if TYPE_CHECKING:
    from kasacloud.client.devices.device import Device
    from kasacloud.client.devices.modules.cloud import CloudInfo
    from kasacloud.client.devices.modules.energy import Energy
    from kasacloud.client.devices.modules.led import Led
    from kasacloud.client.devices.modules.light import Light
    from kasacloud.client.devices.modules.relay import Relay
    from kasacloud.client.devices.modules.rules import Away, Countdown, Schedule
    from kasacloud.client.devices.modules.smart.modules import (
        SmartFan,
        SmartGradualOnOff,
        SmartSensor,
    )
    from kasacloud.client.devices.modules.time import Time

_UNSUPPORTED = (DEVICE_MODULE_NOT_SUPPORTED, DEVICE_METHOD_NOT_SUPPORTED)

ModuleT = TypeVar("ModuleT", bound="Module")


class ModuleName(str, Generic[ModuleT]):
    """A key of ``device.modules`` that tells a type checker which module class it finds."""

    __slots__ = ()


def method_result(response: Mapping[str, Any], module: str, method: str) -> dict[str, Any]:
    """The answer of ``module.method`` inside a device response; raise its device error.

    Raises:
        DeviceError: the module or the method answered ``err_code != 0``.
        ProtocolError: the response lacks the module or the method.
    """
    try:
        return families.method_result(response, module, method)
    except families.AnswerError as exc:
        if exc.err_code is None:
            raise E.ProtocolError(str(exc)) from None
        raise E.device_error(exc.err_code, str(exc) or None, module=module, method=method) from None


class Module:
    """One capability of a device, talking to one wire module (e.g. ``emeter``).

    A module declares what :meth:`Device.update` must read for it (:meth:`query`) and takes its
    part of the merged answer (:meth:`absorb`). Commands go through :meth:`call`, addressed to the
    device (or strip outlet) that owns the module. :meth:`features` describes it for people and
    programs.
    """

    Relay: Final[ModuleName[Relay]] = ModuleName("Relay")
    """On/off of a plug, switch, dimmer, strip or outlet."""
    Light: Final[ModuleName[Light]] = ModuleName("Light")
    """A light: bulbs, light strips and dimmers (brightness, colour, colour temperature)."""
    Energy: Final[ModuleName[Energy]] = ModuleName("Energy")
    """The energy meter (a strip's sums its outlets')."""
    Led: Final[ModuleName[Led]] = ModuleName("Led")
    """The status LED."""
    Time: Final[ModuleName[Time]] = ModuleName("Time")
    """The device's clock."""
    Schedule: Final[ModuleName[Schedule]] = ModuleName("Schedule")
    Countdown: Final[ModuleName[Countdown]] = ModuleName("Countdown")
    Away: Final[ModuleName[Away]] = ModuleName("Away")
    Cloud: Final[ModuleName[CloudInfo]] = ModuleName("Cloud")
    """The device's own view of its cloud binding."""
    Sensor: Final[ModuleName[SmartSensor]] = ModuleName("Sensor")
    """A hub sensor's readings (temperature, humidity, contact, motion, battery)."""
    Fan: Final[ModuleName[SmartFan]] = ModuleName("Fan")
    """A fan's speed (a KS240's fan gang)."""
    GradualOnOff: Final[ModuleName[SmartGradualOnOff]] = ModuleName("GradualOnOff")
    """A SMART light's own fade when it switches (a setting, not a per-change transition)."""

    key: ClassVar[str]
    """The module's name in ``device.modules`` (one of the names above)."""

    def __init__(self, device: Device, wire_name: str) -> None:
        self.device = device
        self.wire_name = wire_name
        self.supported: bool | None = None
        """``False`` once the device answered "module not support"; ``None`` until known."""

    def features(self) -> list[Feature]:
        """The features this module gives its device (built once, when the device is)."""
        return []

    def query(self) -> dict[str, Any]:
        """``{method: params}`` to read on every update (empty: nothing beyond sysinfo)."""
        return {}

    def absorb(self, response: Mapping[str, Any]) -> None:
        """Take this module's part of an update's answer; a missing module marks it unsupported."""
        for method in self.query():
            try:
                result = method_result(response, self.wire_name, method)
            except E.DeviceError as exc:
                if exc.err_code in _UNSUPPORTED:
                    self.supported = False
                    return
                raise
            self.supported = True
            self.absorb_result(method, result)

    def absorb_result(self, method: str, result: dict[str, Any]) -> None:
        """Keep the answer of one queried ``method`` (override in modules that query)."""

    async def call(self, method: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run ``method`` of this module on the device; return its answer, or raise its error."""
        request = {self.wire_name: {method: dict(params) if params is not None else None}}
        response = await self.device.request(request)
        return method_result(response, self.wire_name, method)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.wire_name} of {self.device.alias!r}>"


class ModuleMapping(Mapping[str, Module]):
    """``device.modules``: the device's modules by name, typed by :class:`ModuleName` keys."""

    __slots__ = ("_modules",)

    def __init__(self, modules: Mapping[str, Module]) -> None:
        self._modules = dict(modules)

    @overload
    def __getitem__(self, key: ModuleName[ModuleT]) -> ModuleT: ...

    @overload
    def __getitem__(self, key: str) -> Module: ...

    def __getitem__(self, key: str) -> Module:
        try:
            return self._modules[key]
        except KeyError:
            have = ", ".join(self._modules) or "none"
            raise KeyError(f"no {key} module on this device (it has: {have})") from None

    @overload  # type: ignore[override]
    def get(self, key: ModuleName[ModuleT]) -> ModuleT | None: ...

    @overload
    def get(self, key: str) -> Module | None: ...

    def get(self, key: str, default: Any = None) -> Any:
        """The module called ``key``, or ``None`` when the device lacks it."""
        return self._modules.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __repr__(self) -> str:
        return f"<modules {', '.join(self._modules)}>"
