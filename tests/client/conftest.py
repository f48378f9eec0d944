"""Fixtures of the client tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Never touch the real user's config dir (terminal id, token file), nor a set cloud URL."""
    path = tmp_path / "config"
    monkeypatch.setenv("KASACLOUD_CONFIG_DIR", str(path))
    monkeypatch.delenv("KASACLOUD_URL", raising=False)
    return path
