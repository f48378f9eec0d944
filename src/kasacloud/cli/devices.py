"""Device commands: devices, info, on, off, toggle, led, alias, reboot and raw."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from kasacloud.cli.errors import usage_error
from kasacloud.cli.options import device_argument, outlet_option
from kasacloud.cli.output import Column, Listing, Message, RawJSON, Record, on_off, online
from kasacloud.cli.runner import command
from kasacloud.cli.session import (
    label,
    light_json,
    ref,
    require_online,
    signed_in,
    summary,
)
from kasacloud.cli.settings import Settings
from kasacloud.cli.targets import Results, choose_one, for_each, is_single, resolve
from kasacloud.client import Device, Outlet
from kasacloud.client.devices.view import readings
from kasacloud.client.home import rename_clash


def _state(row: dict[str, Any]) -> str:
    """``on``, ``off``, ``offline``, or ``2 of 6 on`` for a strip."""
    if not row.get("online"):
        return "offline"
    outlets = row.get("outlets")
    if outlets:
        lit = sum(1 for o in outlets if o.get("is_on"))
        return f"{lit} of {len(outlets)} on"
    return on_off(row.get("is_on"))


DEVICE_COLUMNS = (
    Column("alias", "Name"),
    Column("kind", "Kind"),
    Column("model", "Model"),
    Column("is_on", "State", compute=_state),
    Column("id", "Id"),
)


KINDS = ("plug", "wall_switch", "dimmer", "strip", "bulb", "light_strip", "device")


def _matches(
    row: dict[str, Any], kinds: tuple[str, ...], online: bool | None, on: bool | None, meter: bool
) -> bool:
    """Whether a ``devices`` row passes the filters (a strip is on when any outlet is)."""
    if kinds and row["kind"] not in kinds:
        return False
    if online is not None and bool(row["online"]) != online:
        return False
    if on is not None:
        outlets = row.get("outlets")
        lit = any(o.get("is_on") for o in outlets) if outlets else bool(row["is_on"])
        if not row["online"] or lit != on:
            return False
    return not meter or bool(row["has_energy"])


@command("devices")
@click.option(
    "--kind",
    "kinds",
    type=click.Choice(KINDS),
    multiple=True,
    help="Only devices of this kind (repeat for several).",
)
@click.option("--online/--offline", "online", default=None, help="Only online (offline) devices.")
@click.option("--on/--off", "on", default=None, help="Only devices that are on (off).")
@click.option("--energy", "meter", is_flag=True, help="Only devices with an energy meter.")
async def devices(
    current: Settings, kinds: tuple[str, ...], online: bool | None, on: bool | None, meter: bool
) -> Listing:
    """List the account's devices with their state (filters: kind, online, on, energy meter)."""
    async with signed_in(current) as cloud:
        found = await cloud.devices(update=True)  # one request a device, readings included
    every = [summary(d) for d in found]
    rows = [r for r in every if _matches(r, kinds, online, on, meter)]
    filtered = bool(kinds) or online is not None or on is not None or meter
    count = f"{len(rows)} of {len(every)} devices" if filtered else f"{len(rows)} devices"
    return Listing(
        "devices",
        rows,
        DEVICE_COLUMNS,
        empty="No device matches." if filtered else "This account has no devices.",
        footer=f"{count}, {sum(1 for r in rows if r['online'])} online",
    )


def _outlets_text(row: dict[str, Any]) -> str:
    outlets = row.get("outlets") or []
    return ", ".join(f"{o['outlet']}:{o['alias']} {on_off(o['is_on'])}" for o in outlets) or "-"


def _sensors_text(row: dict[str, Any]) -> str:
    """A hub's sensors and their readings: ``Door: Open no, Battery low no; ...``."""
    parts = []
    for sensor in row.get("sensors") or []:
        shown = ", ".join(f"{name} {text}" for name, text in readings(sensor["features"]))
        parts.append(f"{sensor['alias']}: {shown or 'no readings'}")
    return "; ".join(parts) or "-"


def _light_text(row: dict[str, Any]) -> str:
    light = row.get("light") or {}
    parts = []
    if light.get("brightness_pct") is not None:
        parts.append(f"brightness {light['brightness_pct']} %")
    if light.get("color_temp_k"):
        parts.append(f"{light['color_temp_k']} K")
    elif light.get("hsv") and light.get("is_color"):
        h, s, v = light["hsv"]
        parts.append(f"hue {h}°, saturation {s} %, value {v} %")
    return ", ".join(parts) or "-"


def _power_text(row: dict[str, Any]) -> str:
    energy = row.get("energy")
    if not energy or energy.get("power_w") is None:
        return "-"
    return f"{energy['power_w']:.2f} W"


