"""Addresses of LAN devices and the profile references the server records for bridged ones."""

from __future__ import annotations

from typing import Final

from kasacloud.protocol import lan as lan_protocol

PROFILE_PREFIX: Final = "lan:"
"""Profile references of bridged devices start with this: ``lan:127.0.0.2:9999``."""


class BridgeError(Exception):
    """Adoption failed: the device cannot be reached or read, or cannot be recorded."""


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
