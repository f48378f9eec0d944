"""The day-by-day counters: snapshots built incrementally equal snapshots built from scratch."""

from __future__ import annotations

import random
from datetime import date, timedelta

from kasacloud.sim.history import KEEP_DAYS, DailyHistory


def _from_scratch(history: DailyHistory) -> dict[str, dict[str, float]]:
    return {
        "days": {k: round(v, 4) for k, v in history.days.items()},
        "months": {k: round(v, 4) for k, v in history.months.items()},
    }


def test_snapshots_between_additions_match_a_full_rounding() -> None:
    rng = random.Random(7)
    history = DailyHistory()
    day = date(2026, 1, 1)
    taken = []
    for step in range(400):  # bounded; crosses months and the KEEP_DAYS pruning
        if rng.random() < 0.3:
            day += timedelta(days=1)
        history.add(day, rng.random() * 10)
        if step % 3 == 0:
            snapshot = history.snapshot()
            assert snapshot == _from_scratch(history)
            taken.append(snapshot)
    assert len(history.days) <= KEEP_DAYS + 1
    # A snapshot is the caller's: later additions do not change one already taken.
    first = taken[0]
    assert first != history.snapshot()
    assert sum(first["days"].values()) < sum(history.snapshot()["days"].values())


def test_direct_writes_and_clear_are_seen_after_invalidate() -> None:
    history = DailyHistory()
    history.add(date(2026, 3, 1), 1.0)
    history.snapshot()
    history.days["2026-03-02"] = 2.5
    history.months["2026-03"] += 2.5
    history.invalidate()
    assert history.snapshot() == _from_scratch(history)
    history.clear()
    assert history.snapshot() == {"days": {}, "months": {}}
