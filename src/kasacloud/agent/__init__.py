"""The agent: one poller within one request budget, feeding several outputs.

The outputs: Home Assistant (MQTT discovery), Prometheus (``/metrics``) and an energy history
(SQLite). ``kasacloud agent`` runs it; docs/integrations.md walks through it.
"""

from __future__ import annotations

from kasacloud.agent.config import AgentConfig, ConfigError, MqttConfig, load_config
from kasacloud.agent.history import HistoryStore, SqliteHistory
from kasacloud.agent.poller import Agent, AgentHealth, Command
from kasacloud.agent.runner import RunningAgent, serve

__all__ = [
    "Agent",
    "AgentConfig",
    "AgentHealth",
    "Command",
    "ConfigError",
    "HistoryStore",
    "MqttConfig",
    "RunningAgent",
    "SqliteHistory",
    "load_config",
    "serve",
]
