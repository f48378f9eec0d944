"""``kasacloud simulate``: simulated devices on the Kasa LAN protocol, for LAN clients to use.

Each device gets a loopback address (``127.0.0.2``, ``127.0.0.3``, ...). An IOT device answers TCP
on the port (9999 by default) and UDP discovery on the same port; a SMART device answers KLAP or AES
(the one its capture announces, or ``--encryption``) over HTTP (port 80 by default) for the TP-Link
ID given, and UDP discovery on 20002. python-kasa's
``kasa`` command, Home Assistant or ``kasacloud adopt`` find and drive them like real devices.
See ``docs/lan.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from kasacloud.lan.serve import (
    Endpoint,
    LanAddressError,
    LanServer,
    plan_endpoints,
)
from kasacloud.protocol import lan as lan_protocol
from kasacloud.protocol import smart

DEMO_LOGIN = "demo@example.com"
"""The TP-Link ID simulated SMART devices accept by default: the demo account's."""
DEMO_PASSWORD = "demo"  # noqa: S105 - the demo account's password is public on purpose


@dataclass(frozen=True, slots=True)
class DeviceRequest:
    """One device asked for on the command line: a profile (or capture) and an optional alias."""

    profile: str
    alias: str | None = None


@dataclass(slots=True)
class ServedDevice:
    """A simulated device being served, and where its state is kept between runs."""

    endpoint: Endpoint
    request: DeviceRequest
    device: Any
    state_file: Path | None
    revision: int

    @property
    def is_smart(self) -> bool:
        """Whether it speaks SMART (served over KLAP) rather than IOT (TCP 9999)."""
        return hasattr(self.device, "discovery_result")

    def describe(self) -> tuple[str, str, str]:
        """Model, alias and device id, as a LAN client would read them."""
        if self.is_smart:
            info = self.device.handle({"method": "get_device_info"}).get("result", {})
            alias = smart.decode_text(str(info.get("nickname", ""))) or ""
            return str(self.device.profile.model), alias, str(self.device.device_id)
        answer = self.device.handle({"system": {"get_sysinfo": {}}})
        sysinfo = answer.get("system", {}).get("get_sysinfo", {})
        if not isinstance(sysinfo, dict):
            sysinfo = {}
        return (
            str(sysinfo.get("model", "?")),
            str(sysinfo.get("alias", "")),
            str(sysinfo.get("deviceId", "")),
        )


def parse_device(value: str) -> DeviceRequest:
    """``PROFILE`` or ``PROFILE=ALIAS`` (the alias after the last ``=``)."""
    profile, sep, alias = value.rpartition("=")
    if sep and profile and alias:
        return DeviceRequest(profile, alias)
    return DeviceRequest(value)


def stable_device_id(profile: str, endpoint: Endpoint, index: int) -> str:
    """The id a device keeps across restarts: derived from what it is and where it listens.

    A device that is stopped and started again must come back as *the same device*, or a cloud
    that adopted it would see a stranger at its address.
    """
    from kasacloud.sim import ids

    where = str(endpoint) if endpoint.port else f"{endpoint.host}:auto{index}"
    return ids.stable_hex("kasacloud-lan", profile, where, length=40)


def build_devices(
    requests: Sequence[DeviceRequest], endpoints: Sequence[Endpoint], data_dir: Path | None
) -> list[ServedDevice]:
    """Build each simulated device, restoring its state from ``data_dir`` when it was saved."""
    from kasacloud import sim

    clock = sim.SimClock()
    served: list[ServedDevice] = []
    for index, (request, endpoint) in enumerate(zip(requests, endpoints, strict=True)):
        device_id = stable_device_id(request.profile, endpoint, index)
        state_file = None
        state: dict[str, Any] | None = None
        if data_dir is not None and endpoint.port:
            state_file = data_dir / f"lan-{endpoint.host}-{endpoint.port}.json"
            saved = _read_state(state_file)
            if saved is not None and saved.get("profile") == request.profile:
                state = saved.get("state")
        device = sim.build_any(
            request.profile, device_id=device_id, alias=request.alias, clock=clock, state=state
        )
        served.append(ServedDevice(endpoint, request, device, state_file, _revision(device)))
    return served


def _revision(device: Any) -> int:
    revision = getattr(device, "state_revision", None)
    return int(revision()) if callable(revision) else 0


