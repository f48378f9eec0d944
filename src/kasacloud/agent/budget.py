"""One request budget for everything the agent does, where a command jumps the queue.

A token bucket (``requests_per_minute`` on average, bursts of ``burst``): the poller, the history
back-fill and the commands from Home Assistant all draw from it, so the account never sees more
than the budget whatever is switched on. Waiters are served by priority, then by arrival: a
command waits at most for the requests already under way, never behind a queue of polls.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable

import anyio

COMMAND = 0
"""Priority of a command (served first)."""
POLL = 1
"""Priority of a state read, a device list or a history read."""


class RequestBudget:
    """``acquire(cost, priority)`` waits until ``cost`` requests may go."""

    def __init__(
        self,
        requests_per_minute: float,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate_per_s = requests_per_minute / 60.0
        self.burst = float(burst if burst is not None else max(1, int(requests_per_minute // 3)))
        self._clock = clock
        self._tokens = self.burst
        self._updated = clock()
        self._waiters: list[tuple[int, int]] = []
        self._order = itertools.count()
        self._changed = anyio.Event()
        self.waited_s = 0.0
        """Seconds spent waiting for the budget, in total."""

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate_per_s)
        self._updated = now

    def _signal(self) -> None:
        """Wake every waiter to look again (the queue's head or the tokens changed)."""
        self._changed.set()
        self._changed = anyio.Event()

    async def acquire(self, cost: int = 1, priority: int = POLL) -> None:
        """Wait for ``cost`` requests' worth of budget (more than ``burst``: the burst)."""
        need = min(float(max(1, cost)), self.burst)
        ticket = (priority, next(self._order))
        heapq.heappush(self._waiters, ticket)
        self._signal()  # a more urgent newcomer takes the head's place
        started = self._clock()
        try:
            while True:
                self._refill()
                first = self._waiters[0] is ticket
                if first and self._tokens >= need:
                    self._tokens -= need
                    return
                changed = self._changed
                if first:
                    # a timed wait: when the tokens are there is known
                    with anyio.move_on_after((need - self._tokens) / self.rate_per_s):
                        await changed.wait()
                else:
                    await changed.wait()
        finally:
            self._waiters.remove(ticket)
            heapq.heapify(self._waiters)
            self.waited_s += self._clock() - started
            self._signal()
