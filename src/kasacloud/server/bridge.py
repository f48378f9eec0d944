"""Devices on the LAN, hosted by the cloud: each passthrough goes to the device through python-kasa.

A bridged device is recorded in the store like any other hosted device, with a profile reference
``lan:HOST:PORT`` and, as its snapshot, the address and the last sysinfo seen (so getDeviceList can
name it while it is unplugged). Its state lives on the device alone: the cloud forwards every
request and returns the device's own answer, module errors inside it.

- unreachable (refused, no route, probe failed): the device is offline, passthrough gives -20571;
- connected but no answer in ``timeout_s``: -20002;
- ``is_online()`` reflects the last contact; when that is older than ``probe_interval_s`` a
  background probe (one ``get_sysinfo``) refreshes it, so an unplugged device shows offline and a
  plugged-in one comes back online without anyone driving it.

Adoption (``kasacloud adopt``, :func:`adopt`) reads a device's sysinfo and records it in the store
of a data dir, bound to an account; the next ``kasacloud serve`` on that data dir hosts it.

Example::

    kit = with_lan(sim_kit(), timeout_s=2.0)
    cloud = LocalCloud(data_dir=..., kit=kit)
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from kasacloud.protocol import lan as lan_protocol
from kasacloud.protocol.errors import ErrorCode
from kasacloud.server.devices import DeviceKit, HostedDevice
from kasacloud.server.faults import Fault
from kasacloud.server.store import DeviceRow, Store

log = logging.getLogger("kasacloud.server.bridge")

PROFILE_PREFIX: Final = "lan:"
"""Profile references of bridged devices start with this: ``lan:127.0.0.2:9999``."""
DEFAULT_TIMEOUT_S: Final = 5.0
"""How long a bridged device has to answer; shorter than the server's ``device_timeout_s``, so the
bridge, which knows whether the device was reached at all, decides between -20571 and -20002."""
DEFAULT_PROBE_INTERVAL_S: Final = 10.0
"""How stale the last contact may be before ``is_online()`` starts a background probe."""

_SYSINFO_QUERY: Final[dict[str, Any]] = {"system": {"get_sysinfo": {}}}
_DEVICE_ID = re.compile(r"^[0-9A-Fa-f]{40}$")


class BridgeError(Exception):
    """Adoption failed: the device cannot be reached or read, or cannot be recorded."""


# --- addresses ------------------------------------------------------------------------------


def parse_host(value: str, default_port: int = lan_protocol.DEFAULT_PORT) -> tuple[str, int]:
    """``HOST`` or ``HOST:PORT`` -> (host, port).

    Raises:
        BridgeError: on an empty host or a port that is not 1..65535.
    """
    host, sep, port_text = value.rpartition(":")
    if not sep or ":" in host:  # no port, or a bare IPv6 address
        host, port_text = value, ""
    host = host.strip("[]").strip()
    if not host:
        raise BridgeError(f"no host in {value!r}")
    if not port_text:
        return host, default_port
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65_535:
        raise BridgeError(f"bad port in {value!r}")
    return host, int(port_text)


def profile_ref(host: str, port: int) -> str:
    """The profile reference recorded for a device at ``host:port``."""
    return f"{PROFILE_PREFIX}{host}:{port}"


def is_bridged(profile: str) -> bool:
    """Whether a profile reference names a bridged LAN device."""
    return profile.startswith(PROFILE_PREFIX)


# --- the device -----------------------------------------------------------------------------


def cloud_info_of(sysinfo: dict[str, Any]) -> dict[str, Any]:
    """The getDeviceList fields a device's sysinfo gives (PROTOCOL.md sections 2 and 5)."""
    mac = str(sysinfo.get("mac") or sysinfo.get("mic_mac") or "")
    return {
        "deviceType": str(sysinfo.get("type") or sysinfo.get("mic_type") or ""),
        "fwVer": str(sysinfo.get("sw_ver", "")),
        "deviceName": str(sysinfo.get("dev_name", "")),
        "deviceHwVer": str(sysinfo.get("hw_ver", "")),
        "deviceModel": str(sysinfo.get("model", "")),
        "deviceMac": mac.replace(":", "").replace("-", "").upper(),
        "oemId": str(sysinfo.get("oemId", "")),
        "hwId": str(sysinfo.get("hwId", "")),
        "fwId": str(sysinfo.get("fwId", "")),
        "alias": str(sysinfo.get("alias", "")),
    }


def _sysinfo_of(answer: dict[str, Any]) -> dict[str, Any] | None:
    for module in ("system", "smartlife.iot.common.system"):
        section = answer.get(module)
        if isinstance(section, dict):
            info = section.get("get_sysinfo")
            if isinstance(info, dict) and info.get("err_code", 0) == 0:
                return info
    return None


class _Unreachable(Exception):
    """The device could not be reached at all (refused, no route, connect timeout)."""


class _TooSlow(Exception):
    """The device was reached but did not answer in time."""