def _read_state(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read saved state {path}: {exc}") from None
    return data if isinstance(data, dict) else None


def _save_state(item: ServedDevice, *, force: bool = False) -> None:
    if item.state_file is None:
        return
    revision = _revision(item.device)
    if revision == item.revision and not force:
        return
    item.revision = revision
    data = {"profile": item.request.profile, "state": item.device.snapshot()}
    # Write-then-rename: a device killed mid-write keeps its previous state, never half a file.
    tmp = item.state_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, item.state_file)


def smart_encryption(item: ServedDevice, forced: str) -> str:
    """The LAN transport a SMART device serves: ``forced`` (KLAP or AES), or with ``auto`` the one
    its capture's discovery answer announces (KLAP when it says none)."""  # noqa: D205, D209
    from kasacloud.lan.klap import KLAP, encryption_of_discovery

    if forced != "auto":
        return forced.upper()
    profile = getattr(item.device, "profile", None)
    discovery = getattr(profile, "discovery", None)
    return encryption_of_discovery(discovery) if isinstance(discovery, Mapping) else KLAP


async def _serve(
    served: list[ServedDevice], *, discovery: bool, login: tuple[str, str], encryption: str = "auto"
) -> None:
    by_device = {id(s.device): s for s in served}

    def on_handled(_endpoint: Endpoint, device: Any) -> None:
        item = by_device.get(id(device))
        if item is not None:
            _save_state(item)

    iot = [s for s in served if not s.is_smart]
    smart_devices = [s for s in served if s.is_smart]
    servers: list[Any] = []
    if iot:
        servers.append(
            LanServer(
                [(s.endpoint, s.device) for s in iot], discovery=discovery, on_handled=on_handled
            )
        )
    if smart_devices:
        try:
            from kasacloud.lan.klap import KlapServer
        except ImportError:
            raise click.ClickException(
                "serving SMART devices needs the lan extra: pip install 'kasacloud[lan]'"
            ) from None
        servers.append(
            KlapServer(
                [(s.endpoint, s.device) for s in smart_devices],
                email=login[0],
                password=login[1],
                discovery=discovery,
                on_handled=on_handled,
                encryptions=[smart_encryption(s, encryption) for s in smart_devices],
            )
        )
    try:
        for server in servers:
            await server.start()
    except OSError as exc:
        for server in servers:
            await server.close()
        hint = ""
        if exc.errno == errno.EACCES:
            hint = " (ports below 1024 need privileges: try --http-port 8080 or --port 19999)"
        raise click.ClickException(f"cannot listen: {exc.strerror or exc}{hint}") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # SIGTERM too: a supervisor (or a test) stopping us gets the same clean shutdown as Ctrl-C.
        loop.add_signal_handler(sig, stop.set)
    try:
        for group, server in zip([g for g in (iot, smart_devices) if g], servers, strict=True):
            kinds = getattr(server, "encryptions", [None] * len(group))
            for (endpoint, _), item, kind in zip(server.endpoints, group, kinds, strict=True):
                item.endpoint = endpoint
                model, alias, device_id = item.describe()
                how = f"  (SMART, {kind})" if item.is_smart else ""
                click.echo(f"{endpoint}  {model}  {alias!r}  {device_id}{how}")
        click.echo(f"Serving {len(served)} device(s) on the LAN; Ctrl-C to stop.")
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        for server in servers:
            await server.close()
        for item in served:
            with contextlib.suppress(OSError):
                # Also what changed without a command (energy counted, rules fired) since.
                _save_state(item, force=True)
    click.echo("Stopped.")


def smart_endpoints(served: list[ServedDevice], http_port: int) -> None:
    """Move each SMART device to its HTTP port; one SMART device per address (UDP 20002).

    Raises:
        click.UsageError: two SMART devices on one address.
    """
    hosts = [s.endpoint.host for s in served if s.is_smart]
    if len(set(hosts)) != len(hosts):
        raise click.UsageError(
            "SMART devices need an address each (discovery is UDP 20002 of the address): "
            "give one --address per device"
        )
    for item in served:
        if item.is_smart:
            item.endpoint = Endpoint(item.endpoint.host, http_port)