def _energy_total_text(row: dict[str, Any]) -> str:
    energy = row.get("energy")
    if not energy or energy.get("total_kwh") is None:
        return "-"
    return f"{energy['total_kwh']:.3f} kWh"


INFO_FIELDS = (
    Column("alias", "Name"),
    Column("id", "Id"),
    Column("kind", "Kind"),
    Column("model", "Model"),
    Column("online", "Cloud", fmt=online),
    Column("is_on", "State", fmt=on_off),
    Column("outlets", "Outlets", compute=_outlets_text),
    Column("sensors", "Sensors", compute=_sensors_text),
    Column("light", "Light", compute=_light_text),
    Column("energy", "Power", compute=_power_text),
    Column("energy", "Energy total", compute=_energy_total_text),
    Column("led", "LED", fmt=on_off),
    Column("hw_version", "Hardware"),
    Column("fw_version", "Firmware"),
    Column("mac", "MAC"),
    Column("rssi_dbm", "Wi-Fi signal", unit="dBm"),
    Column("time", "Device time"),
    Column("region", "Region"),
)


def _details(device: Device) -> dict[str, Any]:
    """Everything ``info`` shows, JSON-ready."""
    data = summary(device)
    data.update(
        {
            "hw_version": device.hw_ver,
            "fw_version": device.fw_ver,
            "mac": device.mac,
            "rssi_dbm": device.rssi,
            "region": device.region,
            "led": device.led if device.is_online else None,
            "time": device.time.isoformat() if device.time else None,
            "sysinfo": device.sysinfo,
        }
    )
    if isinstance(device, Outlet):
        data.update(ref(device))
    if (light := light_json(device)) is not None:
        data["light"] = light
    reading = device.realtime
    if reading is not None:
        data["energy"] = {
            "power_w": reading.power_w,
            "voltage_v": reading.voltage_v,
            "current_a": reading.current_a,
            "total_kwh": reading.total_kwh,
        }
    return data


@command("info")
@device_argument
@outlet_option
async def info(current: Settings, device: str, outlet: str | None) -> Record:
    """Show one device: identity, state, light, power, firmware, signal."""
    async with signed_in(current) as cloud:
        chosen = await choose_one(cloud, device, outlet)
        if chosen.is_online:
            await (chosen.parent if isinstance(chosen, Outlet) else chosen).update()
            if isinstance(chosen, Outlet) and chosen.energy is not None:
                await chosen.update()
    return Record(_details(chosen), INFO_FIELDS, title=label(chosen))


def _switched(chosen: Device, now_on: bool) -> Record:
    data = {"device": ref(chosen), "is_on": now_on}
    return Record(
        data,
        [Column("is_on", "State", fmt=on_off)],
        title=label(chosen),
    )


async def _switch(device: Device, target: bool | None, transition_ms: int | None) -> bool:
    """Switch one device; its state after."""
    if target is None:
        return await device.toggle()
    if target:
        await device.turn_on(transition_ms=transition_ms)
    else:
        await device.turn_off(transition_ms=transition_ms)
    return target


def _switch_command(name: str, target: bool | None, doc: str) -> Any:
    @command(name, help=doc)
    @click.argument("selectors", metavar="DEVICE...", nargs=-1)
    @click.option("--all", "every", is_flag=True, help="Every device of the account.")
    @outlet_option
    @click.option(
        "--transition",
        "transition_ms",
        type=click.IntRange(0, 60_000),
        metavar="MS",
        help="Lights: fade over this many milliseconds.",
    )
    async def switch(
        current: Settings,
        selectors: tuple[str, ...],
        every: bool,
        outlet: str | None,
        transition_ms: int | None,
    ) -> Record | Results:
        async with signed_in(current) as cloud:
            chosen = await resolve(current, cloud, selectors, every=every, outlet=outlet)
            if is_single(selectors, every):
                return _switched(chosen[0], await _switch(chosen[0], target, transition_ms))

            async def act(device: Device) -> dict[str, Any]:
                return {"is_on": await _switch(device, target, transition_ms)}

            return await for_each(
                chosen, act, title=f"kasacloud {name}", describe=lambda d: on_off(d["is_on"])
            )

    return switch


SEVERAL = " Several at once: DEVICE... (names, ids, @GROUP) or --all; one result each."
turn_on = _switch_command("on", True, "Turn devices (or one outlet of a strip) on." + SEVERAL)
turn_off = _switch_command("off", False, "Turn devices (or one outlet of a strip) off." + SEVERAL)
toggle = _switch_command(
    "toggle", None, "Flip devices (or one outlet of a strip) on or off." + SEVERAL
)


