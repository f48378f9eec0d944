"""The cloud itself, without HTTP: accounts, devices, limits and regions, wired together.

:class:`CloudService` is what the routes in :mod:`kasacloud.server.app` call. It is built
synchronously (opening the store, applying the seed on a fresh data dir) before the HTTP server
starts, and is then used from the server's event loop only.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from kasacloud.server.accounts import Account, Accounts, MfaOutbox
from kasacloud.server.config import ServerConfig
from kasacloud.server.devices import DeviceKit, default_kit
from kasacloud.server.nonces import NonceCache
from kasacloud.server.ratelimit import RateLimiter
from kasacloud.server.registry import DeviceSpec, Registry
from kasacloud.server.seed import Seed, SeedAccount, SeedDevice, load_seed
from kasacloud.server.store import Store

log = logging.getLogger("kasacloud.server")

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo"  # noqa: S105 - the demo account's password is public on purpose
MFA_DEMO_EMAIL = "mfa@example.com"
"""A second demo account, with 2-step verification on (password "demo", no devices)."""


class CloudService:
    """Accounts, devices, limits and regions of one server (serving every region)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        config: ServerConfig | None = None,
        seed: str | Path | dict[str, Any] | Seed | None = None,
        devices: Sequence[str | Path] = (),
        kit: DeviceKit | None = None,
        clock: Any = None,
    ) -> None:
        """Open (or create) the store in ``data_dir``; apply the seed if the store is empty.

        ``devices`` are extra device files (python-kasa captures or our profiles), bound to the
        first account; each is added once per data dir.

        Raises:
            SeedError: the seed is unusable.
            ValueError, OSError: a device profile cannot be loaded.
        """
        self.config = config or ServerConfig()
        self.data_dir = data_dir
        # Simulated devices, plus LAN devices adopted with `kasacloud adopt` (profile "lan:...").
        self.kit = kit or default_kit()
        self.clock = clock if clock is not None else self.kit.new_clock()
        self.region_urls: dict[str, str] = {r: f"http://127.0.0.1/{r}" for r in self.config.regions}
        """Public URL of each region; set by whoever binds the ports."""
        self.port_regions: dict[int, str] = {}
        """Which region a local port serves (one port per region)."""
        self.store = Store(data_dir)
        self.outbox = MfaOutbox(data_dir)
        self.accounts = Accounts(self.store, self.config, self.clock.now, self.outbox)
        self.registry = Registry(
            self.store, self.config, self.kit, self.clock, self.region_url, self._owner_email
        )
        self.account_limiter = RateLimiter(self.config.account_rate_limit, self.clock.now)
        self.address_limiter = RateLimiter(self.config.address_rate_limit, self.clock.now)
        self.terminal_limiter = RateLimiter(self.config.terminal_rate_limit, self.clock.now)
        self.nonces = NonceCache(self.clock.now)
        """V2 nonces seen lately (replays are refused)."""
        if self.store.is_empty():
            parsed = seed if isinstance(seed, Seed) or seed is None else load_seed(seed)
            self._apply_seed(parsed or self._demo_seed())
        elif seed is not None:
            log.info("data dir %s already holds accounts: the seed is not applied again", data_dir)
        for path in devices:
            self.add_device_file(Path(path))

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    def _owner_email(self, account_id: str) -> str | None:
        account = self.accounts.by_id(account_id)
        return account.email if account is not None else None

    # --- regions ----------------------------------------------------------------------------

    def region_url(self, region: str) -> str:
        """The public URL of ``region`` (unknown regions map to the default one)."""
        return self.region_urls.get(region) or self.region_urls[self.config.default_region]

    def region_for_port(self, port: int | None) -> str:
        """The region served on a local port."""
        if port is None:
            return self.config.default_region
        return self.port_regions.get(port, self.config.default_region)

    # --- seeding ----------------------------------------------------------------------------

    def _demo_seed(self) -> Seed:
        house = tuple(SeedDevice(d.profile, d.alias, None, d.online) for d in self.kit.demo_house)
        return Seed(
            (
                SeedAccount(DEMO_EMAIL, DEMO_PASSWORD, nickname="Demo", devices=house),
                SeedAccount(MFA_DEMO_EMAIL, DEMO_PASSWORD, nickname="Demo MFA", mfa=True),
            )
        )

    def _apply_seed(self, seed: Seed) -> None:
        default = self.config.default_region
        for spec in seed.accounts:
            self._check_region(spec.region or default, spec.email)

        def make(spec: SeedAccount) -> Account:
            return self.accounts.make(
                spec.email,
                spec.password,
                region=spec.region or default,
                nickname=spec.nickname,
                country_code=spec.country_code,
                mfa=spec.mfa,
            )

        # Password hashing (scrypt) is most of the cost of a seed of many accounts, and it
        # releases the GIL: hash on every core.
        workers = min(len(seed.accounts), os.cpu_count() or 1, 8)
        if workers > 1:
            with ThreadPoolExecutor(workers, thread_name_prefix="kasacloud-seed") as pool:
                made = list(pool.map(make, seed.accounts))
        else:
            made = [make(spec) for spec in seed.accounts]
        self.accounts.add_all(made)
        specs: list[DeviceSpec] = []
        for account, spec in zip(made, seed.accounts, strict=True):
            for dev in spec.devices:
                region = dev.region or account.region
                self._check_region(region, dev.profile)
                specs.extend(
                    DeviceSpec(dev.profile, alias, account.account_id, region, dev.online)
                    for alias in dev.aliases()
                )
        self.registry.add_all(specs)
        log.info("seeded %d accounts and %d devices", len(made), len(specs))

    def _check_region(self, region: str, what: str) -> None:
        if region not in self.config.regions:
            served = ", ".join(self.config.regions)
            raise ValueError(f"{what}: region {region!r} is not served (regions: {served})")

    def add_device_file(self, path: Path) -> None:
        """Host a device built from a file, bound to the demo account (or the first account).

        The file is copied into the data dir, so the device survives the original moving.

        Raises:
            ValueError, OSError: the file cannot be read or is not a usable profile or capture.
        """
        source = f"file:{path.resolve()}"
        if self.registry.has_source(source):
            return
        owner = self.accounts.by_email(DEMO_EMAIL) or self.accounts.all()[0]
        profiles = self.data_dir / "profiles"
        profiles.mkdir(exist_ok=True)
        copy = profiles / f"{len(list(profiles.iterdir())):04d}-{path.name}"
        shutil.copyfile(path, copy)
        try:
            self.registry.add_all(
                [DeviceSpec(str(copy), None, owner.account_id, owner.region, True, source)]
            )
        except BaseException:
            copy.unlink(missing_ok=True)
            raise
