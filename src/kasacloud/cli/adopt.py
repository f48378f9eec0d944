"""``kasacloud adopt``: bind Kasa devices on the LAN to an account of a self-hosted cloud.

The device is read through python-kasa (by address, or found by UDP discovery) and recorded in the
server's store in ``--data-dir``; the next ``kasacloud serve`` on that data dir hosts it, and every
passthrough then goes to the device over the LAN. See ``docs/lan.md``.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click
import platformdirs

from kasacloud import lan
from kasacloud.protocol import lan as lan_protocol


def default_data_dir() -> Path:
    """The data dir ``kasacloud serve`` uses when given none."""
    return Path(platformdirs.user_data_dir("kasacloud")) / "server"


@click.command("adopt")
@click.option(
    "--host",
    "hosts",
    multiple=True,
    metavar="HOST[:PORT]",
    help="Address of a device (port 9999 unless given); repeatable.",
)
@click.option(
    "--discover",
    "use_discovery",
    is_flag=True,
    help="Find devices by UDP discovery sent to --target and adopt every one found.",
)
@click.option(
    "--target",
    metavar="ADDRESS",
    help="Where discovery is sent: your LAN's broadcast address (e.g. 192.168.1.255), one host, "
    "or 127.255.255.255 for `kasacloud simulate`. Required with --discover.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=lan_protocol.DEFAULT_PORT,
    show_default=True,
    help="Discovery port (devices answer TCP on the same port).",
)
@click.option("--account", "email", required=True, metavar="EMAIL", help="Account to bind to.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The server's data dir [default: the one `kasacloud serve` uses].",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(0.1, 60),
    default=5.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for devices.",
)
@click.option(
    "--device-login",
    metavar="EMAIL",
    help="The TP-Link ID that owns SMART devices (Tapo, newer Kasa): each --host is then read "
    "as a SMART device, over KLAP.",
)
@click.option(
    "--device-password",
    envvar="KASACLOUD_DEVICE_PASSWORD",
    metavar="PASSWORD",
    help="Its password (or KASACLOUD_DEVICE_PASSWORD); kept only as KLAP's hash, in the data dir.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the adopted devices as JSON.")
def adopt(
    hosts: tuple[str, ...],
    use_discovery: bool,
    target: str | None,
    port: int,
    email: str,
    data_dir: Path | None,
    timeout_s: float,
    device_login: str | None,
    device_password: str | None,
    as_json: bool,
) -> None:
    """Adopt Kasa devices on the LAN into an account of this cloud.

    \b
    Examples:
      kasacloud adopt --host 192.168.1.20 --account me@example.com
      kasacloud adopt --discover --target 127.255.255.255 --account demo@example.com
      kasacloud adopt --host 192.168.1.30 --account me@example.com \\
          --device-login me@example.com --device-password ...
    """  # noqa: D301 - "\b" is how click keeps the examples unwrapped
    if bool(hosts) == use_discovery:
        raise click.UsageError("give either --host (repeatable) or --discover")
    if use_discovery and not target:
        raise click.UsageError("--discover needs --target (a broadcast address or a host)")
    if target and not use_discovery:
        raise click.UsageError("--target goes with --discover")
    if bool(device_login) != bool(device_password):
        raise click.UsageError("--device-login and --device-password go together")
    if device_login and use_discovery:
        raise click.UsageError(
            "SMART devices are adopted by address: use --host with --device-login"
        )
    data_dir = data_dir or default_data_dir()
    from kasacloud.server.store import Store

    if not (data_dir / Store.FILENAME).is_file():
        raise click.ClickException(
            f"no server store in {data_dir}: run `kasacloud serve --data-dir {data_dir}` once first"
        )
    if device_login and device_password:
        _adopt_smart(hosts, email, data_dir, timeout_s, (device_login, device_password), as_json)
        return
    try:
        if use_discovery:
            assert target is not None
            found = asyncio.run(lan.discover(target, port, timeout_s))
            if not found:
                raise click.ClickException(f"no Kasa device answered discovery at {target}:{port}")
        else:
            addresses = [lan.parse_host(h, port) for h in hosts]
            found = asyncio.run(_read_all(addresses, timeout_s))
    except lan.BridgeError as exc:
        raise click.ClickException(str(exc)) from None
    store = Store(data_dir)
    adopted = []
    try:
        for device in found:
            try:
                row = lan.adopt(store, email, device)
            except lan.BridgeError as exc:
                raise click.ClickException(str(exc)) from None
            adopted.append(
                {
                    "deviceId": row.device_id,
                    "host": device.host,
                    "port": device.port,
                    "model": device.model,
                    "alias": device.alias,
                }
            )
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(adopted, indent=2))
        return
    for item in adopted:
        click.echo(
            f"adopted {item['host']}:{item['port']}  {item['model']}  {item['alias']!r}  "
            f"{item['deviceId']}"
        )
    click.echo(
        f"{len(adopted)} device(s) bound to {email}; restart `kasacloud serve` to host them."
    )


def _adopt_smart(
    hosts: tuple[str, ...],
    email: str,
    data_dir: Path,
    timeout_s: float,
    login: tuple[str, str],
    as_json: bool,
) -> None:
    from kasacloud.server.store import Store

    async def read_all() -> list[lan.FoundSmart]:
        return [
            await lan.read_smart_device(lan.parse_host(h)[0], *login, timeout_s=timeout_s)
            for h in hosts
        ]

    try:
        found = asyncio.run(read_all())
    except lan.BridgeError as exc:
        raise click.ClickException(str(exc)) from None
    store = Store(data_dir)
    adopted = []
    try:
        for device in found:
            try:
                row = lan.adopt_smart(store, data_dir, email, device)
            except lan.BridgeError as exc:
                raise click.ClickException(str(exc)) from None
            adopted.append(
                {"deviceId": row.device_id, "host": device.host, "port": device.port,
                 "model": device.model, "alias": device.alias, "family": "SMART"}
            )  # fmt: skip
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(adopted, indent=2))
        return
    for item in adopted:
        click.echo(
            f"adopted {item['host']}:{item['port']}  {item['model']}  {item['alias']!r}  "
            f"{item['deviceId']}  (SMART)"
        )
    click.echo(
        f"{len(adopted)} device(s) bound to {email}; restart `kasacloud serve` to host them."
    )


async def _read_all(addresses: list[tuple[str, int]], timeout_s: float) -> list[lan.Found]:
    return [await lan.read_device(host, port, timeout_s) for host, port in addresses]
