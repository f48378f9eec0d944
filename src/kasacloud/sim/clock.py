"""The simulated clock: the only source of time for simulated devices."""

from __future__ import annotations

import threading
import time


class SimClock:
    """Epoch time that tests can run fast, freeze, or jump forward.

    ``now()`` is real elapsed time multiplied by ``speed``, plus every ``advance()`` so far,
    counted from ``start`` (default: the real time at construction). ``speed=0`` freezes the
    clock, which makes tests deterministic; ``advance(3600)`` then moves it one hour at once.
    Thread-safe: a server may read it on its own thread while a test advances it.

    >>> clock = SimClock(start=1_700_000_000.0, speed=0)
    >>> clock.advance(60)
    >>> clock.now()
    1700000060.0
    """

    def __init__(self, start: float | None = None, speed: float = 1.0) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._lock = threading.Lock()
        # Elapsed real time comes from the monotonic clock so that a change of the host's
        # wall clock does not make simulated time jump.
        self._real_anchor_s = time.monotonic()
        self._sim_anchor_s = time.time() if start is None else float(start)
        self._speed = float(speed)

    def now(self) -> float:
        """Simulated epoch seconds."""
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> float:
        return self._sim_anchor_s + (time.monotonic() - self._real_anchor_s) * self._speed

    def advance(self, seconds: float) -> None:
        """Jump forward by ``seconds`` of simulated time (never backwards)."""
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        with self._lock:
            self._sim_anchor_s += seconds

    @property
    def speed(self) -> float:
        """Simulated seconds per real second (0 = frozen)."""
        with self._lock:
            return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value < 0:
            raise ValueError("speed must be >= 0")
        with self._lock:
            # Re-anchor so that the time already elapsed keeps its old speed.
            self._sim_anchor_s = self._now_locked()
            self._real_anchor_s = time.monotonic()
            self._speed = float(value)
