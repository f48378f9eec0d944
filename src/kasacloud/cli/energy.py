"""``kasacloud energy`` (realtime, days of a month, months of a year) and ``kasacloud export``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from kasacloud.cli import output
from kasacloud.cli.dates import FORMATS_HELP, DateRange, parse_month, parse_year
from kasacloud.cli.errors import CliError, ExitCode, usage_error
from kasacloud.cli.options import device_argument, outlet_option
from kasacloud.cli.output import Column, Listing, Message, Record, number
from kasacloud.cli.runner import command
from kasacloud.cli.session import OFFLINE_HINT, choose, label, ref, require_online, signed_in
from kasacloud.cli.settings import Settings
from kasacloud.client import Device, EnergyDay, EnergyMonth, Outlet, Strip


def _meters(device: Device) -> list[Device]:
    """The devices whose meters make up ``device``'s energy: a metered strip's outlets."""
    if isinstance(device, Strip):
        return list(device.children) if device.energy is not None else []
    return [device] if device.energy is not None else []


def _require_meter(device: Device) -> list[Device]:
    require_online(device)  # offline, the meter is not known (nor readable)
    meters = _meters(device)
    if not meters or (device.energy is not None and device.energy.supported is False):
        raise usage_error(
            f"{label(device)} has no energy meter.",
            hint="Run 'kasacloud devices --json' and look for has_energy: true.",
        )
    return meters


async def _daily(meters: Sequence[Device], year: int, month: int) -> dict[dt.date, float]:
    totals: dict[dt.date, float] = {}
    for meter in meters:
        assert meter.energy is not None
        for day in await meter.energy.get_daily(year, month):
            totals[day.date] = totals.get(day.date, 0.0) + day.energy_kwh
    return totals


async def _monthly(meters: Sequence[Device], year: int) -> dict[int, float]:
    totals: dict[int, float] = {}
    for meter in meters:
        assert meter.energy is not None
        month: EnergyMonth
        for month in await meter.energy.get_monthly(year):
            totals[month.month] = totals.get(month.month, 0.0) + month.energy_kwh
    return totals


REALTIME_FIELDS = (
    number("power_w", "Power", "W"),
    number("voltage_v", "Voltage", "V", 1),
    number("current_a", "Current", "A", 3),
    number("total_kwh", "Total", "kWh", 3),
)


@command("energy")
@device_argument
@outlet_option
@click.option("--day", "day_month", metavar="YYYY-MM", help="kWh per day of that month.")
@click.option("--month", "month_year", metavar="YYYY", help="kWh per month of that year.")
async def energy(
    current: Settings,
    device: str,
    outlet: str | None,
    day_month: str | None,
    month_year: str | None,
) -> Record | Listing:
    """Show a device's power now, or its energy per day (--day) or per month (--month).

    Units: W, V, A and kWh, whatever the hardware reports. A power strip without --outlet shows
    the sum of its outlets.
    """
    if day_month and month_year:
        raise usage_error("--day and --month cannot be used together.", hint="Choose one.")
    period_day = parse_month(day_month) if day_month else None
    period_year = parse_year(month_year) if month_year else None
    async with signed_in(current) as cloud:
        chosen = await choose(cloud, device, outlet)
        meters = _require_meter(chosen)
        if period_day is not None:
            year, month = period_day
            days = await _daily(meters, year, month)
            rows = [
                {"date": d.isoformat(), "energy_kwh": round(v, 6)} for d, v in sorted(days.items())
            ]
            return Listing(
                "days",
                rows,
                [Column("date", "Day"), number("energy_kwh", "Energy", "kWh", 3)],
                meta={
                    "device": ref(chosen),
                    "year": year,
                    "month": month,
                    "unit": "kWh",
                    "total_kwh": round(sum(days.values()), 6),
                },
                title=f"{label(chosen)}: energy per day, {year}-{month:02d}",
                empty=f"No energy recorded in {year}-{month:02d}.",
                footer=f"Total {sum(days.values()):.3f} kWh",
            )
        if period_year is not None:
            months = await _monthly(meters, period_year)
            rows = [
                {"month": f"{period_year}-{m:02d}", "energy_kwh": round(v, 6)}
                for m, v in sorted(months.items())
            ]
            return Listing(
                "months",
                rows,
                [Column("month", "Month"), number("energy_kwh", "Energy", "kWh", 3)],
                meta={
                    "device": ref(chosen),
                    "year": period_year,
                    "unit": "kWh",
                    "total_kwh": round(sum(months.values()), 6),
                },
                title=f"{label(chosen)}: energy per month, {period_year}",
                empty=f"No energy recorded in {period_year}.",
                footer=f"Total {sum(months.values()):.3f} kWh",
            )
        await (chosen.parent if isinstance(chosen, Outlet) else chosen).update()
        if isinstance(chosen, Outlet):
            await chosen.update()
        reading = chosen.realtime
        if reading is None:
            raise usage_error(f"{label(chosen)} has no energy meter.")
        data: dict[str, Any] = {
            "device": ref(chosen),
            "power_w": reading.power_w,
            "voltage_v": reading.voltage_v,
            "current_a": reading.current_a,
            "total_kwh": reading.total_kwh,
            "raw": reading.raw,
        }
        return Record(data, REALTIME_FIELDS, title=label(chosen))


EXPORT_FIELDS = ("device_id", "alias", "outlet", "date", "energy_kwh")


def _format_for(fmt: str | None, path: Path | None, as_json: bool) -> str:
    if fmt:
        return fmt
    if path is not None and path.suffix.lower() in (".json", ".csv"):
        return path.suffix.lower().lstrip(".")
    return "json" if as_json else "csv"


def _render_export(
    fmt: str, span: DateRange, records: list[dict[str, Any]], skipped: list[dict[str, Any]]
) -> str:
    if fmt == "json":
        return (
            json.dumps(
                {
                    "from": span.start.isoformat(),
                    "to": span.end.isoformat(),
                    "unit": "kWh",
                    "records": records,
                    "skipped": skipped,
                },
                indent=2,
                sort_keys=True,
                ensure_ascii=False,
            )
            + "\n"
        )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue()


@command("export")
@click.argument("device_selectors", metavar="[DEVICE]...", nargs=-1)
@click.option("--from", "start", metavar="DATE", help=f"First day ({FORMATS_HELP}).")
@click.option("--to", "end", metavar="DATE", help=f"Last day ({FORMATS_HELP}) [default: today].")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), help="[default: from --output, else csv]"
)
@click.option(
    "--output",
    "-o",
    "path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file [default: stdout].",
)
async def export(
    current: Settings,
    device_selectors: tuple[str, ...],
    start: str | None,
    end: str | None,
    fmt: str | None,
    path: Path | None,
) -> Message | None:
    """Export energy per day of all (or the named) devices over a date range, as CSV or JSON.

    One record per meter and day: device_id, alias, outlet (a strip's outlet number, else empty),
    date, energy_kwh. Without --from, the 30 days up to --to (default today). Devices keep about
    a month of daily history; older days come from the energy history 'kasacloud agent'
    records (if it runs), else back empty.
    """
    span = DateRange.parse(start, end, today=dt.date.today())
    chosen_format = _format_for(fmt, path, current.as_json)
    if path is not None and not path.parent.is_dir():
        raise usage_error(
            f"--output {path}: the directory {path.parent} does not exist.",
            hint="Create it first, or choose another file.",
        )
    async with signed_in(current) as cloud:
        if device_selectors:
            devices = [await choose(cloud, s) for s in dict.fromkeys(device_selectors)]
        else:
            devices = await cloud.devices()
        meters: list[Device] = []
        skipped: list[dict[str, Any]] = []
        for device in devices:
            if not device.is_online:
                skipped.append({**ref(device), "reason": "offline"})
            elif not _meters(device):
                if device_selectors:
                    skipped.append({**ref(device), "reason": "no energy meter"})
            else:
                meters.extend(_meters(device))
        if device_selectors and not meters:
            _nothing_to_export(skipped)
        months = list(span.months())
        records: list[dict[str, Any]] = []
        with output.progress(len(meters) * len(months), "Reading energy history") as bar:
            for meter in meters:
                assert meter.energy is not None
                for year, month in months:
                    bar.advance(f"{meter.alias} {year}-{month:02d}")
                    day: EnergyDay
                    for day in await meter.energy.get_daily(year, month):
                        if day.date in span:
                            records.append(_export_record(meter, day))
    if span.start < dt.date.today() - dt.timedelta(days=DEVICE_DAYS_KEPT):
        records = _with_history(records, span, meters)
    records.sort(key=lambda r: (r["date"], r["device_id"]))
    text = _render_export(chosen_format, span, records, skipped)
    for entry in skipped:
        output.note(f"Skipped {entry['alias']}: {entry['reason']}.")
    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return None
    _write(path, text)
    return Message(
        f"Wrote {_count(len(records), 'record')} ({_count(len(meters), 'meter')}, "
        f"{span.start} to {span.end}) to {path}.",
        {
            "file": str(path),
            "format": chosen_format,
            "records": len(records),
            "meters": len(meters),
            "from": span.start.isoformat(),
            "to": span.end.isoformat(),
            "skipped": skipped,
        },
    )


DEVICE_DAYS_KEPT = 30
"""Devices keep about this many days; older ones come from the agent's history, if any."""


def _with_history(
    records: list[dict[str, Any]], span: DateRange, meters: Sequence[Device]
) -> list[dict[str, Any]]:
    """Add the days ``kasacloud agent`` recorded that the devices no longer keep."""
    from kasacloud.agent.history import history_records

    have = {(r["device_id"], r["date"]) for r in records}
    recorded = history_records(span.start, span.end, [m.device_id for m in meters])
    return records + [r for r in recorded if (r["device_id"], r["date"]) not in have]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _nothing_to_export(skipped: list[dict[str, Any]]) -> None:
    """Every named device was skipped: say why, with the exit code of the reason."""
    reasons = "; ".join(f"{entry['alias']}: {entry['reason']}" for entry in skipped)
    if all(entry["reason"] == "offline" for entry in skipped):
        raise CliError(
            f"Nothing to export ({reasons}).", hint=OFFLINE_HINT, exit_code=ExitCode.OFFLINE
        )
    raise usage_error(
        f"Nothing to export ({reasons}).",
        hint="Run 'kasacloud devices --json' and look for has_energy: true.",
    )


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"Cannot write {path}: {exc.strerror or exc}.") from None


def _export_record(meter: Device, day: EnergyDay) -> dict[str, Any]:
    outlet = meter.index + 1 if isinstance(meter, Outlet) else None
    alias = f"{meter.parent.alias} / {meter.alias}" if isinstance(meter, Outlet) else meter.alias
    return {
        "device_id": meter.device_id,
        "alias": alias,
        "outlet": outlet,
        "date": day.date.isoformat(),
        "energy_kwh": round(day.energy_kwh, 6),
    }
