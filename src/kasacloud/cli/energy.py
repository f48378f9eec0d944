"""``kasacloud energy`` (realtime, months of a year, days of a month) and ``kasacloud export``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
import click

from kasacloud.cli import output
from kasacloud.cli.dates import (
    FORMATS_HELP,
    MONTH_FORM,
    YEAR_FORM,
    DateRange,
    parse_day,
    parse_month,
    parse_year,
)
from kasacloud.cli.errors import CliError, ExitCode, usage_error
from kasacloud.cli.options import device_argument, outlet_option
from kasacloud.cli.output import Column, Listing, Message, Record, number
from kasacloud.cli.runner import command, sync_command
from kasacloud.cli.session import OFFLINE_HINT, label, ref, require_online, signed_in
from kasacloud.cli.settings import Settings
from kasacloud.cli.targets import choose_one, load_home, quoted, resolve
from kasacloud.client import Device, EnergyDay, EnergyMonth, Outlet, Strip
from kasacloud.client.home import EnergyPrice


def _meters(device: Device) -> list[Device]:
    """The devices whose meters make up ``device``'s energy: a metered strip's outlets."""
    if isinstance(device, Strip):
        return list(device.children) if device.energy is not None else []
    return [device] if device.energy is not None else []


METER_HINT = "Run 'kasacloud devices --energy' to see the devices with an energy meter."


def _require_meter(device: Device) -> list[Device]:
    require_online(device)  # offline, the meter is not known (nor readable)
    meters = _meters(device)
    if not meters or (device.energy is not None and device.energy.supported is False):
        raise usage_error(
            f"{label(device)} has no energy meter.",
            hint=METER_HINT,
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

# One vocabulary for an empty period, in `energy` and `export` alike.
NO_ENERGY = "No energy recorded in {period}."
DAYS_NOT_KEPT = (
    "{device} keeps energy per day for about the last 30 days: {period} has only its month "
    "total, {total}."
)
NO_HOURS = "{device} keeps energy per day and per month, not per hour."


def _priced(rows: list[dict[str, Any]], meta: dict[str, Any], price: EnergyPrice | None) -> None:
    """Add cost to rows and totals when an energy price is set (``kasacloud price``)."""
    if price is None:
        return
    for row in rows:
        row["cost"] = price.cost(row["energy_kwh"])
    meta.update(
        {
            "cost": price.cost(meta["total_kwh"]),
            "currency": price.currency,
            "price_per_kwh": price.per_kwh,
        }
    )


def _energy_columns(first: Column, price: EnergyPrice | None) -> list[Column]:
    columns = [first, number("energy_kwh", "Energy", "kWh", 3)]
    if price is not None:
        columns.append(number("cost", "Cost", price.currency or "per price", 2))
    return columns


def _total_text(total_kwh: float, price: EnergyPrice | None) -> str:
    text = f"Total {total_kwh:.3f} kWh"
    return f"{text}, {price.text(total_kwh)}" if price is not None else text


Period = tuple[str, int, int]
"""``("year", YYYY, 0)``, ``("month", YYYY, MM)`` or ``("day", YYYY, MM*100+DD)``."""


def _period(day: str | None, month: str | None, year: str | None) -> Period | None:
    """The period asked for; the forms of earlier releases work, with a note of the new one."""
    given = [o for o, v in (("--day", day), ("--month", month), ("--year", year)) if v]
    if len(given) > 1:
        raise usage_error(f"{' and '.join(given)} cannot be used together.", hint="Choose one.")
    if year:
        return ("year", parse_year(year, "--year"), 0)
    if month:
        if YEAR_FORM.match(month.strip()):
            output.note(f"Note: --month YYYY is now --year {month.strip()} (the months of a year).")
            return ("year", parse_year(month, "--month"), 0)
        y, m = parse_month(month, "--month")
        return ("month", y, m)
    if day:
        text = day.strip()
        if MONTH_FORM.match(text):
            y, m = parse_month(text, "--day")
            output.note(f"Note: --day YYYY-MM is now --month {y}-{m:02d} (the days of a month).")
            return ("month", y, m)
        date = parse_day(text, "--day")
        return ("day", date.year, date.month * 100 + date.day)
    return None


async def _month_total(meters: Sequence[Device], year: int, month: int) -> float:
    return (await _monthly(meters, year)).get(month, 0.0)


async def _days_listing(
    chosen: Device, meters: list[Device], year: int, month: int, price: EnergyPrice | None
) -> Listing:
    days = await _daily(meters, year, month)
    rows = [{"date": d.isoformat(), "energy_kwh": round(v, 6)} for d, v in sorted(days.items())]
    total = sum(days.values())
    period = f"{year}-{month:02d}"
    empty = NO_ENERGY.format(period=period)
    if not days and (month_kwh := await _month_total(meters, year, month)) > 0:
        empty = DAYS_NOT_KEPT.format(device=label(chosen), period=period,
                                     total=f"{month_kwh:.3f} kWh")  # fmt: skip
        empty += f" 'kasacloud energy {_quoted(chosen)} --year {year}' shows every month."
    meta = {"device": ref(chosen), "year": year, "month": month, "unit": "kWh",
            "total_kwh": round(total, 6)}  # fmt: skip
    _priced(rows, meta, price)
    return Listing(
        "days",
        rows,
        _energy_columns(Column("date", "Day"), price),
        meta=meta,
        title=f"{label(chosen)}: energy per day, {period}",
        empty=empty,
        footer=_total_text(total, price),
    )


async def _months_listing(
    chosen: Device, meters: list[Device], year: int, price: EnergyPrice | None
) -> Listing:
    months = await _monthly(meters, year)
    rows = [
        {"month": f"{year}-{m:02d}", "energy_kwh": round(v, 6)} for m, v in sorted(months.items())
    ]
    total = sum(months.values())
    meta = {"device": ref(chosen), "year": year, "unit": "kWh", "total_kwh": round(total, 6)}
    _priced(rows, meta, price)
    return Listing(
        "months",
        rows,
        _energy_columns(Column("month", "Month"), price),
        meta=meta,
        title=f"{label(chosen)}: energy per month, {year}",
        empty=NO_ENERGY.format(period=year),
        footer=_total_text(total, price),
    )


def _quoted(device: Device) -> str:
    return quoted(device.alias or device.device_id)


def _confirm_erase(selector: str, yes: bool) -> None:
    """Ask before erasing (outside the event loop, so that Ctrl-C stops the prompt)."""
    if yes:
        return
    if not click.confirm(
        f"Erase the energy history and total of {selector!r}? This cannot be undone",
        default=False,
        err=True,
    ):
        raise CliError("Nothing erased.", exit_code=ExitCode.INTERRUPTED)


@sync_command("energy")
@device_argument
@outlet_option
@click.option("--year", metavar="YYYY", help="kWh per month of that year.")
@click.option(
    "--month", metavar="YYYY-MM", help="kWh per day of that month (YYYY: see --year; old form)."
)
@click.option(
    "--day",
    metavar="YYYY-MM-DD",
    help="kWh per hour of that day, where the device keeps hours (YYYY-MM: see --month; old form).",
)
@click.option("--erase", is_flag=True, help="Erase the meter's history and total (asks first).")
@click.option("--yes", "-y", is_flag=True, help="With --erase: do not ask.")
def energy(
    current: Settings,
    device: str,
    outlet: str | None,
    year: str | None,
    month: str | None,
    day: str | None,
    erase: bool,
    yes: bool,
) -> Record | Listing | Message:
    """Show a device's power now, or its energy per month (--year), day (--month) or hour (--day).

    Units: W, V, A and kWh, whatever the hardware reports; with an energy price set
    ('kasacloud price'), the cost too. A power strip without --outlet shows the sum of its
    outlets. --erase clears the meter (after asking; --yes does not ask).
    """
    period = _period(day, month, year)
    if erase and period is not None:
        raise usage_error("--erase cannot be combined with a period.", hint="Leave the period out.")
    price = load_home(current).price
    if erase:
        _confirm_erase(device + (f" --outlet {outlet}" if outlet else ""), yes)

    async def main() -> Record | Listing | Message:
        async with signed_in(current) as cloud:
            chosen = await choose_one(cloud, device, outlet)
            meters = _require_meter(chosen)
            if erase:
                for meter in meters:
                    assert meter.energy is not None
                    await meter.energy.erase_stats()
                return Message(
                    f"Erased the energy history of {label(chosen)}.",
                    {"device": ref(chosen), "erased": True},
                )
            if period is not None and period[0] == "month":
                return await _days_listing(chosen, meters, period[1], period[2], price)
            if period is not None and period[0] == "year":
                return await _months_listing(chosen, meters, period[1], price)
            if period is not None:
                y, m, d = period[1], period[2] // 100, period[2] % 100
                raise usage_error(
                    NO_HOURS.format(device=label(chosen)),
                    hint=f"'kasacloud energy {_quoted(chosen)} --month {y}-{m:02d}' shows the "
                    f"days of that month (day {d} included).",
                )
            return await _realtime(chosen)

    return anyio.run(main)


async def _realtime(chosen: Device) -> Record:
    await (chosen.parent if isinstance(chosen, Outlet) else chosen).update()
    if isinstance(chosen, Outlet):
        await chosen.update()
    reading = chosen.realtime
    if reading is None:
        raise usage_error(f"{label(chosen)} has no energy meter.", hint=METER_HINT)
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


def _covered(records: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """The first and last day the records have (``None`` without records)."""
    dates = [r["date"] for r in records]
    return (min(dates), max(dates)) if dates else (None, None)


def _render_export(
    fmt: str,
    span: DateRange,
    records: list[dict[str, Any]],
    skipped: list[dict[str, Any]],
    price: EnergyPrice | None,
) -> str:
    if fmt == "json":
        first, last = _covered(records)
        data: dict[str, Any] = {
            "from": span.start.isoformat(),
            "to": span.end.isoformat(),
            "records_from": first,
            "records_to": last,
            "unit": "kWh",
            "total_kwh": round(sum(r["energy_kwh"] for r in records), 6),
            "records": records,
            "skipped": skipped,
        }
        if price is not None:
            data.update({"currency": price.currency, "price_per_kwh": price.per_kwh})
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    fields = (*EXPORT_FIELDS, "cost") if price is not None else EXPORT_FIELDS
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue()


def _range_text(span: DateRange, records: list[dict[str, Any]]) -> str:
    """What the records cover, and what was asked when that is more (devices keep ~30 days)."""
    first, last = _covered(records)
    asked = f"{span.start} to {span.end}"
    if first is None:  # the words of NO_ENERGY, inside a sentence
        return NO_ENERGY.format(period=asked).rstrip(".").lower()
    if (first, last) == (span.start.isoformat(), span.end.isoformat()):
        return f"{first} to {last}"
    return f"days {first} to {last} of the asked {asked}"


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
    date, energy_kwh (and cost, with an energy price set). Without --from, the 30 days up to --to
    (default today). Devices keep about a month of daily history; older days come from the energy
    history 'kasacloud agent' records (if it runs): the result says which days it has. DEVICE may
    be a name, an id or @GROUP.
    """
    span = DateRange.parse(start, end, today=dt.date.today())
    chosen_format = _format_for(fmt, path, current.as_json)
    price = load_home(current).price
    if path is not None and not path.parent.is_dir():
        raise usage_error(
            f"--output {path}: the directory {path.parent} does not exist.",
            hint="Create it first, or choose another file.",
        )
    async with signed_in(current) as cloud:
        if device_selectors:
            devices = await resolve(current, cloud, device_selectors)
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
                            records.append(_export_record(meter, day, price))
    if span.start < dt.date.today() - dt.timedelta(days=DEVICE_DAYS_KEPT):
        records = _with_history(records, span, meters, price)
    records.sort(key=lambda r: (r["date"], r["device_id"]))
    text = _render_export(chosen_format, span, records, skipped, price)
    for entry in skipped:
        output.note(f"Skipped {entry['alias']}: {entry['reason']}.")
    covered = _range_text(span, records)
    first, last = _covered(records)
    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        output.note(f"Exported {_count(len(records), 'record')}: {covered}.")
        return None
    _write(path, text)
    return Message(
        f"Wrote {_count(len(records), 'record')} ({_count(len(meters), 'meter')}, "
        f"{covered}) to {path}.",
        {
            "file": str(path),
            "format": chosen_format,
            "records": len(records),
            "meters": len(meters),
            "from": span.start.isoformat(),
            "to": span.end.isoformat(),
            "records_from": first,
            "records_to": last,
            "skipped": skipped,
        },
    )


