"""``kasacloud demo``: the local cloud with the demo house, the dashboard, and a signed-in CLI.

It reuses :class:`kasacloud.server.LocalCloud` (the same server ``kasacloud serve`` runs) and the
dashboard's :class:`~kasacloud.web.serve.DashboardServer`, signs the CLI in to the demo account
(the profile that was there before comes back at exit; tokens are kept per cloud, so a real
session is not touched), prints what to try from another terminal, and runs until Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import anyio
import click

from kasacloud.cli import output
from kasacloud.cli.runner import run_view, settings
from kasacloud.cli.session import make_cloud
from kasacloud.cli.settings import PROFILE_FILE, Profile, Settings
from kasacloud.server import LocalCloud

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo"  # noqa: S105 - the demo account's password is public on purpose
MFA_EMAIL = "mfa@example.com"
CLOUD_PORT = 8080
DASHBOARD_PORT = 8000

TRY = (
    "kasacloud devices",
    "kasacloud info Kettle",
    'kasacloud on "Hall lamp"',
    "kasacloud toggle office --outlet 2",
    "kasacloud energy Fridge",
    "kasacloud energy Kettle --day {month}",
    'kasacloud light "Living room bulb" --hsv 240 100 80 --transition 1000',
    "kasacloud countdown add Kettle --delay 10m --action off",
    "kasacloud export --output energy.csv",
    "kasacloud --json devices",
)


@contextlib.contextmanager
def _dashboard(cloud_url: str, enabled: bool, port: int) -> Iterator[str | None]:
    """The dashboard in a thread, if it is installed and wanted; yields its URL (or None)."""
    if not enabled:
        yield None
        return
    try:
        from kasacloud.web.serve import DashboardServer
    except ImportError:
        yield None
        return
    hint = f"Demo account: {DEMO_EMAIL}, password {DEMO_PASSWORD!r}"
    try:
        dashboard = DashboardServer(cloud_url, port=port, signin_hint=hint).start()
    except OSError:
        if not port:
            raise
        output.note(f"Port {port} is taken; the dashboard takes a free port instead.")
        dashboard = DashboardServer(cloud_url, port=0, signin_hint=hint).start()
    try:
        yield dashboard.url
    finally:
        dashboard.stop()


def _start_cloud(data_dir: Path | None, port: int) -> LocalCloud:
    """The demo cloud on ``port``, or on a free port when that one is taken."""
    try:
        return LocalCloud(data_dir=data_dir, port=port).start()
    except OSError:
        if not port:
            raise
        output.note(f"Port {port} is taken; the demo cloud takes a free port instead.")
        return LocalCloud(data_dir=data_dir, port=0).start()


def _command_name() -> str:
    """How to run ``kasacloud`` from another terminal: bare when it is on PATH, else its path.

    ``python3 dev.py demo`` runs from a virtualenv that is not on the user's PATH.
    """
    script = Path(sys.executable).parent / "kasacloud"
    on_path = shutil.which("kasacloud")
    if script.exists() and (on_path is None or Path(on_path).resolve() != script.resolve()):
        with contextlib.suppress(ValueError):  # another drive on Windows
            return shlex.quote(os.path.relpath(script))
        return shlex.quote(str(script))
    return "kasacloud"


@contextlib.contextmanager
def _profile_restored(directory: Path) -> Iterator[None]:
    """Put the profile back as it was (or remove it) when the demo ends."""
    path = directory / PROFILE_FILE
    before = path.read_bytes() if path.exists() else None
    try:
        yield
    finally:
        if before is None:
            Profile.remove(directory)
        else:
            path.write_bytes(before)


def _stop_on_sigterm() -> None:
    """SIGTERM stops the demo as Ctrl-C does (clean shutdown, profile restored)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not the main thread (embedded use)
        signal.signal(signal.SIGTERM, handler)


def _banner(current: Settings, cloud_url: str, dashboard_url: str | None) -> str:
    import datetime as dt

    month = dt.date.today().strftime("%Y-%m")
    setup = []
    if current.config_dir is not None:  # the CLI was signed in there, not in the default place
        setup = [f"  export KASACLOUD_CONFIG_DIR={shlex.quote(str(current.config_dir))}"]
    command = _command_name()
    lines = [
        "kasacloud demo is running.",
        "",
        f"  Cloud:      {cloud_url}",
        f"  Dashboard:  {dashboard_url or '(not available)'}",
        f"  Account:    {DEMO_EMAIL}, password {DEMO_PASSWORD!r} (signed in for the CLI)",
        f"              {MFA_EMAIL} has 2-step verification (same password)",
        "",
        "Try, from another terminal:",
        *setup,
        *(f"  {command}{line.format(month=month).removeprefix('kasacloud')}" for line in TRY),
        "",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


@click.command("demo")
@click.option("--no-web", is_flag=True, help="Do not start the dashboard.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=CLOUD_PORT,
    show_default=True,
    help="The demo cloud's port (a free one when taken; 0: any free port).",
)
@click.option(
    "--web-port",
    type=click.IntRange(0, 65535),
    default=DASHBOARD_PORT,
    show_default=True,
    help="The dashboard's port (a free one when taken; 0: any free port).",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the demo cloud's state here between runs [default: a temporary dir].",
)
@click.option(
    "--agent",
    "with_agent",
    is_flag=True,
    help="Also run 'kasacloud agent': Prometheus metrics, and MQTT for Home Assistant through "
    "a local Mosquitto when it is installed.",
)
def demo(no_web: bool, port: int, web_port: int, data_dir: Path | None, with_agent: bool) -> None:
    """Run the local cloud with the demo house, the dashboard, and a signed-in CLI, until Ctrl-C."""
    current = settings()

    def produce() -> Any:
        _stop_on_sigterm()
        cloud = _start_cloud(data_dir, port)
        with contextlib.ExitStack() as stack:
            stack.callback(cloud.stop)
            stack.enter_context(_profile_restored(current.directory))
            demo_settings = Settings(
                cloud_url=cloud.url,
                protocol=current.protocol,
                timeout_s=current.timeout_s,
                config_dir=current.config_dir,
            )

            async def sign_in() -> None:
                async with make_cloud(demo_settings) as client:
                    tokens = await client.login(DEMO_EMAIL, DEMO_PASSWORD)
                Profile(cloud.url, tokens.username, demo_settings.effective_protocol()).save(
                    current.directory
                )

            anyio.run(sign_in)
            if with_agent:
                from kasacloud.agent.demo import demo_agent

                agent_lines = stack.enter_context(demo_agent(current.directory))
                click.echo("\n".join(["The agent (kasacloud agent) is running:", *agent_lines, ""]))
            with _dashboard(cloud.url, not no_web, web_port) as dashboard_url:
                click.echo(_banner(current, cloud.url, dashboard_url))
                try:
                    threading.Event().wait()
                except KeyboardInterrupt:
                    output.note("Stopping the demo ...")
        click.echo("kasacloud demo: stopped.")
        return None

    run_view(current, produce)
