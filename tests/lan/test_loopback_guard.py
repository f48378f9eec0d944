"""The guard that keeps the LAN tests on loopback works, here and in the processes they start."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from guard import loopback_guard
from lan_helpers import run_kasa

OUTSIDE = ("192.0.2.1", 9999)  # TEST-NET-1: never routed, and the guard stops it before sending


def test_this_process_cannot_send_beyond_loopback():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        with pytest.raises(PermissionError):
            udp.sendto(b"{}", OUTSIDE)
        udp.sendto(b"{}", ("127.0.0.1", 9))  # loopback is fine
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp, pytest.raises(PermissionError):
        tcp.connect(OUTSIDE)
    with pytest.raises(PermissionError):
        socket.getaddrinfo("example.com", 80)
    refused = loopback_guard.take_violations()
    assert len(refused) == 3
    assert "192.0.2.1" in refused[0]


def test_child_processes_cannot_send_beyond_loopback():
    code = "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', %r)"
    child = subprocess.run(
        [sys.executable, "-c", code % (OUTSIDE,)], capture_output=True, text=True, check=False
    )
    assert child.returncode != 0
    assert "PermissionError" in child.stderr
    # python-kasa's command too: its discovery to a non-loopback host is stopped and recorded.
    kasa = run_kasa(
        "--host", OUTSIDE[0], "--port", "9999", "--discovery-timeout", "1", "state"
    )  # fmt: skip
    assert kasa.returncode != 0
    refused = loopback_guard.take_violations()
    assert len(refused) >= 2
    assert all("192.0.2.1" in line for line in refused)
