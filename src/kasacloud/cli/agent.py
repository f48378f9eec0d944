"""``kasacloud agent``: poll the devices; feed Home Assistant, Prometheus and a history."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from kasacloud.cli.errors import usage_error
from kasacloud.cli.output import Message
from kasacloud.cli.redact import RedactingFilter
from kasacloud.cli.runner import command
from kasacloud.cli.session import signed_in
from kasacloud.cli.settings import Settings


def _log_to_stderr(current: Settings) -> logging.Handler:
    """The agent's reports (devices offline, rate limits, commands) on stderr, secrets masked."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    handler.addFilter(RedactingFilter(lambda: [current.password]))
    logger = logging.getLogger("kasacloud.agent")
    logger.setLevel(logging.DEBUG if current.debug else logging.INFO)
    logger.addHandler(handler)
    return handler


@command("agent")
@click.option(
    "--mqtt",
    "mqtt_url",
    metavar="URL",
    help="Publish to this MQTT broker for Home Assistant: mqtt://HOST:PORT or mqtts://HOST:PORT. "
    "Credentials: env KASACLOUD_MQTT_USERNAME/KASACLOUD_MQTT_PASSWORD or the config file.",
)
@click.option(
    "--mqtt-ca",
    "mqtt_ca",
    type=click.Path(dir_okay=False, path_type=Path),
    help="For mqtts://: the CA certificate (PEM) that signed the broker's certificate.",
)
@click.option(
    "--metrics",
    metavar="HOST:PORT",
    help="Serve Prometheus metrics at http://HOST:PORT/metrics (e.g. 127.0.0.1:9233).",
)
@click.option(
    "--history",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Record daily and monthly energy in this SQLite file [default: history.sqlite3 in the "
    "user data dir, where 'export' finds it].",
)
@click.option("--no-history", is_flag=True, help="Do not record the energy history.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A TOML file with [poll], [mqtt], [metrics] and [history] settings "
    "(docs/integrations.md).",
)
async def agent(
    current: Settings,
    mqtt_url: str | None,
    mqtt_ca: Path | None,
    metrics: str | None,
    history: Path | None,
    no_history: bool,
    config_path: Path | None,
) -> Message:
    """Run until stopped: poll the devices, feed MQTT (Home Assistant), Prometheus, a history.

    Polls within one request budget (device list every 30 min, state every 60 s by default;
    waits longer after the cloud's rate limit), signed in with the stored 'kasacloud login'
    session. Stop with Ctrl-C or SIGTERM.

    \b
    Examples:
      kasacloud agent --mqtt mqtt://127.0.0.1:1883
      kasacloud agent --metrics 127.0.0.1:9233 --no-history
      kasacloud agent --config ~/.config/kasacloud/agent.toml
    """  # noqa: D301 - "\b" is how click keeps the examples unwrapped
    from kasacloud.agent import ConfigError, RunningAgent, load_config, serve

    handler = _log_to_stderr(current)
    try:
        try:
            config = load_config(
                config_path,
                mqtt_url=mqtt_url,
                mqtt_ca_file=mqtt_ca,
                metrics=metrics,
                history=history,
                no_history=no_history,
            )
        except ConfigError as exc:
            raise usage_error(str(exc), hint="See 'kasacloud agent --help'.") from None
        if not config.outputs:
            raise usage_error(
                "Nothing to feed: the history is off and neither --mqtt nor --metrics is given.",
                hint="Add --mqtt mqtt://HOST:PORT and/or --metrics HOST:PORT.",
            )
        async with signed_in(current) as cloud:

            def ready(running: RunningAgent) -> None:
                click.echo(f"Agent for {cloud.username} at {cloud.url} (Ctrl-C to stop)", err=True)
                for line in running.lines:
                    click.echo(f"  {line}", err=True)

            try:
                await serve(cloud, config, on_ready=ready)
            except ConfigError as exc:
                raise usage_error(str(exc), hint="See 'kasacloud agent --help'.") from None
    finally:
        logging.getLogger("kasacloud.agent").removeHandler(handler)
    return Message("Agent stopped.", {"stopped": True})
