"""``kasacloud demo``: the local cloud with the demo house, the dashboard, and a signed-in CLI.

It reuses :class:`kasacloud.server.LocalCloud` (the same server ``kasacloud serve`` runs) and the
dashboard's :class:`~kasacloud.web.serve.DashboardServer`, signs the CLI in to the demo account in
a config dir of its own (never the user's: a killed demo leaves the user's session as it was),
prints what to try from a new shell, and runs until Ctrl-C, SIGTERM or SIGHUP.
"""

from __future__ import annotations

import contextlib
import shlex
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import anyio
import click

from kasacloud.cli import output
from kasacloud.cli.runner import run_view, settings
from kasacloud.cli.session import make_cloud
from kasacloud.cli.settings import Profile, Settings
from kasacloud.client.home import HOME_FILE
from kasacloud.server import LocalCloud
from kasacloud.server.accounts import MfaOutbox

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo"  # noqa: S105 - the demo account's password is public on purpose
MFA_EMAIL = "mfa@example.com"
CLOUD_PORT = 8080
DASHBOARD_PORT = 8000

TRY = (
    "kasacloud devices",
    "kasacloud info Kettle",
    'kasacloud on "Hall lamp" Kettle',
    "kasacloud toggle office --outlet 2",
    "kasacloud energy Fridge",
    "kasacloud energy Kettle --month {month}",
    'kasacloud light "Living room bulb" --hsv 240 100 80 --transition 1000',
    'kasacloud light "TV backlight" --effect aurora',
    "kasacloud countdown add Kettle --delay 10m --action off",
    "kasacloud export --output energy.csv",
    "kasacloud watch",
    "kasacloud --json devices",
)


@contextlib.contextmanager
def _dashboard(cloud_url: str, enabled: bool, port: int, dirs: DemoDirs) -> Iterator[str | None]:
    """The dashboard in a thread, if it is installed and wanted; yields its URL (or None).

    It shares the demo CLI's config dir (rooms, scenes, price: ``kasacloud group`` in the demo's
    shell shows on the page) and the demo agent's energy history.
    """
    if not enabled:
        yield None
        return
    try:
        from kasacloud.web.serve import DashboardServer
    except ImportError:
        yield None
        return
    hint = f"Demo account: {DEMO_EMAIL}, password {DEMO_PASSWORD!r}"
    options: dict[str, Any] = {
        "signin_hint": hint,
        "home_file": dirs.config / HOME_FILE,
        "history_file": dirs.history,
    }
    try:
        dashboard = DashboardServer(cloud_url, port=port, **options).start()
    except OSError:
        if not port:
            raise
        output.note(f"Port {port} is taken; the dashboard takes a free port instead.")
        dashboard = DashboardServer(cloud_url, port=0, **options).start()
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


def _command_lines() -> tuple[list[str], str]:
    """How to run ``kasacloud`` from a new shell: (setup lines, command name).

    A ``kasacloud`` installed for good (pipx's or pip's on the PATH) runs as it is. One that
    lives only in a virtualenv (``python3 dev.py demo``) needs the virtualenv's activation line in
    a new shell, given absolute so that it works from any directory.
    """
    script = Path(sys.executable).parent / "kasacloud"
    activate = script.parent / "activate"
    on_path = shutil.which("kasacloud")
    installed = on_path is not None and Path(on_path).resolve() == script.resolve()
    if installed and (Path(str(on_path)).parent != script.parent or not activate.exists()):
        return [], "kasacloud"  # a link on the PATH (pipx), or a system-wide install
    if not script.exists():
        return [], "kasacloud"
    if activate.exists():
        return [f"  . {shlex.quote(str(activate))}"], "kasacloud"
    return [], shlex.quote(str(script))


