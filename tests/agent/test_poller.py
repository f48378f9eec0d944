"""The poller's budget, and what it survives: the rate limit, no cloud, a dead session."""

from __future__ import annotations

import logging
from pathlib import Path

import anyio
import pytest
from agent_helpers import DEMO, fast_config, free_port, running_agent, signed_in_client, until

from kasacloud import KasaCloud, MemoryTokenStore
from kasacloud.agent.budget import COMMAND, POLL, RequestBudget
from kasacloud.server import LocalCloud, ServerConfig
from kasacloud.server.config import RateLimit

pytestmark = pytest.mark.anyio


async def test_a_command_goes_before_polls_that_wait_for_the_budget() -> None:
    budget = RequestBudget(600, burst=1)  # one request per 0.1 s
    await budget.acquire(1, POLL)  # the burst is spent: everyone below waits
    order: list[str] = []

    async def take(name: str, priority: int) -> None:
        await budget.acquire(1, priority)
        order.append(name)

    async with anyio.create_task_group() as tg:
        tg.start_soon(take, "poll 1", POLL)
        await anyio.sleep(0.01)
        tg.start_soon(take, "poll 2", POLL)
        await anyio.sleep(0.01)
        tg.start_soon(take, "command", COMMAND)
    assert order == ["command", "poll 1", "poll 2"]
    assert budget.waited_s > 0


async def test_the_budget_bounds_the_requests() -> None:
    budget = RequestBudget(6000, burst=5)  # 100 per second after a burst of 5
    with anyio.fail_after(10):
        for _ in range(25):
            await budget.acquire(1, POLL)
    assert budget.waited_s > 0  # 20 of them had to wait for tokens


async def test_the_clouds_rate_limit_makes_the_agent_back_off_then_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "kasacloud.agent")
    config = ServerConfig(
        # room for two polls of the demo house (IOT and SMART devices) once the limit refills
        account_rate_limit=RateLimit(80, 60.0),
        terminal_rate_limit=None,
        address_rate_limit=None,
    )
    with LocalCloud(config=config) as home:
        home.clock.speed = 0  # the limit refills only when the test says
        async with signed_in_client(home.url) as cloud:
            await cloud.login(*DEMO)
            async with running_agent(cloud, fast_config()) as running:
                health = running.agent.health
                await until(lambda: health.rate_limit_waits >= 1)
                assert health.errors["-20004"] >= 1
                assert "rate limit" in caplog.text
                polls = health.polls
                home.clock.advance(3600)  # the limit refills
                await until(lambda: health.polls > polls + 1)
                assert health.backoff_s == 0.0
                online = [s.alias for s in running.agent.fleet.values() if s.online]
                assert "Kettle" in online


async def test_an_unreachable_cloud_is_reported_and_survived(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "kasacloud.agent")
    port = free_port()
    config = ServerConfig(account_rate_limit=None, terminal_rate_limit=None)
    home = LocalCloud(config=config, data_dir=tmp_path / "cloud", port=port).start()
    try:
        async with signed_in_client(home.url) as cloud:
            await cloud.login(*DEMO)
            async with running_agent(cloud, fast_config()) as running:
                agent = running.agent
                await until(lambda: agent.listed)
                kettle = next(d for d in agent.devices if d.alias == "Kettle")
                await anyio.to_thread.run_sync(home.stop)
                await until(lambda: not agent.fleet[kettle.device_id].online)
                assert "cannot be reached" in caplog.text
                assert sum(agent.health.errors.values()) >= 1
                home = LocalCloud(config=config, data_dir=tmp_path / "cloud", port=port)
                await anyio.to_thread.run_sync(home.start)
                await until(lambda: agent.fleet[kettle.device_id].online)
                assert "polling works again" in caplog.text
    finally:
        home.stop()


async def test_a_session_that_cannot_be_refreshed_is_reported_and_survived(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "kasacloud.agent")
    config = ServerConfig(account_rate_limit=None, terminal_rate_limit=None)
    with LocalCloud(config=config) as home:
        home.clock.speed = 0
        store = MemoryTokenStore()
        async with signed_in_client(home.url, token_store=store) as login:
            await login.login(*DEMO)
        # as 'kasacloud agent' runs: the stored session only, no password
        async with signed_in_client(home.url, token_store=store) as cloud:
            assert cloud.is_logged_in
            async with running_agent(cloud, fast_config()) as running:
                agent = running.agent
                await until(lambda: agent.listed)
                kettle = next(d for d in agent.devices if d.alias == "Kettle")
                home.clock.advance(200 * 86400)  # token and refresh token both expired
                await until(lambda: "run 'kasacloud login' again" in caplog.text)
                await until(lambda: not agent.fleet[kettle.device_id].online)
                assert agent.health.errors
                # the agent runs on; a new login brings it back
                await cloud.login(*DEMO)
                await until(lambda: agent.fleet[kettle.device_id].online)


async def test_between_intervals_the_agent_sends_nothing(
    home: LocalCloud, cloud: KasaCloud
) -> None:
    config = fast_config(state_interval_s=3600, device_list_interval_s=3600)
    async with running_agent(cloud, config) as running:
        await until(lambda: running.agent.listed)
        requests = cloud.stats.requests
        polls = running.agent.health.polls
        await anyio.sleep(1.0)  # a quiet second: the next read is an hour away
        assert cloud.stats.requests == requests
        assert running.agent.health.polls == polls == 1
        running.agent.poll_now()  # unless asked
        await until(lambda: running.agent.health.polls == 2)
        assert cloud.stats.requests > requests
