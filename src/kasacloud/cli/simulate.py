"""``kasacloud simulate``: simulated devices on the Kasa LAN protocol, for LAN clients to use.

Each device gets a loopback address (``127.0.0.2``, ``127.0.0.3``, ...) and answers TCP on the
port (9999 by default) and UDP discovery on the same port, so python-kasa's ``kasa`` command, Home
Assistant or ``kasacloud adopt`` can find and drive it like a real plug. See ``docs/lan.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from kasacloud.lan.serve import (
    Endpoint,
    LanAddressError,
    LanServer,
    ServableDevice,
    plan_endpoints,
)
from kasacloud.protocol import lan as lan_protocol


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

    def sysinfo(self) -> dict[str, Any]:
        """The device's current sysinfo, as a LAN client would read it."""
        answer = self.device.handle({"system": {"get_sysinfo": {}}})
        info = answer.get("system", {}).get("get_sysinfo", {})
        return info if isinstance(info, dict) else {}


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
        device = sim.build_device(
            sim.load_profile(request.profile),
            device_id=device_id,
            alias=request.alias,
            clock=clock,
            state=state,
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


async def _serve(served: list[ServedDevice], *, discovery: bool) -> None:
    by_device = {id(s.device): s for s in served}

    def on_handled(_endpoint: Endpoint, device: ServableDevice) -> None:
        item = by_device.get(id(device))
        if item is not None:
            _save_state(item)

    server = LanServer(
        [(s.endpoint, s.device) for s in served], discovery=discovery, on_handled=on_handled
    )
    try:
        await server.start()
    except OSError as exc:
        raise click.ClickException(f"cannot listen: {exc.strerror or exc}") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # SIGTERM too: a supervisor (or a test) stopping us gets the same clean shutdown as Ctrl-C.
        loop.add_signal_handler(sig, stop.set)
    try:
        for (endpoint, _), item in zip(server.endpoints, served, strict=True):
            item.endpoint = endpoint
            info = item.sysinfo()
            click.echo(
                f"{endpoint}  {info.get('model', '?')}  {info.get('alias', '')!r}  "
                f"{info.get('deviceId', '')}"
            )
        click.echo(f"Serving {len(served)} device(s) on the Kasa LAN protocol; Ctrl-C to stop.")
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await server.close()
        for item in served:
            with contextlib.suppress(OSError):
                # Also what changed without a command (energy counted, rules fired) since.
                _save_state(item, force=True)
    click.echo("Stopped.")


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
@click.option("--no-discovery", is_flag=True, help="Answer TCP only; do not answer UDP discovery.")
def simulate(
    devices: tuple[str, ...],
    demo_house: bool,
    addresses: tuple[str, ...],
    port: int,
    data_dir: Path | None,
    no_discovery: bool,
) -> None:
    """Serve simulated devices on the Kasa LAN protocol (loopback addresses only).

    \b
    Examples:
      kasacloud simulate --device "HS110(EU)_4.0=Kettle"
      kasacloud simulate --demo-house --port 19999
      kasa --host 127.0.0.2 state
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
    try:
        served = build_devices(requests, endpoints, data_dir)
    except (ValueError, KeyError, OSError) as exc:
        raise click.ClickException(f"cannot build a device: {exc}") from None
    asyncio.run(_serve(served, discovery=not no_discovery))


def _demo_request(entry: Any) -> DeviceRequest:
    """One DEMO_HOUSE entry (a tuple, a dict or an object) as a request."""
    if isinstance(entry, tuple | list):
        return DeviceRequest(str(entry[0]), str(entry[1]) if len(entry) > 1 else None)
    if isinstance(entry, dict):
        return DeviceRequest(str(entry["profile"]), entry.get("alias"))
    return DeviceRequest(str(entry.profile), getattr(entry, "alias", None))
