"""Identifiers of simulated devices: device ids, child ids, hardware ids and MAC addresses."""

from __future__ import annotations

import hashlib
import secrets

from kasacloud.protocol.families import outlet_id as child_id

__all__ = ["DEVICE_ID_LENGTH", "child_id", "mac_for", "new_device_id", "stable_hex"]

DEVICE_ID_LENGTH = 40
"""A device id is 40 uppercase hexadecimal characters."""


def new_device_id() -> str:
    """Mint a fresh random device id (40 uppercase hex characters)."""
    return secrets.token_hex(DEVICE_ID_LENGTH // 2).upper()


def stable_hex(*parts: str, length: int = 32) -> str:
    """Uppercase hex derived from ``parts``: the same inputs always give the same id.

    Real devices share ``hwId``/``oemId`` per model and ``fwId`` per firmware; the captures have
    them scrubbed to zeros, so they are derived from the model and firmware names instead.
    """
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest().upper()
    return digest[:length]


def mac_for(device_id: str, template: str) -> str:
    """A MAC for ``device_id`` in the format of ``template`` (``AA:BB:CC:00:00:00`` or bare hex).

    The vendor prefix (first three octets) of the template is kept, unless it is zero (a
    scrubbed capture), in which case a TP-Link prefix is used; the last three octets come from
    the device id, so each device has its own.
    """
    separator = ":" if ":" in template else ("-" if "-" in template else "")
    bare = template.replace(":", "").replace("-", "").upper()
    prefix = bare[:6] if len(bare) == 12 and bare[:6] != "000000" else "50C7BF"
    suffix = stable_hex("mac", device_id, length=6)
    octets = [(prefix + suffix)[i : i + 2] for i in range(0, 12, 2)]
    return separator.join(octets)
