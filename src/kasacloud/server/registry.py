"""Hosted devices: who owns each, which region it lives in, and the calls that reach it.

Every device call goes through :meth:`Registry.owned`, which refuses another account's device
(-20580) before anything else is looked at, so one account can never see or drive another's.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import gc
import itertools
import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
import anyio.to_thread

from kasacloud.protocol import assumptions, commands, families, request_data
from kasacloud.protocol.errors import ErrorCode
from kasacloud.server.accounts import Account
from kasacloud.server.config import ServerConfig
from kasacloud.server.devices import DeviceKit, HostedDevice, answers_at_once
from kasacloud.server.faults import Fault
from kasacloud.server.store import DeviceRow, DeviceState, Store

log = logging.getLogger("kasacloud.server.registry")


def new_device_id() -> str:
    """A fresh device id: 40 upper-case hex characters, as real devices have."""
    return secrets.token_hex(20).upper()


@dataclass(slots=True)
class HostedEntry:
    """A device and what the server knows about it."""

    device: HostedDevice
    owner: str | None
    profile: str
    source: str | None
    region: str
    online: bool
    """The server's own flag (a device seeded offline); the device may also be offline itself."""
    binding: tuple[str | None, str] | None = None
    """The (owner e-mail, server host) last told to the device; None: not told yet."""
    saved: tuple[str, dict[str, Any] | None] | None = None
    """(alias, snapshot) as last written to the store: what a failed write rolls back to."""

    @property
    def device_id(self) -> str:
        """The device's id."""
        return self.device.device_id

    def is_online(self) -> bool:
        """Online for the cloud: seeded online and the device itself up."""
        return self.online and self.device.is_online()


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """A device to add: profile reference, alias, owner, region, online flag, source."""

    profile: str
    alias: str | None
    owner: str | None
    region: str
    online: bool = True
    source: str | None = None
    """Where it came from (e.g. ``file:/abs/path``), so a restart does not add it twice."""


def _is_child_of(child_id: str, parent_id: str) -> bool:
    """An outlet id: the parent's id and a 2-digit index, or the bare index some firmware uses."""
    index = child_id[len(parent_id) :] if child_id.startswith(parent_id) else child_id
    return len(index) == 2 and index.isdigit()


