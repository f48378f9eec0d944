"""Rate limits per account and per terminal: token buckets answering -20004 when empty."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kasacloud.protocol.errors import ErrorCode
from kasacloud.server.config import RateLimit
from kasacloud.server.faults import Fault


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """``limit.requests`` calls per ``limit.window_s`` per key, refilled evenly; None: unlimited."""

    def __init__(self, limit: RateLimit | None, now: Callable[[], float]) -> None:
        self._limit = limit
        self._now = now
        self._buckets: dict[str, _Bucket] = {}

    def hit(self, key: str) -> None:
        """Count one call for ``key``.

        Raises:
            Fault: -20004 when the key is over its limit.
        """
        limit = self._limit
        if limit is None:
            return
        now = self._now()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(limit.requests), now)
        else:
            elapsed = max(0.0, now - bucket.stamp)
            rate = limit.requests / limit.window_s
            bucket.tokens = min(float(limit.requests), bucket.tokens + elapsed * rate)
            bucket.stamp = now
        if bucket.tokens < 1.0:
            raise Fault(ErrorCode.RATE_LIMITED)
        bucket.tokens -= 1.0
        if len(self._buckets) > 100_000:
            self._forget_full(now)

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled completely (memory stays bounded)."""
        assert self._limit is not None
        window = self._limit.window_s
        for key in [k for k, b in self._buckets.items() if now - b.stamp > window]:
            del self._buckets[key]
