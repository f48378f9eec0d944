"""``kasacloud watch [DEVICE...]``: live power and state in the terminal, until Ctrl-C.

Each round reads every watched device once (one request per device: a strip's outlets come with
it) and redraws a table; on a pipe it prints one line per device and round instead, and with
``--json`` one JSON object per round (JSON lines). Rounds are spaced so that watching stays well
inside the client's rate limit, whatever ``--interval`` says.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
from collections.abc import Iterator
from typing import Any

import anyio
import click
from rich.live import Live
from rich.table import Table

from kasacloud.cli import output
from kasacloud.cli.output import on_off
from kasacloud.cli.runner import sync_command
from kasacloud.cli.session import is_on, label, ref, signed_in
from kasacloud.cli.settings import Settings
from kasacloud.cli.targets import resolve
from kasacloud.client import Device, Outlet, Strip
from kasacloud.client.cloud import DEFAULT_RATE_PER_S
from kasacloud.client.errors import KasaCloudError

WATCH_SHARE = 1 / 3
"""The part of the client's rate limit that watching may use (the rest is for other commands)."""


def min_interval_s(requests_per_round: int) -> float:
    """The shortest wait between rounds that keeps watching within its share of the rate limit."""
    return max(1.0, requests_per_round / (DEFAULT_RATE_PER_S * WATCH_SHARE))


def _holders(devices: list[Device]) -> list[Device]:
    """What to update: each device once, an outlet through its strip (one request for all)."""
    seen: dict[str, Device] = {}
    for device in devices:
        holder = device.parent if isinstance(device, Outlet) else device
        seen.setdefault(holder.device_id, holder)
    return list(seen.values())


def requests_per_round(devices: list[Device]) -> int:
    """What one reading costs: a request per device, plus one per outlet of a metered strip."""
    count = 0
    for holder in _holders(devices):
        count += 1
        if isinstance(holder, Strip) and holder.energy is not None:
            count += len(holder.children)
    return count


def _power(device: Device) -> float | None:
    reading = device.realtime
    return None if reading is None else reading.power_w


async def read_round(devices: list[Device]) -> list[dict[str, Any]]:
    """One reading of every device: ``{"device", "online", "is_on", "power_w", "error"}``."""
    failed: dict[str, str] = {}
    for holder in _holders(devices):
        if not holder.is_online:
            continue
        try:
            await holder.update()  # a metered strip reads its outlets' meters too
        except KasaCloudError as exc:
            failed[holder.device_id] = str(exc)
    rows = []
    for device in devices:
        holder = device.parent if isinstance(device, Outlet) else device
        row: dict[str, Any] = {
            "device": ref(device),
            "label": label(device),
            "online": device.is_online,
            "is_on": is_on(device),
            "power_w": _power(device) if device.is_online else None,
        }
        row["error"] = failed.get(holder.device_id)
        rows.append(row)
    return rows


def _table(rows: list[dict[str, Any]], at: dt.datetime, interval_s: float) -> Table:
    table = Table(
        title=f"kasacloud watch: {at:%H:%M:%S}, every {interval_s:g} s (Ctrl-C stops)",
        title_justify="left",
    )
    for header, justify in (("Device", "left"), ("State", "left"), ("Power (W)", "right")):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(row["label"], _state(row), _power_text(row))
    return table


def _state(row: dict[str, Any]) -> str:
    if row["error"]:
        return f"error: {row['error']}"
    return on_off(row["is_on"]) if row["online"] else "offline"


def _power_text(row: dict[str, Any]) -> str:
    return "-" if row["power_w"] is None else f"{row['power_w']:.2f}"


@contextlib.contextmanager
def _live(enabled: bool) -> Iterator[Live | None]:
    if not enabled:
        yield None
        return
    with Live(console=output.console(), auto_refresh=False, transient=False) as live:
        yield live


@sync_command("watch")
@click.argument("selectors", metavar="[DEVICE]...", nargs=-1)
@click.option(
    "--interval",
    "interval_s",
    type=click.FloatRange(min=1.0),
    default=5.0,
    show_default=True,
    metavar="SECONDS",
    help="Time between readings (longer when many devices are watched: the rate limit).",
)
@click.option(
    "--count",
    type=click.IntRange(min=1),
    metavar="N",
    help="Stop after N readings [default: never].",
)
def watch(
    current: Settings, selectors: tuple[str, ...], interval_s: float, count: int | None
) -> None:
    """Show live power and state of devices (default: all), until Ctrl-C.

    DEVICE: names, ids or @GROUP. On a terminal a table is redrawn; on a pipe one line per
    device and reading; with --json one JSON object per reading (JSON lines).
    """

    async def main() -> None:
        async with signed_in(current) as cloud:
            devices = (
                await resolve(current, cloud, selectors) if selectors else await cloud.devices()
            )
            wait_s = max(interval_s, min_interval_s(requests_per_round(devices)))
            if wait_s > interval_s:
                output.note(f"Reading every {wait_s:g} s to stay within the cloud's rate limit.")
            interactive = not current.as_json and sys.stdout.isatty()
            rounds = 0
            with _live(interactive) as live:
                while count is None or rounds < count:
                    rows = await read_round(devices)
                    _show(rows, dt.datetime.now().astimezone(), wait_s, live, current.as_json)
                    rounds += 1
                    if count is None or rounds < count:
                        await anyio.sleep(wait_s)

    try:
        anyio.run(main)
    except KeyboardInterrupt:  # the usual way to stop watching: not an error
        output.note("Stopped watching.")


def _show(
    rows: list[dict[str, Any]], at: dt.datetime, wait_s: float, live: Live | None, as_json: bool
) -> None:
    if live is not None:
        live.update(_table(rows, at, wait_s), refresh=True)
        return
    if as_json:
        people = ("label",)
        clean = [{k: v for k, v in r.items() if k not in people} for r in rows]
        sys.stdout.write(json.dumps({"time": at.isoformat(timespec="seconds"), "devices": clean}))
        sys.stdout.write("\n")
    else:
        for row in rows:
            line = f"{at:%H:%M:%S}  {row['label']}  {_state(row)}  {_power_text(row)} W"
            sys.stdout.write(line.replace("  - W", "  -") + "\n")
    sys.stdout.flush()
