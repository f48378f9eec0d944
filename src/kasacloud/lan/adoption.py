"""Adoption (``kasacloud adopt``): record a device found on the LAN in a data dir's store.

The device is bound to an account; the next ``kasacloud serve`` on that data dir hosts it
(:func:`kasacloud.lan.with_lan`).
"""

from __future__ import annotations

import re

from kasacloud.lan.addresses import BridgeError, is_bridged, profile_ref
from kasacloud.lan.discovery import Found
from kasacloud.server.store import DeviceRow, Store

_DEVICE_ID = re.compile(r"^[0-9A-Fa-f]{40}$")


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
