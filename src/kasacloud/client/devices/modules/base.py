"""The capability base class: a small object that knows its module's queries and state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kasacloud.client import errors as E
from kasacloud.protocol.errors import DEVICE_METHOD_NOT_SUPPORTED, DEVICE_MODULE_NOT_SUPPORTED

if TYPE_CHECKING:
    from kasacloud.client.devices.device import Device

_UNSUPPORTED = (DEVICE_MODULE_NOT_SUPPORTED, DEVICE_METHOD_NOT_SUPPORTED)


def method_result(response: Mapping[str, Any], module: str, method: str) -> dict[str, Any]:
    """The answer of ``module.method`` inside a device response; raise its device error.

    Raises:
        DeviceError: the module or the method answered ``err_code != 0``.
        ProtocolError: the response lacks the module or the method.
    """
    part = response.get(module)
    if not isinstance(part, Mapping):
        raise E.ProtocolError(None, f"the device's answer lacks {module!r}")
    if part.get("err_code", 0) not in (0, None) and method not in part:
        raise E.device_error(
            int(part["err_code"]), part.get("err_msg"), module=module, method=method
        )
    result = part.get(method)
    if not isinstance(result, Mapping):
        raise E.ProtocolError(None, f"the device's answer lacks {module}.{method}")
    code = result.get("err_code", 0)
    if code not in (0, None):
        raise E.device_error(int(code), result.get("err_msg"), module=module, method=method)
    return dict(result)


class Module:
    """One capability of a device, talking to one wire module (e.g. ``emeter``).

    A module declares what :meth:`Device.update` must read for it (:meth:`query`) and takes its
    part of the merged answer (:meth:`absorb`). Commands go through :meth:`call`, addressed to the
    device (or strip outlet) that owns the module.
    """

    def __init__(self, device: Device, wire_name: str) -> None:
        self.device = device
        self.wire_name = wire_name
        self.supported: bool | None = None
        """``False`` once the device answered "module not support"; ``None`` until known."""

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
