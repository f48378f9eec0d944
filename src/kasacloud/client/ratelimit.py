"""A client-side token bucket, so that a fan-out over many devices stays under the cloud's limit."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import anyio

from kasacloud.client.errors import InvalidArgumentError


class RateLimiter:
    """At most ``rate_per_s`` requests per second on average, with bursts of up to ``burst``.

    ``acquire()`` waits until a request may go. Waiters are served in arrival order (one lock), so
    a large fan-out drains evenly instead of stampeding. ``rate_per_s=math.inf`` disables it.
    """

    def __init__(
        self,
        rate_per_s: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_s <= 0:
            raise InvalidArgumentError("rate_per_s must be positive (math.inf: no limit)")
        if burst < 1:
            raise InvalidArgumentError("burst must be at least 1")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()
        self._lock = anyio.Lock()

    @property
    def unlimited(self) -> bool:
        """Whether the limiter lets everything through."""
        return math.isinf(self.rate_per_s)

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate_per_s)
        self._updated = now

    def try_acquire(self) -> float:
        """Take a token if one is there and return 0, else return the seconds until one is."""
        if self.unlimited:
            return 0.0
        self._refill()
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.rate_per_s

    async def acquire(self) -> None:
        """Wait for a token."""
        if self.unlimited:
            return
        async with self._lock:
            # a timed wait: when the next token comes is known, there is no event to wait for
            wait = self.try_acquire()
            while wait > 0:
                await anyio.sleep(wait)
                wait = self.try_acquire()

    def __repr__(self) -> str:
        return f"RateLimiter(rate_per_s={self.rate_per_s}, burst={self.burst})"