class LanQuery:
    """One device's python-kasa connection: send a request dict, get the response dict.

    python-kasa's ``IotProtocol`` over ``XorTransport`` does the framing, the cipher, and one
    retry on a stale kept-alive connection. Connection errors are sorted into "unreachable" and
    "too slow" here, the two outcomes the cloud reports differently.
    """

    def __init__(self, host: str, port: int, timeout_s: float) -> None:
        from kasa import DeviceConfig
        from kasa.protocols import IotProtocol
        from kasa.transports import XorTransport

        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        # python-kasa's timeout is whole seconds; our own asyncio timeout below is the exact one.
        config = DeviceConfig(host=host, port_override=port, timeout=max(1, math.ceil(timeout_s)))
        self._protocol = IotProtocol(transport=XorTransport(config=config))

    async def query(self, request: dict[str, Any]) -> dict[str, Any]:
        """Forward ``request`` and return the device's answer as it is.

        Raises:
            _Unreachable: the device cannot be connected to.
            _TooSlow: it was connected but did not answer in time.
        """
        from kasa.exceptions import KasaException
        from kasa.exceptions import TimeoutError as KasaTimeoutError

        try:
            async with asyncio.timeout(self.timeout_s):
                answer = await self._protocol.query(request, retry_count=1)
        except (TimeoutError, KasaTimeoutError) as exc:
            await self._reset()
            # python-kasa raises the same TimeoutError for a connect and for an answer that never
            # came; its message names the phase. A connect timeout is an unreachable device.
            if "connecting" in str(exc):
                raise _Unreachable(str(exc)) from exc
            raise _TooSlow(str(exc) or "no answer in time") from exc
        except (KasaException, OSError) as exc:
            await self._reset()
            raise _Unreachable(str(exc)) from exc
        if not isinstance(answer, dict):
            raise _Unreachable(f"unexpected answer {type(answer).__name__}")
        return answer

    async def _reset(self) -> None:
        with contextlib.suppress(Exception):
            await self._protocol.close()

    async def close(self) -> None:
        """Close the connection (the next query opens a new one)."""
        await self._reset()


