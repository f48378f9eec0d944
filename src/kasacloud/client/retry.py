"""When and how long to wait before trying again: pure, so that it can be tested without a clock.

Which errors are retried is not decided here but in the error table
(:data:`kasacloud.protocol.errors.ERRORS`, its :class:`~kasacloud.protocol.errors.Retry` column);
this module only turns "retry with backoff" into delays.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from kasacloud.client.errors import InvalidArgumentError
from kasacloud.protocol.errors import Retry


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounds of the client's automatic retries.

    Attributes:
        max_attempts: tries of one call in total (1 = never retry) for transient errors.
        base_delay_s: first backoff for transient errors (timeouts, connection failures, -20002).
        rate_limited_base_delay_s: first backoff after -20004 "API rate limit exceeded".
        max_delay_s: no single wait is longer than this.
        retry_offline: retry -20571 "Device is offline" too (off: an offline device rarely comes
            back within seconds, and a command should fail fast).
    """

    max_attempts: int = 3
    base_delay_s: float = 0.25
    rate_limited_base_delay_s: float = 2.0
    max_delay_s: float = 20.0
    retry_offline: bool = False

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise InvalidArgumentError("RetryPolicy.max_attempts must be at least 1")
        if self.base_delay_s < 0 or self.rate_limited_base_delay_s < 0 or self.max_delay_s < 0:
            raise InvalidArgumentError("RetryPolicy delays must not be negative")

    def retries(self, kind: Retry) -> bool:
        """Whether ``kind`` is retried with a backoff under this policy."""
        if kind is Retry.SLOW:
            return self.retry_offline
        return kind in (Retry.BACKOFF, Retry.LONG_BACKOFF)

    def delay_s(self, kind: Retry, attempt: int, rng: random.Random | None = None) -> float:
        """The wait before retry number ``attempt`` (1 = the first retry) after ``kind``.

        Exponential (base * 2^(attempt-1)), capped at ``max_delay_s``, with "equal jitter": a
        random value between half and all of it, so that many clients that failed together do not
        come back together.
        """
        if attempt < 1:
            raise InvalidArgumentError("attempt counts from 1")
        base = (
            self.rate_limited_base_delay_s
            if kind in (Retry.LONG_BACKOFF, Retry.SLOW)
            else self.base_delay_s
        )
        ceiling = min(self.max_delay_s, base * 2.0 ** (attempt - 1))
        r: float = (rng or random).random()
        return ceiling / 2 + r * ceiling / 2
