"""Fixtures for the simulated devices' tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kasacloud.sim import SimClock

FIXTURES_DIR = Path(__file__).parents[2].parent / "shared" / "fixtures" / "kasa-iot"
"""python-kasa captures, beside the checkout (``../shared/fixtures/kasa-iot``)."""

START_S = 1_710_504_000.0
"""2024-03-15 12:00 UTC: a fixed start, so that tests do not depend on today's date."""


def capture_params() -> list[object]:
    """One pytest param per capture; a visible skip (or, on CI, a failure) when absent."""
    files = sorted(FIXTURES_DIR.glob("*.json")) if FIXTURES_DIR.is_dir() else []
    if files:
        return [pytest.param(f, id=f.stem) for f in files]
    reason = f"captures not found at {FIXTURES_DIR}"
    if os.environ.get("CI", "").lower() == "true":
        return [pytest.param(None, id="captures-missing")]
    return [pytest.param(None, id="captures-missing", marks=pytest.mark.skip(reason=reason))]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> SimClock:
    """A frozen clock: time moves only by ``advance``."""
    return SimClock(start=START_S, speed=0)