@command("led")
@device_argument
@click.argument("state", type=click.Choice(["on", "off"]), required=False)
async def led(current: Settings, device: str, state: str | None) -> Record:
    """Show the status LED, or turn it on or off (the LED, not the device)."""
    async with signed_in(current) as cloud:
        chosen = await choose_one(cloud, device)
        if state is not None:
            await chosen.set_led(state == "on")
            lit: bool | None = state == "on"
        else:
            require_online(chosen)  # an offline device's LED state is not known
            lit = chosen.led
            if lit is None:
                raise usage_error(f"{chosen.alias!r} has no status LED.")
    return Record({"device": ref(chosen), "led": lit}, [Column("led", "LED", fmt=on_off)],
                  title=label(chosen))  # fmt: skip


@command("alias")
@device_argument
@click.argument("new_alias", metavar="NEW_NAME")
@outlet_option
@click.option("--force", is_flag=True, help="Rename even if another device has that name.")
async def alias(
    current: Settings, device: str, new_alias: str, outlet: str | None, force: bool
) -> Record:
    """Rename a device (or one outlet of a strip).

    A name another device already has is refused (it would make the name ambiguous for every
    later command) unless --force.
    """
    if not 1 <= len(new_alias.strip()) <= 31:
        raise usage_error(
            f"{new_alias!r} cannot be a name: names have 1 to 31 characters.",
            hint="Choose a shorter name." if new_alias.strip() else "Give a name.",
        )
    async with signed_in(current) as cloud:
        chosen = await choose_one(cloud, device, outlet)
        if not force and (clash := rename_clash(await cloud.devices(), chosen, new_alias)):
            raise usage_error(
                f"Another device is already called {clash.alias!r}: {label(clash)} "
                f"({clash.device_id}). Two devices of one name make the name ambiguous.",
                hint="Choose another name, or add --force to rename anyway.",
            )
        old = chosen.alias
        await chosen.set_alias(new_alias.strip())
    return Record(
        {"device": ref(chosen), "old_alias": old, "alias": chosen.alias},
        [Column("old_alias", "Was"), Column("alias", "Now")],
        title="Renamed",
    )


@command("reboot")
@device_argument
@click.option(
    "--delay",
    "delay_s",
    type=click.IntRange(1, 3600),
    default=1,
    show_default=True,
    metavar="SECONDS",
    help="Reboot after this long.",
)
async def reboot(current: Settings, device: str, delay_s: int) -> Message:
    """Reboot a device (it is offline for a little while)."""
    async with signed_in(current) as cloud:
        chosen = await choose_one(cloud, device)
        await chosen.reboot(delay_s)
    return Message(
        f"{label(chosen)} reboots in {delay_s} s.",
        {"device": ref(chosen), "rebooting": True, "delay_s": delay_s},
    )


def _read_request(text: str | None) -> dict[str, Any]:
    """The ``raw`` request: the argument, or stdin when it is ``-`` or left out."""
    if text is None or text == "-":
        if sys.stdin.isatty():
            raise usage_error(
                "raw needs a JSON request.",
                hint='Example: kasacloud raw Kettle \'{"system": {"get_sysinfo": null}}\'',
            )
        text = sys.stdin.read()
        if not text.strip():
            raise usage_error(
                "raw read no JSON request from its input.",
                hint='Example: kasacloud raw Kettle \'{"system": {"get_sysinfo": null}}\'',
            )
    try:
        request = json.loads(text)
    except ValueError as exc:
        raise usage_error(
            f"The request is not JSON: {exc}.",
            hint='Example: \'{"system": {"get_sysinfo": null}}\'',
        ) from None
    if not isinstance(request, dict) or not request:
        raise usage_error(
            "The request must be a JSON object of modules: {module: {method: params}}.",
            hint='Example: \'{"system": {"get_sysinfo": null}}\'',
        )
    return request


@command("raw")
@device_argument
@click.argument("request", metavar="[JSON]", required=False)
@outlet_option
async def raw(current: Settings, device: str, request: str | None, outlet: str | None) -> RawJSON:
    """Send a device command as JSON and print the device's JSON answer.

    JSON is {module: {method: params}} (SMART devices: {"method": ..., "params": {...}}), from
    the argument or stdin ('-' or left out).
    The answer is printed as the device sent it, module errors included.
    """
    body = _read_request(request)
    async with signed_in(current) as cloud:
        chosen = await choose_one(cloud, device, outlet)
        answer = await chosen.raw(body)
    return RawJSON(answer)
