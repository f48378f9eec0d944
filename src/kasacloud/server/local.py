"""LocalCloud: the whole cloud in a background thread, on free loopback ports, for tests and demos.

Example::

    from kasacloud.server import LocalCloud

    with LocalCloud() as cloud:          # the demo account and house
        print(cloud.url)                 # http://127.0.0.1:<port>
        cloud.clock.advance(3600)        # an hour passes for devices, tokens and limits
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import anyio.to_thread

from kasacloud._background import BackgroundServer
from kasacloud.server.config import ServerConfig
from kasacloud.server.devices import DeviceKit, HostedDevice
from kasacloud.server.runner import bind_regions, make_server
from kasacloud.server.seed import Seed
from kasacloud.server.service import CloudService


class LocalCloud:
    """A running cloud on 127.0.0.1, one free port per region; use as a (async) context manager.

    Args:
        seed: a seed file path or parsed dict (see :mod:`kasacloud.server.seed`); None: the demo.
        data_dir: where the store lives; None: a temporary dir removed at exit.
        config: the server's knobs; None: :class:`ServerConfig` defaults.
        regions: regions to serve (overrides ``config.regions``); the first is the default.
        devices: extra device files (captures or profiles) bound to the first account.
        kit: where devices come from (default: :mod:`kasacloud.sim`).
        port: the first region's port (region *n* gets ``port + n``); 0: free ports.
    """

    def __init__(
        self,
        seed: str | Path | dict[str, Any] | Seed | None = None,
        data_dir: str | Path | None = None,
        config: ServerConfig | None = None,
        regions: Sequence[str] | None = None,
        *,
        devices: Sequence[str | Path] = (),
        kit: DeviceKit | None = None,
        port: int = 0,
    ) -> None:
        config = config or ServerConfig()
        if regions is not None:
            config = dataclasses.replace(config, regions=tuple(regions))
        self.config = config
        """The ServerConfig in force."""
        self._seed = seed
        self._data_dir = Path(data_dir) if data_dir is not None else None
        self._devices = tuple(devices)
        self._kit = kit
        self._port = port
        self._tmp: str | None = None
        self._service: CloudService | None = None
        self._server: BackgroundServer | None = None

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> LocalCloud:
        """Start the server; returns once it accepts connections."""
        if self._service is not None:
            raise RuntimeError("this LocalCloud is already running")
        if self._data_dir is None:
            self._tmp = tempfile.mkdtemp(prefix="kasacloud-")
        data_dir = self._data_dir or Path(str(self._tmp))
        try:
            service = CloudService(
                data_dir,
                config=self.config,
                seed=self._seed,
                devices=self._devices,
                kit=self._kit,
            )
        except BaseException:
            self._cleanup_tmp()
            raise
        self._service = service
        try:
            sockets = bind_regions(service, "127.0.0.1", self._port)
        except BaseException:
            self.stop()
            raise
        self._server = BackgroundServer(make_server(service), sockets, "kasacloud-local")
        try:
            self._server.start()
        except RuntimeError:
            self.stop()
            raise RuntimeError("the local cloud did not start") from None
        return self

    def stop(self) -> None:
        """Stop the server, close the store, remove a temporary data dir."""
        if self._server is not None:
            self._server.stop()
        if self._service is not None:
            self._service.close()
        self._server = None
        self._service = None
        self._cleanup_tmp()

    def _cleanup_tmp(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> LocalCloud:
        return await anyio.to_thread.run_sync(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await anyio.to_thread.run_sync(self.stop)

    # --- what tests look at -----------------------------------------------------------------

    @property
    def service(self) -> CloudService:
        """The running service (accounts, registry, store)."""
        if self._service is None:
            raise RuntimeError("this LocalCloud is not running")
        return self._service

    @property
    def url(self) -> str:
        """The default region's URL, ``http://127.0.0.1:<port>``."""
        return self.service.region_url(self.config.default_region)

    @property
    def region_urls(self) -> dict[str, str]:
        """Every region's URL, one port each."""
        return dict(self.service.region_urls)

    @property
    def data_dir(self) -> Path:
        """Where the store and the MFA outbox live."""
        return self.service.data_dir

    @property
    def clock(self) -> Any:
        """The SimClock of the devices; the server's token expiry and limits follow it too."""
        return self.service.clock

    def mfa_codes(self, email: str) -> list[str]:
        """Verification codes sent to that account, newest last."""
        return self.service.outbox.codes(email)

    def device(self, device_id: str) -> HostedDevice:
        """The hosted device object (to inspect its state)."""
        entry = self.service.registry.get(device_id)
        if entry is None:
            raise KeyError(device_id)
        return entry.device

    def device_ids(self, email: str = "demo@example.com") -> list[str]:
        """The ids of the devices bound to an account."""
        account = self.service.accounts.by_email(email)
        if account is None:
            raise KeyError(email)
        return [e.device_id for e in self.service.registry.of(account)]

    def set_online(self, device_id: str, online: bool) -> None:
        """Unplug (False) or plug in (True) a device, as the cloud sees it (not persisted)."""
        entry = self.service.registry.get(device_id)
        if entry is None:
            raise KeyError(device_id)
        entry.online = online
