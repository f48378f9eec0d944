"""``kasacloud agent``, the real process: signs in with the stored session, stops on a signal."""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from agent_helpers import DEMO, Broker, free_port, run_mosquitto
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from kasacloud.cli.main import cli
from kasacloud.server import LocalCloud, ServerConfig

SECRET = "Br0ker-s3cret-for-the-test"


@pytest.fixture(scope="module")
def home() -> Iterator[LocalCloud]:
    with LocalCloud(config=ServerConfig(account_rate_limit=None, terminal_rate_limit=None)) as c:
        yield c


@pytest.fixture(scope="module")
def signed_in_dir(home: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("signed-in")
    env = {"KASACLOUD_CONFIG_DIR": str(directory), "KASA_PASSWORD": DEMO[1], "KASACLOUD_URL": None}
    result = CliRunner().invoke(cli, ["--cloud", home.url, "-u", DEMO[0], "login"], env=env)
    assert result.exit_code == 0, result.output
    return directory


def _env(config_dir: Path, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KASA_", "KASACLOUD_")) and k not in ("NO_COLOR", "FORCE_COLOR")
    }
    return {
        **env,
        "KASACLOUD_CONFIG_DIR": str(config_dir),
        "KASACLOUD_DATA_DIR": str(data_dir),
        **extra,
    }


class StderrReader:
    """Reads a process's stderr as it comes (raw reads: a buffered pipe hides lines from select)."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        self.proc = proc
        self.fd = proc.stderr.fileno()
        self.text = ""

    def until(self, wanted: str, deadline_s: float = 60) -> str:
        selector = selectors.DefaultSelector()
        selector.register(self.fd, selectors.EVENT_READ)
        end = time.monotonic() + deadline_s
        while wanted not in self.text and time.monotonic() < end:
            if not selector.select(timeout=max(0.0, end - time.monotonic())):
                break
            chunk = os.read(self.fd, 65536)
            if not chunk:
                break
            self.text += chunk.decode("utf-8", errors="replace")
        selector.close()
        if wanted not in self.text:
            self.proc.kill()
            raise AssertionError(f"never saw {wanted!r}:\n{self.text}")
        return self.text


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_the_agent_runs_signed_in_and_stops_cleanly_on_a_signal(
    home: LocalCloud, signed_in_dir: Path, tmp_path: Path, stop: signal.Signals
) -> None:
    port = free_port()
    with run_mosquitto(tmp_path) as broker:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "kasacloud", "agent",
                "--mqtt", f"mqtt://{broker.host}:{broker.port}",
                "--metrics", f"127.0.0.1:{port}",
            ],
            env=_env(signed_in_dir, tmp_path / "data", KASACLOUD_MQTT_PASSWORD=SECRET),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        reader = StderrReader(proc)
        try:
            banner = reader.until("MQTT: connected")
            assert f"Agent for {DEMO[0]} at {home.url}" in banner
            assert f"http://127.0.0.1:{port}/metrics" in banner
            assert str(tmp_path / "data" / "history.sqlite3") in banner
            reader.until("offline: Garage plug")  # the first listing is in
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
            names = {f.name for f in text_string_to_metric_families(text)}
            assert {"kasa_device_online", "kasa_power_watts", "kasa_device_info"} <= names
            proc.send_signal(stop)
            out_bytes, err_bytes = proc.communicate(timeout=60)
            out, err = out_bytes.decode(), reader.text + err_bytes.decode()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == 0, err
        assert out.strip() == "Agent stopped."
        assert "Traceback" not in err
        assert SECRET not in out + err
        assert _retained(broker, "kasacloud/bridge/availability") == b"offline"


def test_the_brokers_last_will_says_offline_when_the_agent_dies(
    home: LocalCloud, signed_in_dir: Path, tmp_path: Path
) -> None:
    with run_mosquitto(tmp_path) as broker:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kasacloud", "agent", "--no-history",
             "--mqtt", f"mqtt://{broker.host}:{broker.port}"],
            env=_env(signed_in_dir, tmp_path / "data"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            StderrReader(proc).until("MQTT: connected")
            assert _retained(broker, "kasacloud/bridge/availability") == b"online"
            proc.kill()  # no clean exit: only the broker can tell
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
        deadline = time.monotonic() + 30
        while _retained(broker, "kasacloud/bridge/availability") != b"offline":
            assert time.monotonic() < deadline, "the last will never came"
            time.sleep(0.2)


def _retained(broker: Broker, topic: str) -> bytes | None:
    import anyio
    from agent_helpers import watching

    async def read() -> bytes | None:
        async with watching(broker, topic) as watcher:
            return await watcher.wait_for(topic)

    return anyio.run(read)


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def _agent(config_dir: Path, data_dir: Path, *args: str) -> Ran:
    """``kasacloud agent ...`` in-process (these all end before any request)."""
    env = {"KASACLOUD_CONFIG_DIR": str(config_dir), "KASACLOUD_DATA_DIR": str(data_dir)}
    env |= {k: None for k in ("KASACLOUD_URL", "KASA_USERNAME", "KASA_PASSWORD")}  # type: ignore[misc]
    result = CliRunner().invoke(cli, ["agent", *args], env=env, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def test_bad_options_are_clear_errors_without_secrets(signed_in_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    nothing = _agent(signed_in_dir, data, "--no-history")
    assert nothing.returncode == 2
    assert "Nothing to feed" in nothing.stderr
    in_url = _agent(signed_in_dir, data, "--mqtt", f"mqtt://agent:{SECRET}@127.0.0.1:1883")
    assert in_url.returncode == 2
    assert SECRET not in in_url.stdout + in_url.stderr
    assert "KASACLOUD_MQTT_PASSWORD" in in_url.stderr
    bad_port = _agent(signed_in_dir, data, "--metrics", "127.0.0.1:99999")
    assert bad_port.returncode == 2
    assert "HOST:PORT" in bad_port.stderr
    config = tmp_path / "agent.toml"
    config.write_text("[poll]\nstate_interval_s = 0\n", encoding="utf-8")
    bad_config = _agent(signed_in_dir, data, "--config", str(config))
    assert bad_config.returncode == 2
    assert "state_interval_s must be a number above 0" in bad_config.stderr
    config.write_text("[mqtt]\nurl = 'mqtt://127.0.0.1'\nusr = 'x'\n", encoding="utf-8")
    typo = _agent(signed_in_dir, data, "--config", str(config))
    assert typo.returncode == 2
    assert "unknown key 'usr'" in typo.stderr
    config.write_text(
        f"[mqtt]\nurl = 'mqtt://127.0.0.1'\npassword = '{SECRET}'\n[metrics]\nlisten = ':99999'\n",
        encoding="utf-8",
    )
    config.chmod(0o644)
    readable = _agent(signed_in_dir, data, "--config", str(config))
    assert readable.returncode == 2
    assert f"chmod 600 {config}" in readable.stderr
    assert SECRET not in readable.stderr
    for run in (nothing, in_url, bad_port, bad_config, typo, readable):
        assert "Traceback" not in run.stderr


def test_not_signed_in_says_what_to_do(home: LocalCloud, tmp_path: Path) -> None:
    run = _agent(tmp_path / "empty", tmp_path / "data", "--metrics", "127.0.0.1:0")
    assert run.returncode == 3
    assert "kasacloud login" in run.stderr


def test_demo_with_the_agent_feeds_a_local_broker_and_metrics(tmp_path: Path) -> None:
    from agent_helpers import require_tool

    require_tool("mosquitto", "mosquitto")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kasacloud", "demo", "--agent", "--port", "0", "--no-web"],
        env=_env(tmp_path / "config", tmp_path / "data"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = []
        for line in proc.stdout:
            banner.append(line)
            if "Ctrl-C" in line:
                break
        text = "".join(banner)
        mqtt_line = next(line for line in banner if "MQTT:" in line)
        port = int(mqtt_line.split("mqtt://127.0.0.1:")[1].split()[0])
        metrics_url = next(line for line in banner if "Metrics:" in line).split()[-1]
        assert "kasacloud demo is running" in text
        broker = Broker("127.0.0.1", port, proc, tmp_path / "none")  # type: ignore[arg-type]
        assert _retained(broker, "kasacloud/bridge/availability") == b"online"
        deadline = time.monotonic() + 60
        names: set[str] = set()
        while "kasa_power_watts" not in names and time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                text = httpx.get(metrics_url, timeout=5).text
                names = {f.name for f in text_string_to_metric_families(text)}
            time.sleep(0.2)
        assert "kasa_power_watts" in names
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "stopped" in out
