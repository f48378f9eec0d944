"""The agent's settings: defaults, the TOML config file, and the environment.

Example config file (every key optional)::

    [poll]
    device_list_interval_s = 1800   # the account's device list: every 30 minutes
    state_interval_s = 60           # every device's state and meter: every minute
    history_interval_s = 3600       # the meters' day and month totals: every hour
    requests_per_minute = 60        # the one budget every request of the agent shares

    [mqtt]
    url = "mqtt://127.0.0.1:1883"   # or mqtts://host:8883
    username = "kasacloud"          # or $KASACLOUD_MQTT_USERNAME
    password = "..."                # or $KASACLOUD_MQTT_PASSWORD (never on the command line)
    ca_file = "/etc/ssl/my-ca.pem"  # mqtts: the CA that signed the broker's certificate
    discovery_prefix = "homeassistant"
    base_topic = "kasacloud"

    [metrics]
    listen = "127.0.0.1:9233"

    [history]
    path = "~/.local/share/kasacloud/history.sqlite3"
    enabled = true
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import platformdirs

from kasacloud.client.secrets import Secret

DEVICE_LIST_INTERVAL_S: Final = 1800.0
"""The device list every 30 minutes, as the apps (and the HACS cloud integration) do."""
STATE_INTERVAL_S: Final = 60.0
"""State every 60 s: faster polling gets accounts rate limited (-20004) or blacklisted."""
HISTORY_INTERVAL_S: Final = 3600.0
REQUESTS_PER_MINUTE: Final = 60.0
MAX_BACKOFF_S: Final = 1800.0
"""The longest wait after repeated rate limits or an unreachable cloud."""
METRICS_PORT: Final = 9233
USERNAME_ENV: Final = "KASACLOUD_MQTT_USERNAME"
PASSWORD_ENV: Final = "KASACLOUD_MQTT_PASSWORD"  # noqa: S105 - the variable's name
DATA_DIR_ENV: Final = "KASACLOUD_DATA_DIR"
HISTORY_FILE: Final = "history.sqlite3"

logger = logging.getLogger("kasacloud.agent")


class ConfigError(ValueError):
    """A setting is wrong; the message says which and what to do."""


def default_data_dir() -> Path:
    """``$KASACLOUD_DATA_DIR``, else the platform's user data directory for kasacloud."""
    explicit = os.environ.get(DATA_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_data_dir("kasacloud", appauthor=False))


def default_history_path() -> Path:
    """Where the energy history lives unless told otherwise (``export`` looks there too)."""
    return default_data_dir() / HISTORY_FILE


@dataclass(frozen=True)
class MqttConfig:
    """The broker and the topics."""

    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: Secret | None = None
    ca_file: Path | None = None
    discovery_prefix: str = "homeassistant"
    base_topic: str = "kasacloud"
    client_id: str = "kasacloud-agent"
    keepalive_s: int = 30

    @property
    def url(self) -> str:
        """The broker as a URL (no credentials)."""
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


@dataclass(frozen=True)
class AgentConfig:
    """Everything the agent runs with."""

    device_list_interval_s: float = DEVICE_LIST_INTERVAL_S
    state_interval_s: float = STATE_INTERVAL_S
    history_interval_s: float = HISTORY_INTERVAL_S
    requests_per_minute: float = REQUESTS_PER_MINUTE
    max_backoff_s: float = MAX_BACKOFF_S
    mqtt: MqttConfig | None = None
    metrics_host: str | None = None
    metrics_port: int = METRICS_PORT
    history_path: Path | None = field(default_factory=default_history_path)

    def __post_init__(self) -> None:
        for name in (
            "device_list_interval_s",
            "state_interval_s",
            "history_interval_s",
            "requests_per_minute",
            "max_backoff_s",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"{name} must be a number above 0, got {value!r}.")

    @property
    def outputs(self) -> list[str]:
        """The outputs that are on: ``mqtt``, ``metrics``, ``history``."""
        names = []
        if self.mqtt is not None:
            names.append("mqtt")
        if self.metrics_host is not None:
            names.append("metrics")
        if self.history_path is not None:
            names.append("history")
        return names