class LanDevice:
    """A device on the LAN, hosted by the cloud (a ``HostedDevice``)."""

    def __init__(
        self,
        device_id: str,
        host: str,
        port: int,
        *,
        sysinfo: dict[str, Any] | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        probe_interval_s: float = DEFAULT_PROBE_INTERVAL_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.device_id = device_id
        self.host = host
        self.port = port
        self._sysinfo = dict(sysinfo or {})
        self._timeout_s = timeout_s
        self._probe_interval_s = probe_interval_s
        self._monotonic = monotonic
        self._link = LanQuery(host, port, timeout_s)
        # Unknown until the first contact: start online (the adoption just read it), so the first
        # passthrough tries the device instead of refusing it on a guess.
        self._online = True
        self._last_contact = -math.inf
        self._revision = 0
        self._probe: asyncio.Task[None] | None = None

    # --- HostedDevice -----------------------------------------------------------------------

    def cloud_info(self) -> dict[str, Any]:
        """The getDeviceList fields, from the last sysinfo seen."""
        return cloud_info_of(self._sysinfo)

    def is_online(self) -> bool:
        """Whether the last contact succeeded; a stale answer starts a background probe."""
        if self._monotonic() - self._last_contact >= self._probe_interval_s:
            self._start_probe()
        return self._online

    async def passthrough(self, request: dict[str, Any]) -> dict[str, Any]:
        """Forward the request to the device; return its answer, module errors inside it.

        Raises:
            Fault: -20571 if the device cannot be reached, -20002 if it does not answer in time.
        """
        try:
            answer = await self._link.query(request)
        except _Unreachable as exc:
            log.info(
                "device %s at %s:%d unreachable: %s", self.device_id, self.host, self.port, exc
            )
            self._mark(False)
            raise Fault(ErrorCode.DEVICE_OFFLINE) from None
        except _TooSlow:
            raise Fault(ErrorCode.REQUEST_TIMEOUT) from None
        self._mark(True)
        if (info := _sysinfo_of(answer)) is not None:
            self._remember(info)
        return answer

    def state_revision(self) -> int:
        """Grows when the remembered sysinfo (alias, firmware ...) changed."""
        return self._revision

    def snapshot(self) -> dict[str, Any]:
        """Where the device is and what it last said about itself; its state stays on it."""
        return {"host": self.host, "port": self.port, "sysinfo": dict(self._sysinfo)}

    # --- probing ----------------------------------------------------------------------------

    async def probe(self) -> bool:
        """Read sysinfo once; return (and remember) whether the device answered."""
        try:
            answer = await self._link.query(dict(_SYSINFO_QUERY))
        except (_Unreachable, _TooSlow) as exc:
            log.debug("probe of %s:%d failed: %s", self.host, self.port, exc)
            self._mark(False)
            return False
        self._mark(True)
        if (info := _sysinfo_of(answer)) is not None:
            self._remember(info)
        return True

    def _start_probe(self) -> None:
        if self._probe is not None and not self._probe.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # called outside the server's loop (a test inspecting it): nothing to start
        # Count the attempt as contact time, so a dead device is probed once per interval, not
        # on every call while the probe is under way.
        self._last_contact = self._monotonic()
        self._probe = loop.create_task(self._probe_quietly())

    async def _probe_quietly(self) -> None:
        with contextlib.suppress(Exception):
            await self.probe()

    def _mark(self, online: bool) -> None:
        if online != self._online:
            log.info(
                "device %s at %s:%d is %s",
                self.device_id,
                self.host,
                self.port,
                "online" if online else "offline",
            )
        self._online = online
        self._last_contact = self._monotonic()

    def _remember(self, sysinfo: dict[str, Any]) -> None:
        if cloud_info_of(sysinfo) != cloud_info_of(self._sysinfo):
            self._revision += 1
        self._sysinfo = dict(sysinfo)


# --- the kit --------------------------------------------------------------------------------


def with_lan(
    base: DeviceKit,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    probe_interval_s: float = DEFAULT_PROBE_INTERVAL_S,
) -> DeviceKit:
    """``base`` plus bridged devices: ``lan:HOST:PORT`` profiles become :class:`LanDevice`."""

    def build(
        profile: str,
        *,
        device_id: str,
        alias: str | None,
        clock: Any,
        state: dict[str, Any] | None,
        region: str | None,
    ) -> HostedDevice:
        if not is_bridged(profile):
            return base.build(
                profile, device_id=device_id, alias=alias, clock=clock, state=state, region=region
            )
        host, port = parse_host(profile.removeprefix(PROFILE_PREFIX))
        sysinfo = (state or {}).get("sysinfo")
        return LanDevice(
            device_id,
            host,
            port,
            sysinfo=sysinfo if isinstance(sysinfo, dict) else None,
            timeout_s=timeout_s,
            probe_interval_s=probe_interval_s,
        )

    return DeviceKit(build=build, demo_house=base.demo_house, new_clock=base.new_clock)


# --- adoption -------------------------------------------------------------------------------


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
        answer = await link.query(dict(_SYSINFO_QUERY))
    except (_Unreachable, _TooSlow) as exc:
        raise BridgeError(f"no Kasa device answers at {host}:{port}: {exc}") from None
    finally:
        await link.close()
    info = _sysinfo_of(answer)
    if info is None:
        raise BridgeError(f"the device at {host}:{port} did not return its sysinfo")
    return Found(host, port, info)


async def discover(
    target: str, port: int = lan_protocol.DEFAULT_PORT, timeout_s: float = 3.0
) -> list[Found]:
    """Find Kasa IOT devices by UDP discovery sent to ``target`` (python-kasa's ``Discover``).

    ``target`` is a broadcast address (``127.255.255.255`` for simulated devices) or one host.

    Raises:
        BridgeError: ``target`` is not an IPv4 address.
    """
    from kasa import Discover

    try:
        ipaddress.IPv4Address(target)
    except ValueError:
        raise BridgeError(f"--target must be an IPv4 address, got {target!r}") from None
    found: dict[str, Found] = {}

    def on_raw(raw: Any) -> None:
        meta = raw.get("meta", {})
        info = _sysinfo_of(raw.get("discovery_response") or {})
        # Only the legacy (XOR, port 9999-style) answers: those are the devices we can bridge.
        if info is not None and meta.get("port") == port:
            found[str(meta["ip"])] = Found(str(meta["ip"]), port, info)

    devices = await Discover.discover(
        target=target,
        port=port,
        discovery_timeout=max(1, math.ceil(timeout_s)),
        on_discovered_raw=on_raw,
    )
    for device in devices.values():
        with contextlib.suppress(Exception):
            await device.protocol.close()
    return sorted(found.values(), key=lambda f: (ipaddress.IPv4Address(f.host), f.port))


def adopt(store: Store, email: str, found: Found) -> DeviceRow:
    """Record ``found`` in ``store``, bound to the account ``email``; return the row.

    The device keeps its own id. Adopting it again (for example at a new address) updates the
    record; a device already bound to another account is refused.

    Raises:
        BridgeError: no such account, an unusable device id, or another account's device.
    """
    wanted = email.strip().lower()
    account = next((a for a in store.load_accounts() if a.email == wanted), None)
    if account is None:
        raise BridgeError(f"no account {email!r} in this data dir")
    device_id = found.device_id.upper()
    if not _DEVICE_ID.match(device_id):
        raise BridgeError(f"the device at {found.host}:{found.port} has no usable deviceId")
    existing = next((d for d in store.load_devices() if d.device_id == device_id), None)
    if existing is not None and existing.owner not in (None, account.account_id):
        raise BridgeError(f"device {device_id} is bound to another account")
    if existing is not None and not is_bridged(existing.profile):
        raise BridgeError(f"device id {device_id} is already a simulated device of this cloud")
    ref = profile_ref(found.host, found.port)
    row = DeviceRow(
        device_id=device_id,
        owner=account.account_id,
        profile=ref,
        source=ref,
        alias=found.alias,
        region=existing.region if existing is not None else account.region,
        online=True,
        snapshot={"host": found.host, "port": found.port, "sysinfo": found.sysinfo},
        write_seq=existing.write_seq if existing is not None else 0,
    )
    store.put_devices([row])
    return row
