"""The agent in ``kasacloud demo --agent``: a local Mosquitto (when installed) and the agent.

Both run as child processes for the demo's lifetime, in a temporary directory (the broker's
config, the agent's log and energy history), and stop with it.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

START_S = 10.0


def find_mosquitto() -> str | None:
    """Mosquitto's path: on PATH, or in /usr/sbin where Debian puts it."""
    found = shutil.which("mosquitto")
    if found:
        return found
    for folder in ("/usr/sbin", "/usr/local/sbin"):
        path = Path(folder) / "mosquitto"
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _start_mosquitto(binary: str, directory: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Mosquitto on a free loopback port, anonymous (it listens on 127.0.0.1 only)."""
    port = _free_port()
    conf = directory / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        f"user {getpass.getuser()}\nlog_dest file {directory / 'mosquitto.log'}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(  # noqa: S603 - our own config file, a fixed binary
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return process, port
        time.sleep(0.05)
    _stop(process)
    raise RuntimeError(f"Mosquitto did not start (see {directory / 'mosquitto.log'})")


@contextlib.contextmanager
def demo_agent(config_dir: Path, history_file: Path | None = None) -> Iterator[list[str]]:
    """Run the broker (if installed) and ``kasacloud agent``; yield the banner's lines.

    ``history_file``: where the agent records energy (the demo's dashboard reads it there);
    ``None``: in the agent's own temporary directory.
    """
    with (
        tempfile.TemporaryDirectory(prefix="kasacloud-agent-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        directory = Path(tmp)
        lines: list[str] = []
        args = [sys.executable, "-m", "kasacloud", "agent"]
        binary = find_mosquitto()
        if binary is not None:
            broker, port = _start_mosquitto(binary, directory)
            stack.callback(_stop, broker)
            args += ["--mqtt", f"mqtt://127.0.0.1:{port}"]
            lines.append(
                f"  MQTT:       mqtt://127.0.0.1:{port} (a local Mosquitto, for Home Assistant)"
            )
        else:
            lines.append("  MQTT:       (Mosquitto is not installed: 'apt-get install mosquitto')")
        metrics_port = _free_port()
        args += ["--metrics", f"127.0.0.1:{metrics_port}"]
        args += ["--history", str(history_file or directory / "history.sqlite3")]
        env = {**os.environ, "KASACLOUD_CONFIG_DIR": str(config_dir)}
        log = stack.enter_context((directory / "agent.log").open("wb"))
        agent = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=log)  # noqa: S603
        stack.callback(_stop, agent)
        lines.append(f"  Metrics:    http://127.0.0.1:{metrics_port}/metrics")
        lines.append(f"  Agent log:  {directory / 'agent.log'}")
        yield lines
