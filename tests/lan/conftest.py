"""Fixtures of the LAN tests: free loopback ports, and processes that are always stopped."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from lan_helpers import SimulateProcess, free_port


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
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(s)
            s.bind(("127.255.255.255", port))
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


@pytest.fixture
def simulate() -> Iterator[Callable[..., SimulateProcess]]:
    """Start ``kasacloud simulate ARGS...``; every process started is stopped at the end."""
    started: list[SimulateProcess] = []

    def start(*args: str) -> SimulateProcess:
        process = SimulateProcess(*args)
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.stop()
