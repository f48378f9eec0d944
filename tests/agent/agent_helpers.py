"""Helpers of the agent tests: a real Mosquitto per test, an MQTT watcher, a running agent.

Mosquitto (Debian's ``mosquitto``) is started on a free loopback port from a config file written
to the test's tmp dir; without it the tests skip with the reason on a developer's machine and fail
in CI (``.ci/run`` installs it).
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt
import anyio
import pytest

from kasacloud import KasaCloud
from kasacloud.agent import AgentConfig, MqttConfig, RunningAgent, serve
from kasacloud.client.retry import RetryPolicy

DEMO = ("demo@example.com", "demo")
FAST_RETRY = RetryPolicy(max_attempts=3, base_delay_s=0.01, rate_limited_base_delay_s=0.01)
WAIT_S = 20.0
"""The longest any test waits for a message (a deadline, not a timing assertion)."""


def find_tool(name: str) -> str | None:
    """A program on PATH, or in /usr/sbin (where Debian puts mosquitto)."""
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/sbin", "/usr/local/sbin"):
        path = Path(folder) / name
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    return None


def require_tool(name: str, package: str) -> str:
    """The tool's path; skip (developer machine) or fail (CI) without it."""
    path = find_tool(name)
    if path is None:
        message = f"{name} is not installed (apt-get install {package}); .ci/run installs it"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Broker:
    host: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def mqtt(self, **kwargs: Any) -> MqttConfig:
        kwargs.setdefault("client_id", f"kasacloud-test-{uuid.uuid4().hex[:8]}")
        return MqttConfig(host=self.host, port=self.port, **kwargs)


@contextlib.contextmanager
def run_mosquitto(
    tmp_path: Path, extra: str = "", *, port: int | None = None, anonymous: bool = True
) -> Iterator[Broker]:
    binary = require_tool("mosquitto", "mosquitto")
    tmp_path.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    conf = tmp_path / "mosquitto.conf"
    log = tmp_path / "mosquitto.log"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous {str(anonymous).lower()}\n"
        "persistence false\n"
        # as root, mosquitto drops to user "mosquitto", who cannot read the test's tmp dir
        f"user {getpass.getuser()}\n"
        f"log_dest file {log}\n{extra}",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None:
                err = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(
                    f"mosquitto exited: {err} {log.read_text() if log.exists() else ''}"
                )
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("mosquitto did not start listening within 10 s")
            time.sleep(0.05)
        yield Broker("127.0.0.1", port, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if process.stderr:
            process.stderr.close()


@dataclass
class Watcher:
    """Subscribes to everything and keeps each topic's messages (payload, retained flag)."""

    client: aiomqtt.Client
    messages: dict[str, list[bytes]] = field(default_factory=dict)
    _changed: anyio.Event = field(default_factory=anyio.Event)

    def last(self, topic: str) -> bytes | None:
        values = self.messages.get(topic)
        return values[-1] if values else None

    def json(self, topic: str) -> Any:
        payload = self.last(topic)
        assert payload, f"nothing on {topic}"
        return json.loads(payload)

    async def wait_for(
        self, topic: str, predicate: Callable[[bytes], bool] = bool, within_s: float = WAIT_S
    ) -> bytes:
        """The first (latest) payload on ``topic`` that satisfies ``predicate``."""
        with anyio.fail_after(within_s):
            while True:
                payload = self.last(topic)
                if payload is not None and predicate(payload):
                    return payload
                changed = self._changed
                await changed.wait()

    async def wait_json(
        self, topic: str, predicate: Callable[[Any], bool], within_s: float = WAIT_S
    ) -> Any:
        def check(payload: bytes) -> bool:
            try:
                return bool(payload) and bool(predicate(json.loads(payload)))
            except ValueError:
                return False

        return json.loads(await self.wait_for(topic, check, within_s))

    async def _pump(self) -> None:
        async for message in self.client.messages:
            payload = message.payload if isinstance(message.payload, bytes) else b""
            self.messages.setdefault(str(message.topic), []).append(payload)
            self._changed.set()
            self._changed = anyio.Event()

    async def publish(self, topic: str, payload: str | bytes, retain: bool = False) -> None:
        await self.client.publish(topic, payload, qos=1, retain=retain)


@contextlib.asynccontextmanager
async def watching(broker: Broker, topic: str = "#") -> AsyncIterator[Watcher]:
    async with aiomqtt.Client(
        broker.host, broker.port, identifier=f"watch-{uuid.uuid4().hex[:8]}"
    ) as client:
        watcher = Watcher(client)
        await client.subscribe(topic, qos=1)
        async with anyio.create_task_group() as tg:
            tg.start_soon(watcher._pump)
            yield watcher
            tg.cancel_scope.cancel()


def signed_in_client(url: str, **kwargs: Any) -> KasaCloud:
    kwargs.setdefault("terminal_id", str(uuid.uuid4()))
    return KasaCloud(url=url, retry=FAST_RETRY, **kwargs)


def fast_config(**kwargs: Any) -> AgentConfig:
    """A config for tests: quick intervals, a generous budget, history off unless given."""
    kwargs.setdefault("state_interval_s", 0.3)
    kwargs.setdefault("device_list_interval_s", 3600.0)
    kwargs.setdefault("history_interval_s", 3600.0)
    kwargs.setdefault("requests_per_minute", 60000.0)
    kwargs.setdefault("max_backoff_s", 1.0)
    kwargs.setdefault("history_path", None)
    return AgentConfig(**kwargs)


@contextlib.asynccontextmanager
async def running_agent(cloud: KasaCloud, config: AgentConfig) -> AsyncIterator[RunningAgent]:
    """The agent with its outputs, started and stopped (cancelled) around the block."""
    ready = anyio.Event()
    holder: list[RunningAgent] = []

    def on_ready(running: RunningAgent) -> None:
        holder.append(running)
        ready.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(lambda: serve(cloud, config, on_ready=on_ready, handle_signals=False))
        with anyio.fail_after(WAIT_S):
            await ready.wait()
        running = holder[0]
        try:
            yield running
        finally:
            tg.cancel_scope.cancel()


async def until(check: Callable[[], bool], within_s: float = WAIT_S) -> None:
    """Wait (bounded) until ``check()`` is true."""
    with anyio.fail_after(within_s):
        # polling: the condition belongs to code that has no event to wait on
        while not check():  # noqa: ASYNC110
            await anyio.sleep(0.05)
