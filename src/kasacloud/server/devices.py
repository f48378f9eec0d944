"""The contract between the server and the devices it hosts (see docs/architecture.md).

The server does not know what a device is made of: it holds objects that satisfy
:class:`HostedDevice`. :class:`DeviceKit` is where it gets them from; the device sources
(simulated devices in :mod:`kasacloud.sim`, bridged LAN devices in :mod:`kasacloud.lan`) build
kits, and :func:`default_kit` asks :mod:`kasacloud.kits` for the stock combination. Tests may hand
in a kit of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class HostedDevice(Protocol):
    """A device the server hosts: answers passthroughs and reports its cloud identity."""

    device_id: str
    """40 hex characters, minted by the server's store."""

    def cloud_info(self) -> dict[str, Any]:
        """The device's own part of a getDeviceList entry: deviceType, fwVer, deviceName,
        deviceHwVer, deviceModel, deviceMac, oemId, hwId, fwId, alias."""  # noqa: D205, D209

    def is_online(self) -> bool:
        """False while unplugged (seeded offline) or rebooting."""

    async def passthrough(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer a decoded requestData dict (several modules, optional "context":
        {"child_ids": [...]}) with the device's response dict, module errors inside it."""  # noqa: D205, D209

    def state_revision(self) -> int:
        """Grows whenever persistent state changed."""

    def snapshot(self) -> dict[str, Any]:
        """JSON-serializable persistent state."""


def answers_at_once(device: object) -> bool:
    """Whether ``device`` answers from memory, synchronously, through ``handle(request)``.

    A device opts in with a class attribute ``answers_at_once = True`` and a ``handle`` method,
    the synchronous twin of ``passthrough`` (a simulated device). The server then calls
    ``handle`` directly, without the per-call timeout a device on the network needs: a timeout
    cannot interrupt synchronous code, and setting one up costs more than a simulated answer.
    """
    return getattr(type(device), "answers_at_once", False) is True and callable(
        getattr(device, "handle", None)
    )


@runtime_checkable
class CloudBoundDevice(Protocol):
    """Optional beside :class:`HostedDevice`: a device that reports the server's binding of it.

    A real device bound to an account answers ``cnCloud.get_info`` with that account's e-mail
    (``username``), the cloud host it talks to (``server``) and ``binded`` 1. The server owns
    bindings, so it tells such a device who owns it: after building it, when it is unbound, and
    before a passthrough if the binding changed since (the region's public URL is only known once
    the ports are bound). A device without this method (a bridged LAN device) answers for itself.
    """

    def set_cloud_binding(self, username: str | None, server: str) -> None:
        """Bound to the account with e-mail ``username`` (None: to no account) on ``server``."""


class Clock(Protocol):
    """The time source of the devices, and of the server's token expiry and limits."""

    def now(self) -> float:
        """Epoch seconds."""


class DeviceBuilder(Protocol):
    """Builds a hosted device from a profile reference (a built-in name or a file path)."""

    def __call__(
        self,
        profile: str,
        *,
        device_id: str,
        alias: str | None,
        clock: Any,
        state: dict[str, Any] | None,
        region: str | None,
    ) -> HostedDevice:
        """Build the device; raise ValueError (or OSError) for a profile that cannot be used."""


@dataclass(frozen=True, slots=True)
class DemoDevice:
    """One device of the demo house."""

    profile: str
    alias: str
    online: bool = True


@dataclass(frozen=True, slots=True)
class DeviceKit:
    """Where the server's devices come from: a builder, the demo house, and a clock factory."""

    build: DeviceBuilder
    demo_house: Sequence[DemoDevice]
    new_clock: Callable[[], Any]


def default_kit() -> DeviceKit:
    """The kit of a stock install: composed outside the server, in :mod:`kasacloud.kits`."""
    from kasacloud.kits import default_kit as stock_kit

    return stock_kit()
