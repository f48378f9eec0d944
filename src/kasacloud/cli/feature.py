"""``kasacloud feature``: list, read and set a device's features (like ``kasa feature``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from kasacloud.cli.errors import CliError, ExitCode
from kasacloud.cli.options import device_argument, outlet_option
from kasacloud.cli.output import Column, Listing, Record
from kasacloud.cli.runner import command
from kasacloud.cli.session import choose, label, ref, require_online, signed_in
from kasacloud.cli.settings import Settings
from kasacloud.client import Device, Feature, FeatureType, KasaCloud, Outlet


def value_text(value: Any, unit: str | None = None, precision: int | None = None) -> str:
    """A feature value as a person reads it: ``on``, ``61.2 W``, ``240,100,80``."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        text = "on" if value else "off"
    elif isinstance(value, float):
        text = f"{value:.{precision if precision is not None else 2}f}"
    elif isinstance(value, list | tuple):
        text = ",".join(str(v) for v in value)
    elif isinstance(value, str) and len(value) >= 19 and value[10] == "T":
        text = value.replace("T", " ")  # an ISO time from describe()
    elif isinstance(value, dt.datetime):
        text = value.isoformat(sep=" ")
    else:
        text = str(value)
    return f"{text} {unit}" if unit and unit not in ("°",) else text


def _cell(row: dict[str, Any]) -> str:
    return value_text(row.get("value"), row.get("unit"), row.get("precision"))


def _accepts(row: dict[str, Any]) -> str:
    """What a writable feature takes, for the table: ``0-100``, ``on|off``, ``h,s,v``."""
    if not row.get("writable"):
        return ""
    if row.get("type") == FeatureType.SWITCH:
        return "on|off"
    if row.get("choices"):
        return "|".join(row["choices"])
    if row.get("parts"):
        return ",".join(p["name"] for p in row["parts"])
    if row.get("range"):
        low, high = row["range"]
        return f"{low:g}-{high:g}"
    return "yes" if row.get("type") == FeatureType.ACTION else ""


FEATURE_COLUMNS = (
    Column("name", "Feature"),
    Column("id", "Id"),
    Column("value", "Value", compute=_cell),
    Column("writable", "Set with", compute=_accepts),
)


async def _read(cloud: KasaCloud, device: str, outlet: str | None) -> Device:
    chosen = await choose(cloud, device, outlet)
    require_online(chosen)
    if isinstance(chosen, Outlet):
        await chosen.parent.update()
        if chosen.energy is not None:
            await chosen.update()
    else:
        await chosen.update()
    return chosen


def _find(chosen: Device, name: str) -> Feature:
    feature = chosen.features.get(name) or next(
        (f for f in chosen.features.values() if f.name.lower() == name.strip().lower()), None
    )
    if feature is None:
        listed = ", ".join(chosen.features) or "none"
        raise CliError(
            f"{label(chosen)} has no feature {name!r}; it has: {listed}.",
            hint=f"'kasacloud feature {chosen.alias or chosen.device_id!r}' lists them.",
            exit_code=ExitCode.NOT_FOUND,
        )
    return feature


@command("feature")
@device_argument
@click.argument("name", metavar="[FEATURE]", required=False)
@click.argument("value", metavar="[VALUE]", required=False)
@outlet_option
async def feature(
    current: Settings, device: str, name: str | None, value: str | None, outlet: str | None
) -> Listing | Record:
    r"""List a device's features, read one, or set one.

    \b
    kasacloud feature kettle                       every feature, with values and units
    kasacloud feature kettle current_power         one
    kasacloud feature "living room" hsv 240,100,80 set one (several numbers: comma-separated)
    kasacloud feature office --outlet 2 state off  a strip's outlet
    """
    async with signed_in(current) as cloud:
        chosen = await _read(cloud, device, outlet)
        if name is None:
            rows = [f.describe() for f in chosen.features.values()]
            return Listing(
                "features", rows, FEATURE_COLUMNS, meta={"device": ref(chosen)},
                title=label(chosen), empty=f"{label(chosen)} reports no features.",
            )  # fmt: skip
        found = _find(chosen, name)
        if value is not None:
            await found.set_value(found.parse(value))
            chosen = await _read(cloud, device, outlet)  # what the device says now
            found = _find(chosen, found.id)
    return Record(
        {"device": ref(chosen), "feature": found.describe()},
        [Column("feature", found.name, compute=lambda row: _cell(row["feature"]))],
        title=label(chosen),
    )
