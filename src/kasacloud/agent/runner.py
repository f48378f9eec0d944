"""Wire the agent and its outputs together, and run them until stopped."""

from __future__ import annotations

import logging
import signal
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio

from kasacloud.agent.config import AgentConfig, ConfigError
from kasacloud.agent.history import HistoryRecorder, SqliteHistory
from kasacloud.agent.metrics import MetricsServer
from kasacloud.agent.mqtt import MqttBridge
from kasacloud.agent.poller import Agent
from kasacloud.client import KasaCloud

logger = logging.getLogger("kasacloud.agent")


@dataclass
class RunningAgent:
    """What :func:`serve` started, for the caller to look at (URLs, the agent itself)."""

    agent: Agent
    mqtt: MqttBridge | None = None
    metrics: MetricsServer | None = None
    history: SqliteHistory | None = None
    lines: list[str] = field(default_factory=list)
    """One line per output, saying where it is."""


async def serve(
    cloud: KasaCloud,
    config: AgentConfig,
    *,
    on_ready: Callable[[RunningAgent], None] | None = None,
    handle_signals: bool = True,
) -> None:
    """Run the agent with the outputs ``config`` turns on, until SIGTERM/SIGINT or cancelled."""
    store: SqliteHistory | None = None
    if config.history_path is not None:
        try:
            store = SqliteHistory(config.history_path)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"Cannot open the energy history {config.history_path}: {exc}."
            ) from None
    agent = Agent(cloud, config, history=HistoryRecorder(store) if store is not None else None)
    running = RunningAgent(agent, history=store)
    metrics: MetricsServer | None = None
    try:
        if store is not None:
            running.lines.append(f"Energy history: {store.path}")
        if config.metrics_host is not None:
            server = MetricsServer(agent, config.metrics_host, config.metrics_port)
            try:
                url = server.start()
            except OSError as exc:
                raise ConfigError(
                    f"Metrics: cannot listen on {config.metrics_host}:{config.metrics_port} "
                    f"({exc.strerror or exc}); choose another port."
                ) from None
            metrics = running.metrics = server
            running.lines.append(f"Prometheus metrics: {url}")
        async with anyio.create_task_group() as tg:
            if config.mqtt is not None:
                bridge = MqttBridge(config.mqtt, agent)
                agent.add_output(bridge)
                running.mqtt = bridge
                running.lines.append(
                    f"MQTT: {config.mqtt.url} (discovery prefix {config.mqtt.discovery_prefix}, "
                    f"topics {config.mqtt.base_topic}/...)"
                )
                await tg.start(bridge.run)
            if handle_signals:
                tg.start_soon(_stop_on_signal, tg.cancel_scope)
            await tg.start(agent.run)
            if on_ready is not None:
                on_ready(running)
    finally:
        if metrics is not None:
            metrics.stop()
        if store is not None:
            store.close()


async def _stop_on_signal(scope: anyio.CancelScope) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for signum in signals:
            logger.info("stopping (%s)", signal.Signals(signum).name)
            scope.cancel()
            return
