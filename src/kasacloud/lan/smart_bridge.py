"""SMART devices on the LAN, hosted by the cloud: each SMART passthrough goes over KLAP or AES.

Adoption (``kasacloud adopt --host HOST --device-login EMAIL --device-password PASSWORD``, or
``--discover``) finds the device by UDP 20002 discovery at its address, which says which LAN
transport it speaks (KLAP, or the older AES ``securePassthrough``), signs in with the owner's
TP-Link ID, reads ``get_device_info`` and records the device with a profile reference
``lan-smart:HOST:PORT`` and its transport. The TP-Link ID is kept as the transport's credentials
hash (never the password: KLAP's ``sha256(sha1(email) + sha1(password))``, AES's login-version-2
``sha1`` values) in ``lan-credentials.json`` in the server's data dir, private to its owner
(0600); the store holds only the file's path.

The hosted device (:class:`BridgedSmartDevice`) forwards every SMART request as it is and returns
the device's own answer; unreachable or refusing the TP-Link ID: -20571; too slow: -20002.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from kasacloud.lan.addresses import BridgeError
from kasacloud.lan.transport import DEFAULT_TIMEOUT_S, TooSlow, Unreachable
from kasacloud.protocol import smart
from kasacloud.protocol.errors import ErrorCode
from kasacloud.server.faults import Fault
from kasacloud.server.store import DeviceRow, Store

log = logging.getLogger("kasacloud.lan.smart")

SMART_PREFIX: Final = "lan-smart:"
"""Profile references of bridged SMART devices: ``lan-smart:127.0.0.2:80``."""
CREDENTIALS_FILE: Final = "lan-credentials.json"
DEFAULT_PROBE_INTERVAL_S: Final = 10.0
_INFO_REQUEST: Final[dict[str, Any]] = {"method": "get_device_info"}
_DEVICE_ID = re.compile(r"^[0-9A-Fa-f]{40}$")


def is_bridged_smart(profile: str) -> bool:
    """Whether a profile reference names a bridged SMART LAN device."""
    return profile.startswith(SMART_PREFIX)


# --- credentials ----------------------------------------------------------------------------


KLAP: Final = "KLAP"
AES: Final = "AES"


def credentials_hash(email: str, password: str, encryption: str = KLAP) -> str:
    """The credentials hash of a TP-Link ID for a transport, as python-kasa stores it (base64).

    KLAP: KLAP v2's auth hash. AES: the login-version-2 ``login_device`` values (sha1 of the
    e-mail and of the password), never login version 1's, which is the password itself.
    """
    from kasa import Credentials
    from kasa.transports import AesTransport, KlapTransportV2

    credentials = Credentials(email, password)
    if encryption == AES:
        username, password2 = AesTransport.hash_credentials(True, credentials)
        login = {"password2": password2, "username": username}
        return base64.b64encode(json.dumps(login).encode()).decode()
    return base64.b64encode(KlapTransportV2.generate_auth_hash(credentials)).decode()


def save_credentials(path: Path, device_id: str, username: str, hashed: str) -> None:
    """Record a device's credentials hash in ``path`` (created 0600, replaced atomically)."""
    entries: dict[str, Any] = {}
    if path.is_file():
        entries = dict(json.loads(path.read_text(encoding="utf-8")))
    entries[device_id] = {"username": username, "credentials_hash": hashed}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(entries, out)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def load_credentials(path: str | Path, device_id: str) -> str | None:
    """The credentials hash of ``device_id`` recorded in ``path``, or None."""
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    entry = entries.get(device_id) if isinstance(entries, dict) else None
    value = entry.get("credentials_hash") if isinstance(entry, dict) else None
    return value if isinstance(value, str) else None


# --- the link -------------------------------------------------------------------------------


