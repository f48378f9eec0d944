"""``kasacloud adopt``: bind Kasa devices on the LAN to an account of a self-hosted cloud.

The device is read through python-kasa (by address, or found by UDP discovery) and recorded in the
server's store in ``--data-dir``; the next ``kasacloud serve`` on that data dir hosts it, and every
passthrough then goes to the device over the LAN. See ``docs/lan.md``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import platformdirs

from kasacloud import lan
from kasacloud.protocol import lan as lan_protocol

if TYPE_CHECKING:
    from kasacloud.server.store import Store


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
    "as a SMART device (over KLAP or AES, as it announces); with --discover, the SMART devices "
    "found are adopted too.",
)
@click.option(
    "--device-password",
    envvar="KASACLOUD_DEVICE_PASSWORD",
    metavar="PASSWORD",
    help="Its password (or KASACLOUD_DEVICE_PASSWORD; asked for on a terminal when neither is "
    "given); kept only as the LAN transport's hash, in the data dir.",
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
      kasacloud adopt --discover --target 192.168.1.255 --account me@example.com \\
          --device-login me@example.com          # the password is asked for
    """  # noqa: D301 - "\b" is how click keeps the examples unwrapped
    if bool(hosts) == use_discovery:
        raise click.UsageError("give either --host (repeatable) or --discover")
    if use_discovery and not target:
        raise click.UsageError("--discover needs --target (a broadcast address or a host)")
    if target and not use_discovery:
        raise click.UsageError("--target goes with --discover")
    data_dir = data_dir or default_data_dir()
    from kasacloud.server.store import Store

    if not (data_dir / Store.FILENAME).is_file():
        raise click.ClickException(
            f"no server store in {data_dir}: run `kasacloud serve --data-dir {data_dir}` once first"
        )
    # After the store check: nobody types a password only to hear the data dir is wrong.
    login = _device_login(device_login, device_password)
    failures: list[str] = []
    try:
        if use_discovery:
            assert target is not None
            found, found_smart, failures = asyncio.run(
                _discover_all(target, port, timeout_s, login)
            )
        elif login is not None:
            found, found_smart = [], asyncio.run(_read_smart(hosts, timeout_s, login))
        else:
            addresses = [lan.parse_host(h, port) for h in hosts]
            found, found_smart = asyncio.run(_read_all(addresses, timeout_s)), []
    except lan.BridgeError as exc:
        raise click.ClickException(str(exc)) from None
    adopted = _record(Store(data_dir), data_dir, email, found, found_smart)
    if as_json:
        click.echo(json.dumps(adopted, indent=2))
    else:
        for item in adopted:
            smart_mark = "  (SMART)" if item.get("family") == "SMART" else ""
            click.echo(
                f"adopted {item['host']}:{item['port']}  {item['model']}  {item['alias']!r}  "
                f"{item['deviceId']}{smart_mark}"
            )
        click.echo(
            f"{len(adopted)} device(s) bound to {email}; restart `kasacloud serve` to host them."
        )
    if failures:
        for failure in failures:
            click.echo(f"not adopted: {failure}", err=True)
        raise click.ClickException(f"{len(failures)} SMART device(s) found were not adopted")


def _device_login(login: str | None, password: str | None) -> tuple[str, str] | None:
    """The owner's TP-Link ID for SMART devices, or None; the password asked for if need be."""
    ctx = click.get_current_context()
    if not login:
        # A password in the environment is not an error when no SMART device is wanted.
        if password and ctx.get_parameter_source("device_password") is not (
            click.core.ParameterSource.ENVIRONMENT
        ):
            raise click.UsageError("--device-password goes with --device-login")
        return None
    if not password:
        if not sys.stdin.isatty():
            raise click.UsageError(
                "--device-login needs its password: --device-password or "
                "KASACLOUD_DEVICE_PASSWORD (or run on a terminal to be asked)"
            )
        password = str(click.prompt(f"TP-Link ID password of {login}", hide_input=True))
    if not password:
        raise click.UsageError("the TP-Link ID password must not be empty")
    return login.strip(), password


def _record(
    store: Store,
    data_dir: Path,
    email: str,
    found: list[lan.Found],
    found_smart: list[lan.FoundSmart],
) -> list[dict[str, Any]]:
    """Record every device read in the store; what was adopted, as printed."""
    adopted: list[dict[str, Any]] = []
    try:
        for device in found:
            try:
                row = lan.adopt(store, email, device)
            except lan.BridgeError as exc:
                raise click.ClickException(str(exc)) from None
            adopted.append(
                {"deviceId": row.device_id, "host": device.host, "port": device.port,
                 "model": device.model, "alias": device.alias}
            )  # fmt: skip
        for smart_device in found_smart:
            try:
                row = lan.adopt_smart(store, data_dir, email, smart_device)
            except lan.BridgeError as exc:
                raise click.ClickException(str(exc)) from None
            adopted.append(
                {"deviceId": row.device_id, "host": smart_device.host, "port": smart_device.port,
                 "model": smart_device.model, "alias": smart_device.alias, "family": "SMART",
                 "encryption": smart_device.encryption}
            )  # fmt: skip
    finally:
        store.close()
    return adopted


async def _read_smart(
    hosts: Sequence[str], timeout_s: float, login: tuple[str, str]
) -> list[lan.FoundSmart]:
    return [
        await lan.read_smart_device(lan.parse_host(h)[0], *login, timeout_s=timeout_s)
        for h in hosts
    ]


async def _discover_all(
    target: str, port: int, timeout_s: float, login: tuple[str, str] | None
) -> tuple[list[lan.Found], list[lan.FoundSmart], list[str]]:
    """Discover, then read each SMART device found with the TP-Link ID.

    A SMART device that cannot be read (another owner's, say) does not stop the others: it is
    reported, and the command fails after adopting the rest.
    """
    answered = await lan.discover_lan(target, port, timeout_s)
    if login is None:
        if answered.smart_hosts:
            click.echo(
                f"{len(answered.smart_hosts)} SMART device(s) answered too "
                f"({', '.join(answered.smart_hosts)}): give --device-login to adopt them",
                err=True,
            )
        if not answered.iot:
            raise lan.BridgeError(f"no Kasa IOT device answered discovery at {target}:{port}")
        return answered.iot, [], []
    if not answered.iot and not answered.smart_hosts:
        raise lan.BridgeError(f"no Kasa device answered discovery at {target}:{port}")
    found_smart: list[lan.FoundSmart] = []
    failures: list[str] = []
    for host in answered.smart_hosts:
        try:
            found_smart.append(await lan.read_smart_device(host, *login, timeout_s=timeout_s))
        except lan.BridgeError as exc:
            failures.append(str(exc))
    return answered.iot, found_smart, failures


async def _read_all(addresses: list[tuple[str, int]], timeout_s: float) -> list[lan.Found]:
    return [await lan.read_device(host, port, timeout_s) for host, port in addresses]