@contextlib.contextmanager
def _bulk() -> Iterator[None]:
    """No cyclic garbage collection while many devices are built at once.

    Building 100,000 devices makes millions of objects that all stay alive; the collector would
    walk them again and again (a third of a start's time) and find nothing to free.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _GroupCommit:
    """Device state writes that arrive while a commit is on its way to disk share the next one.

    Each write is still on disk before its request is answered (``save`` returns after the commit
    that holds it); under concurrent writes the disk is waited for once per batch, not per write.
    Used from the server's event loop only.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._queue: list[tuple[DeviceState, asyncio.Future[None]]] = []
        self._draining: asyncio.Task[None] | None = None

    async def save(self, state: DeviceState) -> None:
        """Queue a write; returns once it is committed (raises what the commit raised)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._queue.append((state, done))
        if self._draining is None or self._draining.done():
            self._draining = loop.create_task(self._drain())
        await done

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                await anyio.to_thread.run_sync(
                    self._store.save_device_states, [state for state, _ in batch]
                )
            except Exception as exc:  # each waiting request raises it, as a lone write would
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            except BaseException:  # cancelled (the loop is closing): nobody waits forever
                for _, done in batch + self._queue:
                    if not done.done():
                        done.cancel()
                self._queue = []
                raise
            for _, done in batch:
                if not done.done():  # a request cancelled meanwhile was not answered
                    done.set_result(None)


class Registry:
    """Every hosted device, in memory, written through to the store."""

    def __init__(
        self,
        store: Store,
        config: ServerConfig,
        kit: DeviceKit,
        clock: Any,
        region_url: Callable[[str], str],
        owner_email: Callable[[str], str | None] = lambda account_id: None,
    ) -> None:
        """Rebuild the stored devices.

        ``region_url`` gives a region's public URL (its host is the ``server`` a device reports),
        ``owner_email`` an account id's e-mail (the ``username`` a bound device reports).
        """
        self._store = store
        self._config = config
        self._kit = kit
        self.clock = clock
        self._region_url = region_url
        self._owner_email = owner_email
        self._entries: dict[str, HostedEntry] = {}
        # Devices by owner (account id, or None), so that listing one account of many does not
        # walk every device of the server.
        self._by_owner: dict[str | None, dict[str, HostedEntry]] = {}
        self._seq = itertools.count(store.max_write_seq() + 1)
        self._writer = _GroupCommit(store)
        with _bulk():
            self._load(store)

    def _load(self, store: Store) -> None:
        kit, clock = self._kit, self.clock
        for row in store.load_devices():
            try:
                device = kit.build(
                    row.profile,
                    device_id=row.device_id,
                    alias=row.alias,
                    clock=clock,
                    state=row.snapshot,
                    region=row.region,
                )
            except (ValueError, OSError, KeyError) as exc:
                log.error("device %s not rebuilt: %s", row.device_id, exc)
                continue
            entry = HostedEntry(device, row.owner, row.profile, row.source, row.region, row.online)
            entry.saved = (row.alias, row.snapshot)
            self._index(entry)
            self.sync_binding(entry)

    # --- adding -----------------------------------------------------------------------------

    def add_all(self, specs: list[DeviceSpec]) -> list[HostedEntry]:
        """Build and store devices (one transaction for all of them)."""
        with _bulk():
            return self._add_all(specs)

    def _add_all(self, specs: list[DeviceSpec]) -> list[HostedEntry]:
        entries: list[HostedEntry] = []
        rows: list[DeviceRow] = []
        for spec in specs:
            device_id = new_device_id()
            device = self._kit.build(
                spec.profile,
                device_id=device_id,
                alias=spec.alias,
                clock=self.clock,
                state=None,
                region=spec.region,
            )
            entry = HostedEntry(
                device, spec.owner, spec.profile, spec.source, spec.region, spec.online
            )
            entries.append(entry)
            rows.append(self._row(entry, next(self._seq)))
        self._store.put_devices(rows)
        for entry, row in zip(entries, rows, strict=True):
            entry.saved = (row.alias, row.snapshot)
            self._index(entry)
            self.sync_binding(entry)
        return entries

    def _index(self, entry: HostedEntry) -> None:
        self._entries[entry.device_id] = entry
        self._by_owner.setdefault(entry.owner, {})[entry.device_id] = entry

    def _set_owner(self, entry: HostedEntry, owner: str | None) -> None:
        self._by_owner.get(entry.owner, {}).pop(entry.device_id, None)
        entry.owner = owner
        self._by_owner.setdefault(owner, {})[entry.device_id] = entry

    def _row(self, entry: HostedEntry, seq: int) -> DeviceRow:
        return DeviceRow(
            entry.device_id,
            entry.owner,
            entry.profile,
            entry.source,
            str(entry.device.cloud_info().get("alias", "")),
            entry.region,
            entry.online,
            entry.device.snapshot(),
            seq,
        )

    def has_source(self, source: str) -> bool:
        """Whether a device from ``source`` is already hosted."""
        return any(e.source == source for e in self._entries.values())

    # --- looking up -------------------------------------------------------------------------

    def get(self, device_id: str) -> HostedEntry | None:
        """Any device by id, whoever owns it (for the operator and tests, not for requests)."""
        return self._entries.get(device_id)

    def all(self) -> list[HostedEntry]:
        """Every device."""
        return list(self._entries.values())

    def of(self, account: Account) -> list[HostedEntry]:
        """The devices bound to ``account``, in the order they were added."""
        owned = self._by_owner.get(account.account_id, {})
        return [e for e in owned.values() if e.owner == account.account_id]

    def owned(self, account: Account, device_id: object) -> HostedEntry:
        """The device if it is bound to ``account``.

        Raises:
            Fault: -20104 without a device id, -20501 for an unknown one, -20580 for a device
                that is not this account's.
        """
        if not isinstance(device_id, str) or not device_id:
            raise Fault(ErrorCode.PARAMETER_MISSING)
        entry = self._entries.get(device_id)
        if entry is None:
            raise Fault(ErrorCode.DEVICE_NOT_FOUND)
        if entry.owner != account.account_id:
            raise Fault(ErrorCode.NOT_ACCOUNTS_DEVICE)
        return entry

    def list_entry(self, entry: HostedEntry, account: Account) -> dict[str, Any]:
        """One getDeviceList entry, with every field of PROTOCOL.md section 2."""
        info = entry.device.cloud_info()
        same = entry.region == account.region
        if not assumptions.IS_SAME_REGION_MEANS_ACCOUNT_REGION:  # pragma: no cover
            same = True
        return {
            "deviceType": info.get("deviceType", commands.DEVICE_TYPE_PLUG),
            "role": 0,
            "fwVer": info.get("fwVer", ""),
            "appServerUrl": self._region_url(entry.region),
            "deviceRegion": entry.region,
            "deviceId": entry.device_id,
            "deviceName": info.get("deviceName", ""),
            "deviceHwVer": info.get("deviceHwVer", ""),
            "alias": info.get("alias", ""),
            "deviceMac": info.get("deviceMac", ""),
            "oemId": info.get("oemId", ""),
            "deviceModel": info.get("deviceModel", ""),
            "hwId": info.get("hwId", ""),
            "fwId": info.get("fwId", ""),
            "isSameRegion": same,
            "status": 1 if entry.is_online() else 0,
        }

    # --- binding ----------------------------------------------------------------------------

    def sync_binding(self, entry: HostedEntry) -> None:
        """Tell a device that reports its binding who owns it now, if that changed.

        The ``server`` it reports is the host of its region's public URL; the ``username`` its
        owner's e-mail (None when bound to no account).
        """
        owner = self._owner_email(entry.owner) if entry.owner is not None else None
        server = self._host_of(self._region_url(entry.region))
        binding = (owner, server)
        if entry.binding == binding:
            return
        entry.binding = binding
        # The method looked up rather than isinstance(CloudBoundDevice): a runtime protocol
        # check costs tens of microseconds, which a start of 100,000 devices feels.
        tell = getattr(entry.device, "set_cloud_binding", None)
        if callable(tell):
            tell(owner, server)

    @staticmethod
    @functools.lru_cache(maxsize=64)
    def _host_of(url: str) -> str:
        # Cached: every passthrough checks the binding, and the URLs are a few.
        return urlsplit(url).hostname or ""

    # --- driving ----------------------------------------------------------------------------

    async def passthrough(self, entry: HostedEntry, request: dict[str, Any]) -> dict[str, Any]:
        """Send a decoded request to a device; persist its state if the request changed it.

        Raises:
            Fault: -20571 if the device is offline, -20002 if it does not answer in time.
        """
        if not entry.is_online():
            raise Fault(ErrorCode.DEVICE_OFFLINE)
        children = request_data.child_ids(request)
        if "context" in request and (
            children is None or any(not _is_child_of(c, entry.device_id) for c in children)
        ):
            # Outlets are addressed through their parent: an id that is not one of this device's
            # outlets never reaches the device (whoever owns the id's device).
            raise Fault(ErrorCode.ARGS_INVALID, "args is invalid: context.child_ids")
        self.sync_binding(entry)
        before = entry.device.state_revision()
        try:
            if answers_at_once(entry.device):
                # From memory, synchronously: no timeout to set up (see answers_at_once).
                handle: Callable[[dict[str, Any]], dict[str, Any]]
                handle = entry.device.handle  # type: ignore[attr-defined]
                response = handle(request)
            else:
                with anyio.fail_after(self._config.device_timeout_s):
                    response = await entry.device.passthrough(request)
        except TimeoutError:
            raise Fault(ErrorCode.REQUEST_TIMEOUT) from None
        except Fault:
            raise  # the device's own cloud answer (a bridged LAN device: -20571, -20002)
        except Exception:
            log.exception("device %s failed a passthrough", entry.device_id)
            raise Fault(ErrorCode.UNKNOWN) from None
        if entry.device.state_revision() != before:
            await self.persist(entry)
        return response

    async def persist(self, entry: HostedEntry) -> None:
        """Write a device's alias and snapshot to the store; returns once it is on disk.

        Raises:
            Fault: -1 when the write failed; the device is then rolled back to its last stored
                state, so that memory never holds a change the store does not.
        """
        # The sequence number is taken here, on the event loop, with the snapshot: if two writes
        # of one device reach the store out of order, the older one is ignored.
        seq = next(self._seq)
        alias = str(entry.device.cloud_info().get("alias", ""))
        snapshot = entry.device.snapshot()
        try:
            await self._writer.save(DeviceState(entry.device_id, alias, snapshot, seq))
        except Exception as exc:
            log.error(
                "device %s: a change could not be stored (%s: %s); rolled back",
                entry.device_id,
                type(exc).__name__,
                exc,
            )
            self._roll_back(entry)
            raise Fault(
                assumptions.PERSIST_FAILED_CODE, "the change could not be saved; nothing changed"
            ) from None
        entry.saved = (alias, snapshot)

    def _roll_back(self, entry: HostedEntry) -> None:
        """Rebuild the device from its last stored alias and snapshot."""
        if entry.saved is None:
            return
        alias, snapshot = entry.saved
        try:
            entry.device = self._kit.build(
                entry.profile,
                device_id=entry.device_id,
                alias=alias,
                clock=self.clock,
                state=copy.deepcopy(snapshot),
                region=entry.region,
            )
        except (ValueError, OSError, KeyError) as exc:  # pragma: no cover - it was built before
            log.error("device %s not rolled back: %s", entry.device_id, exc)
            return
        entry.binding = None
        self.sync_binding(entry)

    async def set_alias(self, entry: HostedEntry, alias: str) -> None:
        """Rename a device: the alias lives on the device, so this is a passthrough to it.

        Raises:
            Fault: -20572 for an unusable alias, -20571 if the device is offline.
        """
        if not entry.is_online():
            raise Fault(assumptions.OFFLINE_SETALIAS_CODE)
        info = entry.device.cloud_info()
        modules = [commands.SYSTEM]
        if info.get("deviceType") == commands.DEVICE_TYPE_BULB:
            modules.insert(0, commands.BULB_SYSTEM)
        for module in modules:
            answer = await self.passthrough(
                entry, {module: {commands.SET_DEV_ALIAS: {"alias": alias}}}
            )
            try:
                families.method_result(answer, module, commands.SET_DEV_ALIAS)
            except families.AnswerError:
                continue  # this module refused, or is not this device's: try the next
            return
        raise Fault(ErrorCode.ALIAS_FORMAT)

    async def unbind(self, entry: HostedEntry) -> None:
        """Unbind a device from its account (it stays hosted, bound to none)."""
        await anyio.to_thread.run_sync(self._store.set_owner, entry.device_id, None)
        self._set_owner(entry, None)
        self.sync_binding(entry)