class SmartLink:
    """One SMART device's LAN connection: request -> answer.

    python-kasa's ``KlapTransportV2`` (``encryption`` KLAP) or ``AesTransport`` (AES, login
    version 2), signed in with a credentials hash of :func:`credentials_hash`.
    """

    def __init__(
        self,
        host: str,
        http_port: int,
        hashed: str | None,
        timeout_s: float,
        encryption: str = KLAP,
    ) -> None:
        from kasa import DeviceConfig
        from kasa.deviceconfig import (
            DeviceConnectionParameters,
            DeviceEncryptionType,
            DeviceFamily,
        )
        from kasa.transports import AesTransport, KlapTransportV2

        self.host = host
        self.port = http_port
        self.timeout_s = timeout_s
        self.encryption = encryption
        kind = DeviceEncryptionType.Aes if encryption == AES else DeviceEncryptionType.Klap
        connection = DeviceConnectionParameters(
            DeviceFamily.SmartTapoPlug, kind, login_version=2, http_port=http_port
        )
        config = DeviceConfig(
            host=host,
            timeout=max(1, math.ceil(timeout_s)),
            credentials_hash=hashed,
            connection_type=connection,
        )
        transport = AesTransport if encryption == AES else KlapTransportV2
        self._transport = transport(config=config)
        # One request at a time: the transport's sequence number and cipher are shared state
        # (python-kasa's own protocol layer serializes the same way).
        self._lock = asyncio.Lock()

    async def send(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send one SMART request; the device's answer as it is.

        Raises:
            Unreachable: no connection, or the device refused the TP-Link ID.
            TooSlow: connected but no answer in time.
        """
        from kasa import exceptions
        from kasa.exceptions import AuthenticationError, KasaException
        from kasa.exceptions import TimeoutError as KasaTimeoutError

        # What python-kasa's transports raise for a session the device no longer knows (KLAP's
        # 403, AES's 9999: the device restarted); its own protocol layer retries those.
        stale: type[Exception] = getattr(exceptions, "_RetryableError", KasaException)
        payload = json.dumps(request)
        try:
            async with self._lock, asyncio.timeout(self.timeout_s):
                try:
                    answer = await self._transport.send(payload)
                except stale:
                    # Once, within the same timeout: a new handshake and sign-in, then the request.
                    await self._reset()
                    answer = await self._transport.send(payload)
        except AuthenticationError:
            await self._reset()
            raise Unreachable("the device refused the TP-Link ID") from None
        except (TimeoutError, KasaTimeoutError) as exc:
            await self._reset()
            raise TooSlow(str(exc) or "no answer in time") from None
        except (KasaException, OSError) as exc:
            await self._reset()
            raise Unreachable(str(exc)) from None
        if not isinstance(answer, dict):
            raise Unreachable(f"unexpected answer {type(answer).__name__}")
        return answer

    async def _reset(self) -> None:
        with contextlib.suppress(Exception):
            await self._transport.reset()

    async def close(self) -> None:
        """Close the connection."""
        with contextlib.suppress(Exception):
            await self._transport.close()


# --- the hosted device ----------------------------------------------------------------------


def smart_cloud_info(info: dict[str, Any], model: str) -> dict[str, Any]:
    """The getDeviceList fields a SMART device's ``get_device_info`` gives."""
    return {
        "deviceType": str(info.get("type", "")),
        "fwVer": str(info.get("fw_ver", "")),
        "deviceName": str(info.get("model", "")),
        "deviceHwVer": str(info.get("hw_ver", "")),
        "deviceModel": model or str(info.get("model", "")),
        "deviceMac": str(info.get("mac", "")).replace("-", "").replace(":", "").upper(),
        "oemId": str(info.get("oem_id", "")),
        "hwId": str(info.get("hw_id", "")),
        "fwId": str(info.get("fw_id", "")),
        "alias": smart.decode_text(str(info.get("nickname", ""))) or "",
    }


class BridgedSmartDevice:
    """A SMART device on the LAN, hosted by the cloud (a ``HostedDevice``)."""

    def __init__(
        self,
        device_id: str,
        host: str,
        port: int,
        *,
        state: dict[str, Any],
        timeout_s: float = DEFAULT_TIMEOUT_S,
        probe_interval_s: float = DEFAULT_PROBE_INTERVAL_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.device_id = device_id
        self.host = host
        self.port = port
        self._state = dict(state)
        info = state.get("info")
        self._info: dict[str, Any] = dict(info) if isinstance(info, dict) else {}
        self._model = str(state.get("model", ""))
        # Devices adopted before AES was bridged have no "encryption": they were all KLAP.
        self._encryption = AES if state.get("encryption") == AES else KLAP
        path = state.get("credentials_file")
        hashed = load_credentials(path, device_id) if isinstance(path, str) else None
        if hashed is None:
            log.error("no credentials recorded for SMART device %s: adopt it again", device_id)
        self._hashed = hashed
        self._timeout_s = timeout_s
        # Made on first use: python-kasa's HTTP client needs the server's running event loop.
        self._made_link: SmartLink | None = None
        self._probe_interval_s = probe_interval_s
        self._monotonic = monotonic
        self._online = hashed is not None
        self._last_contact = -math.inf
        self._revision = 0
        self._probe: asyncio.Task[None] | None = None

    @property
    def _link(self) -> SmartLink:
        if self._made_link is None:
            self._made_link = SmartLink(
                self.host, self.port, self._hashed, self._timeout_s, self._encryption
            )
        return self._made_link

    def cloud_info(self) -> dict[str, Any]:
        """The getDeviceList fields, from the last device info seen."""
        return smart_cloud_info(self._info, self._model)

    def is_online(self) -> bool:
        """Whether the last contact succeeded; a stale one starts a background probe."""
        if self._monotonic() - self._last_contact >= self._probe_interval_s:
            self._start_probe()
        return self._online

    async def passthrough(self, request: dict[str, Any]) -> dict[str, Any]:
        """Forward a SMART request; the device's own answer.

        Raises:
            Fault: -20571 unreachable (or refusing the TP-Link ID), -20002 too slow.
        """
        try:
            answer = await self._link.send(request)
        except Unreachable as exc:
            log.info("SMART device %s at %s:%d unreachable: %s", self.device_id, self.host,
                     self.port, exc)  # fmt: skip
            self._mark(False)
            raise Fault(ErrorCode.DEVICE_OFFLINE) from None
        except TooSlow:
            raise Fault(ErrorCode.REQUEST_TIMEOUT) from None
        self._mark(True)
        if request.get("method") == "get_device_info":
            self._remember(answer)
        return answer

    def state_revision(self) -> int:
        """Grows when the remembered device info (name, firmware ...) changed."""
        return self._revision

    def snapshot(self) -> dict[str, Any]:
        """Where the device is, what it last said, and where its credentials are."""
        return {**self._state, "host": self.host, "port": self.port, "info": dict(self._info)}

    async def probe(self) -> bool:
        """Read the device info once; return (and remember) whether the device answered."""
        try:
            answer = await self._link.send(dict(_INFO_REQUEST))
        except (Unreachable, TooSlow):
            self._mark(False)
            return False
        self._mark(True)
        self._remember(answer)
        return True

    def _start_probe(self) -> None:
        if self._probe is not None and not self._probe.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._last_contact = self._monotonic()
        self._probe = loop.create_task(self._probe_quietly())

    async def _probe_quietly(self) -> None:
        with contextlib.suppress(Exception):
            await self.probe()

    def _mark(self, online: bool) -> None:
        self._online = online
        self._last_contact = self._monotonic()

    def _remember(self, answer: dict[str, Any]) -> None:
        info = answer.get("result") if smart.error_code_of(answer) == 0 else None
        if isinstance(info, dict) and info:
            if smart_cloud_info(info, self._model) != self.cloud_info():
                self._revision += 1
            self._info = dict(info)


# --- adoption -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FoundSmart:
    """A SMART device read on the LAN with its owner's TP-Link ID."""

    host: str
    port: int
    info: dict[str, Any]
    model: str
    username: str
    credentials_hash: str = field(repr=False)
    encryption: str = KLAP
    """The LAN transport the device speaks (KLAP or AES), as its discovery answer said."""

    @property
    def device_id(self) -> str:
        """The device's own id."""
        return str(self.info.get("device_id", ""))

    @property
    def alias(self) -> str:
        """The decoded nickname."""
        return smart.decode_text(str(self.info.get("nickname", ""))) or ""


async def read_smart_device(
    host: str, email: str, password: str, timeout_s: float = DEFAULT_TIMEOUT_S
) -> FoundSmart:
    """Find the SMART device at ``host`` (UDP 20002 discovery) and read it with a TP-Link ID.

    Raises:
        BridgeError: nothing answers, the device is not a SMART one, or it refuses the TP-Link ID.
    """
    from kasa import Credentials, Discover
    from kasa.exceptions import KasaException

    raw: dict[str, Any] = {}
    try:
        found = await Discover.discover_single(
            host,
            credentials=Credentials(email, password),
            discovery_timeout=max(1, math.ceil(timeout_s)),
            on_discovered_raw=lambda answer: raw.update(answer.get("discovery_response") or {}),
        )
    except (KasaException, OSError, TimeoutError) as exc:
        raise BridgeError(f"no SMART device answers discovery at {host}: {exc}") from None
    if found is None:
        raise BridgeError(f"no SMART device answers discovery at {host}")
    try:
        connection = found.config.connection_type
        if not connection.device_family.value.startswith(smart.DEVICE_TYPE_PREFIX):
            raise BridgeError(f"the device at {host} is not a SMART device: adopt it without "
                              "--device-login")  # fmt: skip
        port = connection.http_port or 80
        encryption = _encryption_of(host, connection)
    finally:
        with contextlib.suppress(Exception):
            await found.disconnect()
    hashed = credentials_hash(email, password, encryption)
    link = SmartLink(host, port, hashed, timeout_s, encryption)
    try:
        answer = await link.send(dict(_INFO_REQUEST))
    except Unreachable as exc:
        raise BridgeError(f"the SMART device at {host}:{port} cannot be read: {exc}") from None
    except TooSlow:
        raise BridgeError(f"the SMART device at {host}:{port} did not answer in time") from None
    finally:
        await link.close()
    info = answer.get("result")
    if smart.error_code_of(answer) != 0 or not isinstance(info, dict):
        raise BridgeError(f"the device at {host}:{port} did not return its device info")
    result = raw.get("result")
    announced = result.get("device_model") if isinstance(result, dict) else None
    model = str(announced or info.get("model", ""))
    return FoundSmart(host, port, info, model, email, hashed, encryption)


def _encryption_of(host: str, connection: Any) -> str:
    """The transport python-kasa chose from the discovery answer, if one the bridge speaks.

    Raises:
        BridgeError: another transport, or AES login version 1 (its credentials are the password
            itself, which kasacloud does not keep).
    """
    name = str(getattr(connection.encryption_type, "value", connection.encryption_type))
    if name == KLAP:
        return KLAP
    if name == AES and not connection.https:
        if connection.login_version != 2:
            raise BridgeError(
                f"the SMART device at {host} signs in with AES login version 1, whose credentials "
                "are the password itself: kasacloud keeps only hashes, so it is not adopted"
            )
        return AES
    raise BridgeError(f"the SMART device at {host} speaks {name}, which the bridge does not")


def adopt_smart(store: Store, data_dir: Path, email: str, found: FoundSmart) -> DeviceRow:
    """Record ``found`` in ``store`` bound to ``email``; its credentials hash beside, 0600.

    Raises:
        BridgeError: no such account, an unusable device id, or another account's device.
    """
    wanted = email.strip().lower()
    account = next((a for a in store.load_accounts() if a.email == wanted), None)
    if account is None:
        raise BridgeError(f"no account {email!r} in this data dir")
    device_id = found.device_id.upper()
    if not _DEVICE_ID.match(device_id):
        raise BridgeError(f"the device at {found.host}:{found.port} has no usable device_id")
    existing = next((d for d in store.load_devices() if d.device_id == device_id), None)
    if existing is not None and existing.owner not in (None, account.account_id):
        raise BridgeError(f"device {device_id} is bound to another account")
    if existing is not None and not is_bridged_smart(existing.profile):
        raise BridgeError(f"device id {device_id} is already another device of this cloud")
    path = data_dir / CREDENTIALS_FILE
    save_credentials(path, device_id, found.username, found.credentials_hash)
    ref = f"{SMART_PREFIX}{found.host}:{found.port}"
    row = DeviceRow(
        device_id=device_id,
        owner=account.account_id,
        profile=ref,
        source=ref,
        alias=found.alias,
        region=existing.region if existing is not None else account.region,
        online=True,
        snapshot={
            "host": found.host,
            "port": found.port,
            "model": found.model,
            "info": found.info,
            "encryption": found.encryption,
            "credentials_file": str(path),
        },
        write_seq=existing.write_seq if existing is not None else 0,
    )
    store.put_devices([row])
    return row
