"""A SMART device built on first use: a server of many devices starts at once and keeps only
what somebody used, as the IOT devices do (``build_device(..., lazy=True)``).

:class:`LazySmartDevice` answers the server (``cloud_info``, ``is_online``, ``state_revision``,
``snapshot``) from the profile alone while nobody asks the device anything; the first request,
or any attribute of the device itself (``handle``, ``children``, ``info`` ...), builds the
:class:`~kasacloud.sim.smart.SmartDevice` as it would have been built when the lazy one was
made (:func:`~kasacloud.sim.smart.device.built_at`), so it answers exactly as an eager one.
"""  # noqa: D205

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Final

from kasacloud.protocol import smart
from kasacloud.sim.clock import SimClock
from kasacloud.sim.smart.device import (
    SNAPSHOT_VERSION,
    SmartDevice,
    built_at,
    cloud_entry,
    identity_of,
    smart_alias,
)
from kasacloud.sim.smart.profile import SmartProfile

_DEVICE_ATTRIBUTES: Final = frozenset(
    {
        # What SmartNode and SmartDevice set on themselves (the rest is on the class).
        "node_id", "clock", "parent", "components", "templates", "info", "power_w", "mains_v",
        "tz", "meter", "caught_up_s", "on_since_s", "rules", "changed", "routes", "revision",
        "children",
    }
)  # fmt: skip


class LazySmartDevice:
    """A hosted SMART device whose body is built on first use (see the module)."""

    def __init__(
        self,
        profile: SmartProfile,
        *,
        device_id: str,
        alias: str | None,
        clock: SimClock,
        state: Mapping[str, Any] | None = None,
        region: str | None = None,
    ) -> None:
        self.profile = profile
        self.device_id = device_id
        self.region = region
        self._alias = alias
        self._clock = clock
        created = state.get("created_s") if state is not None and "device" not in state else None
        self._created_s = float(created) if isinstance(created, int | float) else clock.now()
        # A full snapshot waits to be restored; the small one of an unused device is its birth.
        self._state = state if state is not None and "device" in state else None
        self._device: SmartDevice | None = None
        self._online = True
        self._lock = threading.Lock()

    @property
    def is_built(self) -> bool:
        """Whether the device itself exists yet."""
        return self._device is not None

    @property
    def device(self) -> SmartDevice:
        """The device (built now if it is not yet)."""
        if self._device is None:
            with self._lock:
                if self._device is None:
                    device = built_at(
                        self.profile,
                        self._created_s,
                        device_id=self.device_id,
                        alias=self._alias,
                        clock=self._clock,
                        region=self.region,
                        state=self._state,
                    )
                    device.set_online(self._online)
                    self._state = None
                    self._device = device
        return self._device

    # --- HostedDevice, without building ------------------------------------------------------

    def cloud_info(self) -> dict[str, Any]:
        """The device's ``getDeviceList`` part (from the profile while unbuilt)."""
        if self._device is not None:
            return self._device.cloud_info()
        stored = (self._state or {}).get("device")
        saved_info = stored.get("info") if isinstance(stored, Mapping) else None
        if isinstance(saved_info, Mapping):
            # A used device, stored: its saved info and name, as it will answer once built.
            nick = smart.decode_text(str(saved_info.get("nickname", "")))
            alias = self._alias if self._alias is not None else (nick or "")
            return cloud_entry(self.profile, saved_info, alias)
        if self._state is not None:
            return self.device.cloud_info()  # a snapshot of another shape: ask the device
        info = {**self.profile.info, **identity_of(self.profile.info, self.device_id)}
        return cloud_entry(self.profile, info, smart_alias(self.profile, self._alias))

    def is_online(self) -> bool:
        """False while unplugged."""
        return self._device.is_online() if self._device is not None else self._online

    def set_online(self, online: bool) -> None:
        """Plug in or unplug."""
        self._online = online
        if self._device is not None:
            self._device.set_online(online)

    def state_revision(self) -> int:
        """Grows whenever persistent state changed (0 while unbuilt)."""
        return self._device.state_revision() if self._device is not None else 0

    def snapshot(self) -> dict[str, Any]:
        """The device's snapshot; an unused one's is small: when it came to be."""
        if self._device is not None:
            return self._device.snapshot()
        if self._state is not None:
            return dict(self._state)
        return {"v": SNAPSHOT_VERSION, "kind": "smart", "created_s": self._created_s}

    async def passthrough(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer a SMART request (building the device)."""
        return self.device.handle(request)

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Answer a SMART request (building the device)."""
        return self.device.handle(request)

    def __getattr__(self, name: str) -> Any:
        # Only the device's own attributes build it: probes for optional protocols
        # (``set_cloud_binding`` ...) must not.
        if name in _DEVICE_ATTRIBUTES or (not name.startswith("_") and hasattr(SmartDevice, name)):
            return getattr(self.device, name)
        raise AttributeError(name)
