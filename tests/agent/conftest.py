"""Fixtures of the agent tests: a real local cloud, a signed-in client, a real Mosquitto."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from agent_helpers import DEMO, Broker, run_mosquitto, signed_in_client

from kasacloud import KasaCloud
from kasacloud.server import LocalCloud, ServerConfig


@pytest.fixture(autouse=True)
def private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real user's config or data dir, nor the real broker credentials."""
    monkeypatch.setenv("KASACLOUD_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("KASACLOUD_DATA_DIR", str(tmp_path / "data"))
    for name in ("KASACLOUD_URL", "KASACLOUD_MQTT_USERNAME", "KASACLOUD_MQTT_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def home() -> Iterator[LocalCloud]:
    """The demo house on a fresh cloud without rate limits (the agent polls fast in tests)."""
    config = ServerConfig(account_rate_limit=None, terminal_rate_limit=None)
    with LocalCloud(config=config) as cloud:
        yield cloud


@pytest.fixture
async def cloud(home: LocalCloud) -> AsyncIterator[KasaCloud]:
    async with signed_in_client(home.url) as client:
        await client.login(*DEMO)
        yield client


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    with run_mosquitto(tmp_path) as running:
        yield running
