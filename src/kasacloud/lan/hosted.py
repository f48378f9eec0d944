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
import logging
import math
import time
from collections.abc import Callable
from typing import Any, Final

from kasacloud.lan.addresses import PROFILE_PREFIX, is_bridged, parse_host
from kasacloud.lan.smart_bridge import SMART_PREFIX, BridgedSmartDevice, is_bridged_smart
from kasacloud.lan.transport import (
    DEFAULT_TIMEOUT_S,
    SYSINFO_QUERY,
    LanQuery,
    TooSlow,
    Unreachable,
    sysinfo_of,
)
from kasacloud.protocol.errors import ErrorCode
from kasacloud.server.devices import DeviceKit, HostedDevice
from kasacloud.server.faults import Fault

log = logging.getLogger("kasacloud.lan")

DEFAULT_PROBE_INTERVAL_S: Final = 10.0
"""How stale the last contact may be before ``is_online()`` starts a background probe."""


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


class BridgedDevice:
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
        except Unreachable as exc:
            log.info(
                "device %s at %s:%d unreachable: %s", self.device_id, self.host, self.port, exc
            )
            self._mark(False)
            raise Fault(ErrorCode.DEVICE_OFFLINE) from None
        except TooSlow:
            raise Fault(ErrorCode.REQUEST_TIMEOUT) from None
        self._mark(True)
        if (info := sysinfo_of(answer)) is not None:
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
            answer = await self._link.query(dict(SYSINFO_QUERY))
        except (Unreachable, TooSlow) as exc:
            log.debug("probe of %s:%d failed: %s", self.host, self.port, exc)
            self._mark(False)
            return False
        self._mark(True)
        if (info := sysinfo_of(answer)) is not None:
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
    """``base`` plus bridged devices: ``lan:HOST:PORT`` profiles become :class:`BridgedDevice`,
    ``lan-smart:HOST:PORT`` ones :class:`~kasacloud.lan.smart_bridge.BridgedSmartDevice`."""  # noqa: D205, D209

    def build(
        profile: str,
        *,
        device_id: str,
        alias: str | None,
        clock: Any,
        state: dict[str, Any] | None,
        region: str | None,
    ) -> HostedDevice:
        if is_bridged_smart(profile):
            host, port = parse_host(profile.removeprefix(SMART_PREFIX), 80)
            return BridgedSmartDevice(
                device_id,
                host,
                port,
                state=dict(state or {}),
                timeout_s=timeout_s,
                probe_interval_s=probe_interval_s,
            )
        if not is_bridged(profile):
            return base.build(
                profile, device_id=device_id, alias=alias, clock=clock, state=state, region=region
            )
        host, port = parse_host(profile.removeprefix(PROFILE_PREFIX))
        sysinfo = (state or {}).get("sysinfo")
        return BridgedDevice(
            device_id,
            host,
            port,
            sysinfo=sysinfo if isinstance(sysinfo, dict) else None,
            timeout_s=timeout_s,
            probe_interval_s=probe_interval_s,
        )

    return DeviceKit(build=build, demo_house=base.demo_house, new_clock=base.new_clock)
