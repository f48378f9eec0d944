"""The fan-out helper: results in order, a limit, and failures as one typed error, never a group."""

from __future__ import annotations

import functools

import anyio
import pytest

from kasacloud.client.concurrency import gather
from kasacloud.client.errors import CloudConnectionError, KasaCloudError, ProtocolError

pytestmark = pytest.mark.anyio


async def _value(v: int, *, delay_s: float = 0.0) -> int:
    await anyio.sleep(delay_s)
    return v


async def _fail(error: Exception, *, delay_s: float = 0.0) -> int:
    if delay_s:
        await anyio.sleep(delay_s)
    raise error


async def test_results_come_back_in_the_order_given() -> None:
    calls = [functools.partial(_value, i, delay_s=(5 - i) * 0.001) for i in range(6)]
    assert await gather(calls) == list(range(6))
    assert await gather(calls, limit=2) == list(range(6))
    assert await gather([]) == []


async def test_the_limit_bounds_how_many_run_at_once() -> None:
    running = peak = 0

    async def tracked() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await anyio.sleep(0.001)
        running -= 1

    await gather([tracked] * 20, limit=3)
    assert peak == 3
    with pytest.raises(ValueError, match="at least 1"):
        await gather([tracked], limit=0)


async def test_one_failure_is_raised_as_itself() -> None:
    error = ProtocolError("malformed")
    calls = [functools.partial(_value, 1), functools.partial(_fail, error)]
    with pytest.raises(ProtocolError) as info:
        await gather(calls)
    assert info.value is error
    assert str(info.value) == "malformed"
    assert not getattr(info.value, "__notes__", None)


async def test_several_failures_say_how_many_and_keep_the_others() -> None:
    first = CloudConnectionError("reset")
    second = ProtocolError("garbage")
    third = CloudConnectionError("dropped")
    # all three fail before any of them can cancel the others (no await between start and raise)
    calls = [
        functools.partial(_fail, first),
        functools.partial(_value, 2, delay_s=1),
        functools.partial(_fail, second),
        functools.partial(_fail, third),
    ]
    with pytest.raises(KasaCloudError) as info:
        await gather(calls)
    error = info.value
    assert error is first  # the first by position, of its own type
    assert str(error) == "3 of 4 sub-requests failed; first: reset"
    assert error.__notes__ == [
        "also failed: ProtocolError: garbage",
        "also failed: CloudConnectionError: dropped",
    ]
    assert isinstance(error.__cause__, ExceptionGroup)
    assert list(error.__cause__.exceptions) == [second, third]

    with pytest.raises(ProtocolError) as two:
        await gather(
            [functools.partial(_fail, ProtocolError("a", code=1)), functools.partial(_fail, third)]
        )
    assert two.value.__cause__ is third
    assert str(two.value) == "2 of 2 sub-requests failed; first: a (error 1)"


async def test_a_failure_stops_the_rest_and_cancellation_passes_through() -> None:
    finished: list[int] = []

    async def slow(i: int) -> None:
        await anyio.sleep(5)
        finished.append(i)

    with anyio.fail_after(4):  # a hang guard: the failure must cancel the 5 s sleeps
        with pytest.raises(ProtocolError):
            await gather(
                [*(functools.partial(slow, i) for i in range(3)),
                 functools.partial(_fail, ProtocolError("x"), delay_s=0.01)],
                limit=10,
            )  # fmt: skip
    assert finished == []

    with anyio.move_on_after(0.05) as scope:
        await gather([functools.partial(slow, i) for i in range(3)], limit=2)
    assert scope.cancelled_caught
    assert finished == []


async def test_a_bug_is_raised_as_itself_not_as_a_group() -> None:
    with pytest.raises(KeyError):
        await gather([functools.partial(_fail, KeyError("k")), functools.partial(_value, 1)])
