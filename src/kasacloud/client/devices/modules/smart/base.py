"""What every SMART module shares: reads as SMART requests, answers per method, calls by method.

A SMART module is the IOT module of the same capability (``Relay``, ``Light``, ``Energy``...)
with the SMART wire under it: :meth:`SmartModule.requests` are the reads
:meth:`Device.update` batches into one ``multipleRequest``, :meth:`SmartModule.absorb_answer`
takes one method's answer, and :meth:`SmartModule.call` runs one SMART method on the device (or,
for a child, through ``control_child``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kasacloud.protocol.smart import SmartErrorCode

if TYPE_CHECKING:
    from kasacloud.client.devices.device import Device

NOT_SUPPORTED = frozenset(
    {SmartErrorCode.UNKNOWN_METHOD, SmartErrorCode.UNSPECIFIC, SmartErrorCode.PARAMS_ERROR}
)
"""Answers to a read that mean "this device does not have it" (dropped from later updates)."""


class SmartModule:
    """Mixin for the SMART flavour of a module: put it first among the bases."""

    device: Device
    wire_name: str
    supported: bool | None

    def query(self) -> dict[str, Any]:
        """Nothing in the IOT shape: SMART reads are :meth:`requests`."""
        return {}

    def requests(self) -> list[dict[str, Any]]:
        """SMART requests (``{"method", "params"?}``) to read on every update."""
        return []

    def absorb_answer(self, method: str, code: int, result: Mapping[str, Any]) -> None:
        """Take one read's answer; "unknown method" marks the module unsupported."""
        if code != 0:
            if code in NOT_SUPPORTED:
                self.supported = False
            return
        self.supported = True
        self.absorb_result(method, dict(result))

    def absorb_result(self, method: str, result: dict[str, Any]) -> None:
        """Keep the answer of one read."""

    async def call(self, method: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run one SMART method on the device; return its ``result`` or raise its error."""
        return await self.device.smart_call(method, params)