DEVICE_DAYS_KEPT = 30
"""Devices keep about this many days; older ones come from the agent's history, if any."""


def _with_history(
    records: list[dict[str, Any]],
    span: DateRange,
    meters: Sequence[Device],
    price: EnergyPrice | None,
) -> list[dict[str, Any]]:
    """Add the days ``kasacloud agent`` recorded that the devices no longer keep."""
    from kasacloud.agent.history import history_records

    have = {(r["device_id"], r["date"]) for r in records}
    recorded = history_records(span.start, span.end, [m.device_id for m in meters])
    added = [r for r in recorded if (r["device_id"], r["date"]) not in have]
    if price is not None:  # priced as the devices' own records are
        for record in added:
            kwh = record["energy_kwh"]
            if isinstance(kwh, int | float):
                record["cost"] = price.cost(float(kwh))
    return records + added


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
        hint=METER_HINT,
    )


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"Cannot write {path}: {exc.strerror or exc}.") from None


def _export_record(meter: Device, day: EnergyDay, price: EnergyPrice | None) -> dict[str, Any]:
    outlet = meter.index + 1 if isinstance(meter, Outlet) else None
    alias = f"{meter.parent.alias} / {meter.alias}" if isinstance(meter, Outlet) else meter.alias
    record: dict[str, Any] = {
        "device_id": meter.device_id,
        "alias": alias,
        "outlet": outlet,
        "date": day.date.isoformat(),
        "energy_kwh": round(day.energy_kwh, 6),
    }
    if price is not None:
        record["cost"] = price.cost(record["energy_kwh"])
    return record
