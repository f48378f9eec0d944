"""``kasacloud serve``: run the TP-Link-cloud-compatible server until Ctrl-C."""

from __future__ import annotations

import dataclasses
import logging
import socket
from pathlib import Path

import click
import platformdirs

from kasacloud.server.config import ServerConfig
from kasacloud.server.runner import bind_regions, make_server
from kasacloud.server.service import DEMO_EMAIL, DEMO_PASSWORD, MFA_DEMO_EMAIL, CloudService


def _public_urls(values: tuple[str, ...], regions: tuple[str, ...]) -> dict[str, str]:
    """``URL`` (the first region) or ``REGION=URL``, repeatable."""
    urls: dict[str, str] = {}
    for value in values:
        region, sep, url = value.partition("=")
        if not sep or "://" in region:
            region, url = regions[0], value
        if region not in regions:
            raise click.BadParameter(f"region {region!r} is not served", param_hint="--public-url")
        if not url.startswith(("http://", "https://")):
            raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="--public-url")
        urls[region] = url.rstrip("/")
    return urls


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port of the first region; the next regions take the next ports. 0: free ports.",
)
@click.option(
    "--public-url",
    "public_urls",
    multiple=True,
    metavar="[REGION=]URL",
    help="URL clients reach a region at (in appServerUrl); default http://HOST:PORT.",
)
@click.option(
    "--seed",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Accounts and devices of a fresh data dir (see docs/server.md); default: the demo.",
)
@click.option(
    "--device",
    "devices",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Add a device from a python-kasa capture or a kasacloud profile (repeatable).",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the store and the MFA outbox live [default: the user data dir].",
)
@click.option(
    "--region",
    "regions",
    multiple=True,
    metavar="NAME",
    help="A region to serve, one port each (repeatable; the first is the default) "
    "[default: eu-west-1].",
)
@click.option("--token-lifetime", type=click.FloatRange(min=1), metavar="SECONDS")
@click.option("--refresh-token-lifetime", type=click.FloatRange(min=1), metavar="SECONDS")
@click.option(
    "--no-rate-limit", is_flag=True, help="Turn the per-account and per-address rate limits off."
)
@click.option(
    "--mfa-answer",
    type=click.Choice(["nested", "outer"]),
    default="nested",
    show_default=True,
    help="How login asks for 2-step verification: error -20677 nested in result.errorCode, "
    "or as the outer error_code (TP-Link's cloud has been seen doing both).",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=0),
    default=None,
    help="Open connections past which requests get HTTP 503 (default 1000; 0: no cap). Keep it "
    "under the process's open-file limit.",
)
@click.option("--verbose", "-v", is_flag=True, help="Log every request (never a secret).")
def serve(
    host: str,
    port: int,
    public_urls: tuple[str, ...],
    seed: Path | None,
    devices: tuple[Path, ...],
    data_dir: Path | None,
    regions: tuple[str, ...],
    token_lifetime: float | None,
    refresh_token_lifetime: float | None,
    no_rate_limit: bool,
    mfa_answer: str,
    max_connections: int | None,
    verbose: bool,
) -> None:
    """Run a TP-Link-cloud-compatible server with simulated devices, until Ctrl-C."""
    config = ServerConfig()
    changes: dict[str, object] = {}
    if regions:
        changes["regions"] = tuple(dict.fromkeys(regions))
    if token_lifetime:
        changes["token_lifetime_s"] = token_lifetime
    if refresh_token_lifetime:
        changes["refresh_token_lifetime_s"] = refresh_token_lifetime
    if no_rate_limit:
        changes["account_rate_limit"] = changes["address_rate_limit"] = None
    changes["mfa_answer"] = mfa_answer
    if max_connections is not None:
        changes["max_connections"] = max_connections or None
    config = dataclasses.replace(config, **changes)  # type: ignore[arg-type]
    urls = _public_urls(public_urls, config.regions)
    if port and port + len(config.regions) - 1 > 65535:
        raise click.BadParameter(
            f"{len(config.regions)} regions need ports {port}..{port + len(config.regions) - 1}",
            param_hint="--port",
        )
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("uvicorn", "uvicorn.error"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    data_dir = data_dir or Path(platformdirs.user_data_dir("kasacloud")) / "server"
    if seed is not None and not seed.is_file():
        raise click.ClickException(f"cannot read the seed {seed}: no such file")
    for device in devices:
        if not device.is_file():
            raise click.ClickException(f"cannot read the device file {device}: no such file")
    try:
        service = CloudService(data_dir, config=config, seed=seed, devices=devices)
    except Exception as exc:  # any bad input becomes one line, never a traceback
        raise click.ClickException(_one_line(exc)) from None
    try:
        sockets = bind_regions(service, host, port, urls)
    except OSError as exc:
        service.close()
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    _banner(service, sockets)
    try:
        make_server(service).run(sockets=sockets)
    finally:
        service.close()
        click.echo("kasacloud serve: stopped")


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) < 300 else text[:297] + "..."


def _banner(service: CloudService, sockets: list[socket.socket]) -> None:
    for region, sock in zip(service.config.regions, sockets, strict=True):
        host, port = sock.getsockname()[:2]
        local = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        public = service.region_urls[region]
        shown = "" if public == local else f" (public URL {public})"
        click.echo(f"kasacloud serve: {region} listening on {local}{shown}")
    demo = service.accounts.by_email(DEMO_EMAIL)
    if demo is not None:
        n = len(service.registry.of(demo))
        click.echo(
            f"kasacloud serve: demo account {DEMO_EMAIL}, password {DEMO_PASSWORD!r} ({n} devices)"
        )
    if service.accounts.by_email(MFA_DEMO_EMAIL) is not None:
        click.echo(f"kasacloud serve: {MFA_DEMO_EMAIL} (same password) has 2-step verification")
    click.echo(f"kasacloud serve: data in {service.data_dir}")
    click.echo(f"kasacloud serve: verification codes go to {service.outbox.path}")
    click.echo("kasacloud serve: press Ctrl-C to stop")