def _stop_on_signals() -> None:
    """SIGTERM and SIGHUP (a closed terminal) stop the demo as Ctrl-C does: a clean shutdown."""

    def handler(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        if (signum := getattr(signal, name, None)) is not None:
            with contextlib.suppress(ValueError):  # not the main thread (embedded use)
                signal.signal(signum, handler)


def _ignore_signals() -> None:
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if (signum := getattr(signal, name, None)) is not None:
            with contextlib.suppress(ValueError):
                signal.signal(signum, signal.SIG_IGN)


@dataclass(frozen=True)
class DemoDirs:
    """The demo's own directories: the CLI's config dir and the cloud's data dir.

    The demo never writes into the user's real config dir: a demo that is killed (``kill -9``, a
    closed terminal, a crash) leaves the user's session exactly as it was.
    """

    root: Path | None
    """The temporary dir holding both (removed at exit unless ``--keep``); None if both given."""
    config: Path
    data: Path

    @classmethod
    def make(cls, data_dir: Path | None) -> DemoDirs:
        """A fresh temporary root (private to the user); ``data_dir`` if the user chose one."""
        root = Path(tempfile.mkdtemp(prefix="kasacloud-demo-"))
        data = data_dir or root / "data"
        for directory in (root / "config", data):
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        return cls(root, root / "config", data)

    @property
    def history(self) -> Path:
        """The demo agent's energy history, which the demo's dashboard reads."""
        return (self.root or self.config) / "history.sqlite3"

    def remove(self) -> None:
        """Remove the temporary root (never a ``--data-dir`` of the user's outside it)."""
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)


def _banner(dirs: DemoDirs, cloud_url: str, dashboard_url: str | None, keep: bool) -> str:
    import datetime as dt

    month = dt.date.today().strftime("%Y-%m")
    setup, command = _command_lines()
    setup = [*setup, f"  export KASACLOUD_CONFIG_DIR={shlex.quote(str(dirs.config))}"]
    outbox = dirs.data / MfaOutbox.FILENAME
    after = "kept after exit (--keep)" if keep else "removed at exit; --keep keeps them"
    lines = [
        "kasacloud demo is running.",
        "",
        f"  Cloud:      {cloud_url}",
        f"  Dashboard:  {dashboard_url or '(not available)'}",
        f"  Account:    {DEMO_EMAIL}, password {DEMO_PASSWORD!r} (signed in for the CLI)",
        f"              {MFA_EMAIL} has 2-step verification (same password);",
        f"              its codes are written to {outbox}",
        f"  Config dir: {dirs.config} (the demo's own; yours is not touched)",
        f"  Data dir:   {dirs.data}",
        f"              {after}",
        "",
        "Try, from another terminal (paste the first lines once):",
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
    "--keep",
    is_flag=True,
    help="Keep the demo's config and data dirs at exit (they are printed at start).",
)
@click.option(
    "--agent",
    "with_agent",
    is_flag=True,
    help="Also run 'kasacloud agent': Prometheus metrics, and MQTT for Home Assistant through "
    "a local Mosquitto when it is installed.",
)
def demo(
    no_web: bool, port: int, web_port: int, data_dir: Path | None, keep: bool, with_agent: bool
) -> None:
    """Run the local cloud with the demo house, the dashboard, and a signed-in CLI, until Ctrl-C.

    The demo uses config and data dirs of its own (printed at start, removed at exit unless
    --keep): the CLI session in your own config dir is never touched.
    """
    current = settings()

    def produce() -> Any:
        _stop_on_signals()
        dirs = DemoDirs.make(data_dir)
        with contextlib.ExitStack() as stack:
            if not keep:
                stack.callback(dirs.remove)
            cloud = _start_cloud(dirs.data, port)
            stack.callback(cloud.stop)
            demo_settings = Settings(
                cloud_url=cloud.url,
                protocol=current.protocol,
                timeout_s=current.timeout_s,
                config_dir=dirs.config,
            )

            async def sign_in() -> None:
                async with make_cloud(demo_settings) as client:
                    tokens = await client.login(DEMO_EMAIL, DEMO_PASSWORD)
                Profile(cloud.url, tokens.username, demo_settings.effective_protocol()).save(
                    dirs.config
                )

            anyio.run(sign_in)
            if with_agent:
                from kasacloud.agent.demo import demo_agent

                agent_lines = stack.enter_context(demo_agent(dirs.config, dirs.history))
                click.echo("\n".join(["The agent (kasacloud agent) is running:", *agent_lines, ""]))
            with _dashboard(cloud.url, not no_web, web_port, dirs) as dashboard_url:
                try:  # a signal may come as soon as the banner is out
                    click.echo(_banner(dirs, cloud.url, dashboard_url, keep))
                    threading.Event().wait()
                except KeyboardInterrupt:
                    _ignore_signals()  # a second Ctrl-C must not cut the clean-up short
                    output.note("Stopping the demo ...")
        if keep:
            click.echo(f"kasacloud demo: stopped; kept {dirs.root}.")
        else:
            click.echo("kasacloud demo: stopped.")
        return None

    run_view(current, produce)
