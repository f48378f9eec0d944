"""Finding devices on the LAN: reading one IOT address, or UDP discovery (python-kasa's).

Discovery finds IOT devices (their legacy answer on the discovery port, sysinfo included) and
SMART ones (their UDP 20002 answer): those are read afterwards with their owner's TP-Link ID
(:func:`kasacloud.lan.smart_bridge.read_smart_device`).
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
from dataclasses import dataclass
from typing import Any

from kasacloud.lan.addresses import BridgeError
from kasacloud.lan.transport import (
    DEFAULT_TIMEOUT_S,
    SYSINFO_QUERY,
    LanQuery,
    TooSlow,
    Unreachable,
    sysinfo_of,
)
from kasacloud.protocol import lan as lan_protocol
from kasacloud.protocol import smart


@dataclass(frozen=True, slots=True)
class Found:
    """A device found on the LAN: where it answers and its sysinfo."""

    host: str
    port: int
    sysinfo: dict[str, Any]

    @property
    def device_id(self) -> str:
        """The device's own id (the cloud uses it too, so strip outlet ids stay the same)."""
        return str(self.sysinfo.get("deviceId", ""))

    @property
    def alias(self) -> str:
        """The device's alias."""
        return str(self.sysinfo.get("alias", ""))

    @property
    def model(self) -> str:
        """The device's model."""
        return str(self.sysinfo.get("model", ""))


async def read_device(host: str, port: int, timeout_s: float = DEFAULT_TIMEOUT_S) -> Found:
    """Read the sysinfo of the device at ``host:port`` through python-kasa.

    Raises:
        BridgeError: the device cannot be reached or answers something that is not sysinfo.
    """
    link = LanQuery(host, port, timeout_s)
    try:
        answer = await link.query(dict(SYSINFO_QUERY))
    except (Unreachable, TooSlow) as exc:
        raise BridgeError(f"no Kasa device answers at {host}:{port}: {exc}") from None
    finally:
        await link.close()
    info = sysinfo_of(answer)
    if info is None:
        raise BridgeError(f"the device at {host}:{port} did not return its sysinfo")
    return Found(host, port, info)


@dataclass(frozen=True, slots=True)
class LanDiscovery:
    """What answered one discovery: IOT devices (read already) and SMART devices' addresses."""

    iot: list[Found]
    smart_hosts: list[str]
    """Addresses of SMART devices (Tapo, newer Kasa), which need a TP-Link ID to be read."""


SMART_DISCOVERY_PORTS = (20002, 20004)
"""Where SMART devices answer python-kasa's discovery."""


async def discover(
    target: str, port: int = lan_protocol.DEFAULT_PORT, timeout_s: float = 3.0
) -> list[Found]:
    """Find Kasa IOT devices by UDP discovery sent to ``target`` (python-kasa's ``Discover``).

    ``target`` is a broadcast address (``127.255.255.255`` for simulated devices) or one host.

    Raises:
        BridgeError: ``target`` is not an IPv4 address.
    """
    return (await discover_lan(target, port, timeout_s)).iot


async def discover_lan(
    target: str, port: int = lan_protocol.DEFAULT_PORT, timeout_s: float = 3.0
) -> LanDiscovery:
    """Find IOT and SMART devices by one UDP discovery sent to ``target``.

    IOT devices answer on ``port`` with their sysinfo; SMART devices on UDP 20002 (or 20004)
    with a discovery result whose ``device_type`` starts with ``SMART.``.

    Raises:
        BridgeError: ``target`` is not an IPv4 address.
    """
    from kasa import Discover

    try:
        ipaddress.IPv4Address(target)
    except ValueError:
        raise BridgeError(f"--target must be an IPv4 address, got {target!r}") from None
    found: dict[str, Found] = {}
    smart_hosts: set[str] = set()

    def on_raw(raw: Any) -> None:
        meta = raw.get("meta", {})
        answer = raw.get("discovery_response") or {}
        info = sysinfo_of(answer)
        # The legacy (XOR, port 9999-style) answers: IOT devices, bridged without credentials.
        if info is not None and meta.get("port") == port:
            found[str(meta["ip"])] = Found(str(meta["ip"]), port, info)
        result = answer.get("result") if isinstance(answer, dict) else None
        kind = str(result.get("device_type") or "") if isinstance(result, dict) else ""
        if meta.get("port") in SMART_DISCOVERY_PORTS and kind.startswith(smart.DEVICE_TYPE_PREFIX):
            smart_hosts.add(str(meta["ip"]))

    devices = await Discover.discover(
        target=target,
        port=port,
        discovery_timeout=max(1, math.ceil(timeout_s)),
        on_discovered_raw=on_raw,
    )
    for device in devices.values():
        with contextlib.suppress(Exception):
            await device.protocol.close()
    iot = sorted(found.values(), key=lambda f: (ipaddress.IPv4Address(f.host), f.port))
    return LanDiscovery(iot, sorted(smart_hosts, key=ipaddress.IPv4Address))
