"""Fixtures of the LAN tests: free loopback ports, and processes that are always stopped."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest


def free_port(host: str = "127.0.0.1") -> int:
    """A port free for both TCP and UDP on ``host`` (asked of the kernel, then released)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind((host, 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((host, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port found")


@pytest.fixture
def lan_port() -> Iterator[int]:
    """A port free on 127.0.0.2..127.0.0.9 and on the loopback broadcast address."""
    for _ in range(50):
        port = free_port("127.0.0.2")
        socks = []
        try:
            for host in [f"127.0.0.{i}" for i in range(2, 10)]:
                for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    s = socket.socket(socket.AF_INET, kind)
                    socks.append(s)
                    s.bind((host, port))
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
        yield port
        return
    raise RuntimeError("no free port found")


@pytest.fixture
def anyio_backend() -> str:
    """python-kasa and the LAN server are asyncio code."""
    return "asyncio"