def parse_mqtt_url(
    url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    ca_file: str | Path | None = None,
    **topics: Any,
) -> MqttConfig:
    """``mqtt://HOST[:PORT]`` or ``mqtts://HOST[:PORT]``; credentials never from the URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("mqtt", "mqtts"):
        raise ConfigError(
            f"MQTT broker {url!r}: the URL must start with mqtt:// or mqtts://, "
            "e.g. mqtt://127.0.0.1:1883."
        )
    if parts.username or parts.password:
        raise ConfigError(
            "MQTT broker URL: leave the user name and password out of it (a command line is "
            f"visible to every user); set {USERNAME_ENV} and {PASSWORD_ENV}, or [mqtt] username "
            "and password in the config file."
        )
    if not parts.hostname:
        raise ConfigError(f"MQTT broker {url!r} names no host, e.g. mqtt://127.0.0.1:1883.")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(f"MQTT broker {url!r}: the port must be 1 to 65535.") from None
    tls = parts.scheme == "mqtts"
    ca = Path(ca_file).expanduser() if ca_file else None
    if ca is not None and not ca.is_file():
        raise ConfigError(f"MQTT CA file {ca} does not exist (ca_file / --mqtt-ca).")
    if ca is not None and not tls:
        raise ConfigError("A CA file is only used with mqtts:// (TLS); use an mqtts:// URL.")
    user = os.environ.get(USERNAME_ENV) or username
    secret = os.environ.get(PASSWORD_ENV) or password
    return MqttConfig(
        host=unquote(parts.hostname),
        port=port or (8883 if tls else 1883),
        tls=tls,
        username=user or None,
        password=Secret(secret) if secret else None,
        ca_file=ca,
        **{k: v for k, v in topics.items() if v is not None},
    )


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``:PORT``, or ``PORT``) for the metrics endpoint."""
    text = value.strip()
    host, _, port_text = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ConfigError(
            f"metrics address {value!r}: give HOST:PORT with a port of 0 to 65535, "
            "e.g. 127.0.0.1:9233."
        )
    return host, int(port_text)


_POLL_KEYS: Final = (
    "device_list_interval_s",
    "state_interval_s",
    "history_interval_s",
    "requests_per_minute",
    "max_backoff_s",
)


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"[{name}] in the config file must be a table.")
    return value


def _check_keys(table: dict[str, Any], name: str, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ConfigError(
            f"[{name}] in the config file: unknown key {unknown[0]!r}; known: {', '.join(allowed)}."
        )


def load_config(
    path: Path | None = None,
    *,
    mqtt_url: str | None = None,
    mqtt_ca_file: Path | None = None,
    metrics: str | None = None,
    history: Path | None = None,
    no_history: bool = False,
) -> AgentConfig:
    """The config file (if any) with the command line's options on top."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"Config file {path} does not exist.") from None
        except OSError as exc:
            raise ConfigError(f"Cannot read config file {path}: {exc.strerror or exc}.") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"Config file {path} is not valid TOML: {exc}.") from None
    unknown = sorted(set(data) - {"poll", "mqtt", "metrics", "history"})
    if unknown:
        raise ConfigError(
            f"Config file: unknown table [{unknown[0]}]; known: poll, mqtt, metrics, history."
        )
    poll = _table(data, "poll")
    _check_keys(poll, "poll", _POLL_KEYS)
    mqtt_table = _table(data, "mqtt")
    _check_keys(
        mqtt_table,
        "mqtt",
        ("url", "username", "password", "ca_file", "discovery_prefix", "base_topic", "client_id"),
    )
    metrics_table = _table(data, "metrics")
    _check_keys(metrics_table, "metrics", ("listen",))
    history_table = _table(data, "history")
    _check_keys(history_table, "history", ("path", "enabled"))

    if mqtt_table.get("password") and path is not None and path.stat().st_mode & 0o077:
        logger.warning(
            "%s holds the broker's password and others can read it: chmod 600 %s", path, path
        )
    mqtt: MqttConfig | None = None
    url = mqtt_url or mqtt_table.get("url")
    if url:
        mqtt = parse_mqtt_url(
            str(url),
            username=mqtt_table.get("username"),
            password=mqtt_table.get("password"),
            ca_file=mqtt_ca_file or mqtt_table.get("ca_file"),
            discovery_prefix=mqtt_table.get("discovery_prefix"),
            base_topic=mqtt_table.get("base_topic"),
            client_id=mqtt_table.get("client_id"),
        )
    metrics_host: str | None = None
    metrics_port = METRICS_PORT
    listen = metrics or metrics_table.get("listen")
    if listen:
        metrics_host, metrics_port = parse_listen(str(listen))
    history_path: Path | None = default_history_path()
    if history is not None:
        history_path = history
    elif history_table.get("path"):
        history_path = Path(str(history_table["path"])).expanduser()
    if no_history or history_table.get("enabled") is False:
        history_path = None
    try:
        return dataclasses.replace(
            AgentConfig(),
            **{k: poll[k] for k in _POLL_KEYS if k in poll},
            mqtt=mqtt,
            metrics_host=metrics_host,
            metrics_port=metrics_port,
            history_path=history_path,
        )
    except ConfigError as exc:
        raise ConfigError(f"[poll] in the config file: {exc}") from None
