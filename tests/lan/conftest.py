"""Fixtures of the LAN tests: loopback only, free loopback ports, processes always stopped."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from guard import loopback_guard
from lan_helpers import SimulateProcess, free_port

GUARD_DIR = Path(__file__).parent / "guard"


@pytest.fixture(scope="session", autouse=True)
def loopback_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No LAN test, nor any process it starts, can send a packet outside 127.0.0.0/8.

    The guard wraps the socket calls in this process and, through ``guard/sitecustomize.py`` on
    ``PYTHONPATH``, in every Python process started from here (the simulator, ``kasacloud adopt``,
    python-kasa's ``kasa``).
    """
    log = tmp_path_factory.mktemp("loopback-guard") / "refused.txt"
    log.touch()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(loopback_guard.ENV, str(log))
        path = os.environ.get("PYTHONPATH")
        patch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(GUARD_DIR), path) if p))
        loopback_guard.install()
        yield


@pytest.fixture(autouse=True)
def nothing_left_loopback(loopback_only: None) -> Iterator[None]:
    """Fail a test during which something tried to reach beyond loopback (even if it coped)."""
    loopback_guard.take_violations()
    yield
    refused = loopback_guard.take_violations()
    assert not refused, f"tried to reach beyond 127.0.0.0/8: {refused}"


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
