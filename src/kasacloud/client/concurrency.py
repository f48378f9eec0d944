"""Running several sub-requests at once, so that their failures come out as one typed error.

A task group reports failures as an ``ExceptionGroup``, which ``except KasaCloudError`` does not
catch. :func:`gather` runs awaitables concurrently (optionally at most ``limit`` at a time) and,
when any fails, stops the rest and raises *one* exception: the first failure (in the order the
calls were given), its message saying how many failed, the others kept as notes and as its
``__cause__``. Cancellation from outside passes through untouched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import anyio

from kasacloud.client.errors import KasaCloudError

T = TypeVar("T")

__all__ = ["gather"]


async def gather(
    calls: Sequence[Callable[[], Awaitable[T]]], *, limit: int | None = None
) -> list[T]:
    """Run every ``call()`` concurrently and return their results in order.

    Args:
        calls: functions of no arguments, each returning an awaitable (e.g.
            ``functools.partial(device.update)`` or a bound coroutine method).
        limit: at most this many in flight at once (``None``: all at once). With a limit only that
            many tasks exist, which keeps a fan-out over thousands of devices small in memory.

    Raises:
        The first failure (by position in ``calls``) after all started calls stopped. When
        several failed, a :class:`KasaCloudError` gets ``"N of M sub-requests failed; first: ..."``
        as its message; every failure other than the first is added as a note and the others form
        its ``__cause__`` (one exception, or an ``ExceptionGroup`` of them, which is never raised
        itself). A failure is never wrapped in an ``ExceptionGroup``.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit!r}")
    count = len(calls)
    results: list[T | None] = [None] * count
    failures: dict[int, Exception] = {}
    if count == 0:
        return []

    async with anyio.create_task_group() as tg:

        async def run(i: int) -> None:
            try:
                results[i] = await calls[i]()
            except Exception as exc:  # collected, re-raised below, never lost
                failures[i] = exc
                tg.cancel_scope.cancel()  # fail fast: no new sub-requests for a failed call

        if limit is None or limit >= count:
            for i in range(count):
                tg.start_soon(run, i)
        else:
            positions = iter(range(count))

            async def worker() -> None:
                # shared iterator: each worker takes the next position until none is left
                for i in positions:
                    await run(i)

            for _ in range(limit):
                tg.start_soon(worker)

    if failures:
        raise _one_error(failures, count)
    return results  # type: ignore[return-value]  # every slot is filled when nothing failed


def _one_error(failures: dict[int, Exception], count: int) -> Exception:
    ordered = [failures[i] for i in sorted(failures)]
    first, others = ordered[0], ordered[1:]
    if not others:
        return first
    if isinstance(first, KasaCloudError):
        first.message = f"{len(ordered)} of {count} sub-requests failed; first: {first.message}"
    for other in others:
        first.add_note(f"also failed: {type(other).__name__}: {other}")
    # the cause is what a traceback shows under "The above exception was the direct cause"
    first.__cause__ = (
        others[0]
        if len(others) == 1
        else ExceptionGroup(f"the other {len(others)} failures", others)
    )
    return first
