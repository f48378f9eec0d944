"""``kasacloud web``: serve the dashboard, the Kasa app's screen in a browser."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from kasacloud.cli.runner import settings
from kasacloud.client.home import HOME_FILE
from kasacloud.web.serve import (
    DEFAULT_HOST,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_PORT,
    serve_dashboard,
)


@click.command("web")
@click.option(
    "--cloud",
    "cloud_url",
    metavar="URL",
    default=None,
    help="The cloud to sign in to (a kasacloud server's URL). Default: the global --cloud, "
    "else the last login's, else TP-Link's cloud.",
)
@click.option(
    "--protocol",
    type=click.Choice(["v1", "v2"]),
    default=None,
    help="The cloud API generation. Default: the global --protocol, else the last login's, "
    "else v2.",
)
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    help="The address to listen on. Anything but 127.0.0.1 exposes the sign-in page to others.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="The port to listen on (0: any free port).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the dashboard in a browser.")
@click.option(
    "--history",
    "history_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The energy history 'kasacloud agent --history' records, shown on energy pages. "
    "Default: the agent's, in the user data dir.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_CONNECTIONS,
    show_default=True,
    help="Open connections past which requests get HTTP 503 (0: no cap).",
)
def web(
    cloud_url: str | None,
    protocol: str | None,
    host: str,
    port: int,
    open_browser: bool,
    history_file: Path | None,
    max_connections: int,
) -> None:
    """Serve the web dashboard (sign in, switch devices, watch power and energy).

    Rooms, scenes and the energy price are the CLI's (kasacloud group, scene, price), from the
    config dir: a change on either side shows on the other.

    \b
    Examples:
      kasacloud web                                 # TP-Link's cloud, http://127.0.0.1:8000/
      kasacloud web --cloud http://127.0.0.1:8080   # a local kasacloud server
    """  # noqa: D301 - "\b" is how click keeps the examples unwrapped
    # ``kasacloud --cloud URL web`` works too: the global options are the fallback.
    global_settings = settings()
    cloud_url = cloud_url or global_settings.effective_cloud_url()
    protocol = protocol or global_settings.effective_protocol()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    def ready(url: str) -> None:
        click.echo(f"Dashboard: {url}  (Ctrl-C to stop)")

    try:
        serve_dashboard(
            cloud_url,
            host=host,
            port=port,
            protocol=protocol,
            open_browser=open_browser,
            on_ready=ready,
            # The CLI's own home file (--config-dir, $KASACLOUD_CONFIG_DIR): one for both.
            home_file=global_settings.directory / HOME_FILE,
            history_file=history_file,
            max_connections=max_connections or None,
        )
    except KeyboardInterrupt:
        # uvicorn stops on Ctrl-C (or SIGTERM) and then raises it again: a normal end, exit 0.
        pass
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {error.strerror or error}"
        ) from None
    click.echo("Dashboard stopped.")
