"""Fixtures for the simulated devices' tests."""

from __future__ import annotations

import pytest

from kasacloud.sim import SimClock

START_S = 1_710_504_000.0
"""2024-03-15 12:00 UTC: a fixed start, so that tests do not depend on today's date."""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> SimClock:
    """A frozen clock: time moves only by ``advance``."""
    return SimClock(start=START_S, speed=0)
