"""Helpers of the LAN tests: free loopback ports, `kasacloud simulate` and `kasa` as processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path


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


KASA = Path(sys.executable).with_name("kasa")
"""python-kasa's command, installed beside our interpreter (the test extra pulls it in)."""
START_TIMEOUT_S = 20.0


class SimulateProcess:
    """``kasacloud simulate`` in a child process; waits until it serves, always stopped."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self._ready = threading.Event()

    def start(self) -> SimulateProcess:
        self._ready.clear()
        self.lines = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kasacloud", "simulate", *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()
        if not self._ready.wait(START_TIMEOUT_S):
            self.stop()
            raise AssertionError(f"simulate did not start: {self.lines}")
        if self.proc.poll() is not None:
            raise AssertionError(f"simulate exited: {self.lines}")
        return self

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("Serving"):
                self._ready.set()
        self._ready.set()  # exited: let start() see it

    def kill(self) -> None:
        """Stop it the hard way, as a power cut would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> int | None:
        """Stop it as Ctrl-C would; return its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def __enter__(self) -> SimulateProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_kasa(*args: str, timeout_s: float = 60) -> subprocess.CompletedProcess[str]:
    """Run python-kasa's ``kasa`` command; fail the test (never skip) if it is missing."""
    assert KASA.exists(), f"python-kasa's kasa command is not at {KASA}"
    return subprocess.run(
        [str(KASA), *args], capture_output=True, text=True, timeout=timeout_s, check=False
    )


def private_address(index: int) -> str:
    """A loopback address of this test process's own (``127.A.B.index``, A and B from its pid).

    SMART discovery is UDP 20002 at the device's address, a port python-kasa fixes: two test
    runs on one machine must not share addresses, or one run's client finds the other's device.
    """
    if not 1 <= index <= 254:
        raise ValueError("index is 1..254")
    pid = os.getpid()
    return f"127.{16 + pid % 200}.{(pid // 200) % 250 + 1}.{index}"