@click.command("simulate")
@click.option(
    "--device",
    "devices",
    multiple=True,
    metavar="PROFILE[=ALIAS]",
    help="A built-in profile name or a capture/profile file; repeat for more devices.",
)
@click.option("--demo-house", is_flag=True, help="Serve every device of the demo house.")
@click.option(
    "--address",
    "addresses",
    multiple=True,
    metavar="127.X.Y.Z",
    help="Loopback address per device (default 127.0.0.2, .3, ...); one address for all devices "
    "puts them on consecutive ports.",
)
@click.option(
    "--port",
    type=int,
    default=lan_protocol.DEFAULT_PORT,
    show_default=True,
    help="TCP and UDP discovery port; 0 picks a free port per device.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep each device's state here, so a restarted device comes back as it was.",
)
@click.option(
    "--http-port",
    type=click.IntRange(0, 65_535),
    default=80,
    show_default=True,
    help="HTTP (KLAP or AES) port of SMART devices; 0 picks a free port per device.",
)
@click.option(
    "--encryption",
    type=click.Choice(["auto", "klap", "aes"], case_sensitive=False),
    default="auto",
    show_default=True,
    help="LAN transport of SMART devices: the one each capture's discovery answer announces "
    "(auto; KLAP when it says none), or KLAP or AES for all.",
)
@click.option(
    "--device-login",
    default=DEMO_LOGIN,
    show_default=True,
    metavar="EMAIL",
    help="The TP-Link ID that SMART devices accept (KLAP handshake, AES login).",
)
@click.option(
    "--device-password",
    default=DEMO_PASSWORD,
    envvar="KASACLOUD_DEVICE_PASSWORD",
    show_default="the demo account's",
    metavar="PASSWORD",
    help="Its password (or KASACLOUD_DEVICE_PASSWORD).",
)
@click.option("--no-discovery", is_flag=True, help="Answer TCP only; do not answer UDP discovery.")
def simulate(
    devices: tuple[str, ...],
    demo_house: bool,
    addresses: tuple[str, ...],
    port: int,
    data_dir: Path | None,
    http_port: int,
    encryption: str,
    device_login: str,
    device_password: str,
    no_discovery: bool,
) -> None:
    """Serve simulated devices on the Kasa LAN protocol (loopback addresses only).

    \b
    Examples:
      kasacloud simulate --device "HS110(EU)_4.0=Kettle"
      kasacloud simulate --demo-house --port 19999 --http-port 8080
      kasa --host 127.0.0.2 state
      kasacloud simulate --device "P110(EU)_1.0=Kettle"
      kasa --host 127.0.0.2 --username demo@example.com --password demo state
      kasacloud simulate --device "P110(EU)_1.0" --encryption aes --http-port 8080
    """  # noqa: D301 - "\b" is how click keeps the examples unwrapped
    from kasacloud import sim

    requests = [parse_device(d) for d in devices]
    if demo_house:
        for entry in sim.DEMO_HOUSE:
            requests.append(_demo_request(entry))
    if not requests:
        raise click.UsageError("nothing to simulate: give --device PROFILE or --demo-house")
    try:
        endpoints = plan_endpoints(len(requests), addresses, port)
    except LanAddressError as exc:
        raise click.UsageError(str(exc)) from None
    if data_dir is not None:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise click.ClickException(f"cannot use --data-dir {data_dir}: {exc}") from None
    if not device_login.strip() or not device_password:
        raise click.UsageError("--device-login and --device-password must not be empty")
    try:
        served = build_devices(requests, endpoints, data_dir)
    except (ValueError, KeyError, OSError) as exc:
        raise click.ClickException(f"cannot build a device: {exc}") from None
    smart_endpoints(served, http_port)
    asyncio.run(
        _serve(
            served,
            discovery=not no_discovery,
            login=(device_login.strip(), device_password),
            encryption=encryption.lower(),
        )
    )


def _demo_request(entry: Any) -> DeviceRequest:
    """One DEMO_HOUSE entry (a tuple, a dict or an object) as a request."""
    if isinstance(entry, tuple | list):
        return DeviceRequest(str(entry[0]), str(entry[1]) if len(entry) > 1 else None)
    if isinstance(entry, dict):
        return DeviceRequest(str(entry["profile"]), entry.get("alias"))
    return DeviceRequest(str(entry.profile), getattr(entry, "alias", None))
