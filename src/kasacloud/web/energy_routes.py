"""The energy routes: a device's history as charts and tables, as CSV, and as JSON.

The period is chosen in the query: ``month=YYYY-MM`` shows the days of that month, ``year=YYYY``
the months of that year; without them, the last 30 days and the last 12 months. ``month=recorded``
and ``year=recorded`` show what ``kasacloud agent`` recorded (its SQLite history: days and months
older than the device keeps), offered when that history has the device. With a price per kWh
(``kasacloud price``, shared with the CLI, or ``create_app(price_per_kwh=...)``), totals come with
their cost.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kasacloud.client.home import EnergyPrice
from kasacloud.web import devices as device_ops
from kasacloud.web.auth import signed_in
from kasacloud.web.charts import bar_chart
from kasacloud.web.dashboard import dashboard_of
from kasacloud.web.devices import EnergyHistory
from kasacloud.web.errors import InvalidInput
from kasacloud.web.sessions import WebSession
from kasacloud.web.views import format_energy

PERIODS = ("days", "months")
RECORDED = "recorded"
"""The ``month=`` / ``year=`` value of the agent's recorded history."""
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^\d{4}$")
MONTHS_OFFERED = 24
YEARS_OFFERED = 3


def parse_month(text: str | None) -> tuple[int, int] | None:
    """``month=YYYY-MM`` (``None`` when absent or empty); a readable error when malformed."""
    if not text:
        return None
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise InvalidInput(f"month is written YYYY-MM, e.g. 2026-03 (not “{text[:20]}”).")
    return int(match[1]), int(match[2])


def parse_year(text: str | None) -> int | None:
    """``year=YYYY`` (``None`` when absent or empty); a readable error when malformed."""
    if not text:
        return None
    if not _YEAR.match(text.strip()) or int(text) < 2000:
        raise InvalidInput(f"year is written YYYY, e.g. 2026 (not “{text[:20]}”).")
    return int(text)


def _cost_text(price: EnergyPrice | None, energy_kwh: float) -> str | None:
    if price is None:
        return None
    return f"{energy_kwh * price.per_kwh:.2f} {price.currency}".strip()


async def _history(
    request: Request, session: WebSession, device_id: str, period: str
) -> EnergyHistory:
    """One chart's history, as the query asks: a month's days, a year's months, or recorded."""
    dashboard = dashboard_of(request)
    if period == "days":
        text = request.query_params.get("month")
        if text is not None and text.strip() == RECORDED:
            return await device_ops.recorded_history(
                session, device_id, "days", dashboard.history_file
            )
        month = parse_month(text)
        return await device_ops.energy_history(
            session,
            device_id,
            "days",
            year=month[0] if month else None,
            month=month[1] if month else None,
        )
    text = request.query_params.get("year")
    if text is not None and text.strip() == RECORDED:
        return await device_ops.recorded_history(
            session, device_id, "months", dashboard.history_file
        )
    return await device_ops.energy_history(session, device_id, "months", year=parse_year(text))


def _choices(today: dt.date, recorded: str | None) -> dict[str, list[tuple[str, str]]]:
    months = [("", "Last 30 days")]
    if recorded:
        months.append((RECORDED, f"Recorded history ({recorded})"))
    y, m = today.year, today.month
    for _ in range(MONTHS_OFFERED):
        months.append((f"{y:04d}-{m:02d}", f"{calendar.month_name[m]} {y}"))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    years = [("", "Last 12 months")]
    if recorded:
        years.append((RECORDED, f"Recorded history ({recorded})"))
    years += [(str(today.year - i), str(today.year - i)) for i in range(YEARS_OFFERED)]
    return {"months": months, "years": years}


@signed_in
async def energy_page(request: Request, session: WebSession) -> Response:
    """``GET /devices/{id}/energy[?month=YYYY-MM][&year=YYYY]``: charts, totals, cost, CSV."""
    device_id = request.path_params["device_id"]
    request.state.device_id = device_id
    view = await device_ops.read_one(session, device_id)
    days = await _history(request, session, device_id, "days")
    months = await _history(request, session, device_id, "months")
    dashboard = dashboard_of(request)
    price = dashboard.price_for(session)
    span = await device_ops.recorded_range(session, device_id, dashboard.history_file)
    recorded = f"{span[0]:%-d %b %Y} – {span[1]:%-d %b %Y}" if span else None
    charts: list[dict[str, Any]] = []
    for history, column in ((days, "Day"), (months, "Month")):
        points = history.points
        chart = bar_chart([(p.label, p.title, p.energy_kwh) for p in points])
        query = {"period": history.period}
        if history.key[:1].isdigit() or history.key == RECORDED:
            query["month" if history.period == "days" else "year"] = history.key
        charts.append(
            {
                "slug": history.period,
                "title": history.title,
                "column": column,
                "chart": chart,
                "total_text": format_energy(chart.total),
                "cost_text": _cost_text(price, chart.total),
                "costs": [_cost_text(price, p.energy_kwh) for p in points],
                "csv_query": "&".join(f"{k}={v}" for k, v in query.items()),
            }
        )
    return dashboard.render(
        request,
        "energy.html",
        {
            "d": view,
            "charts": charts,
            "poll_ms": 0,
            "choices": _choices(days.today, recorded),
            "month_value": request.query_params.get("month", ""),
            "year_value": request.query_params.get("year", ""),
            "price": price.per_kwh if price else None,
            "currency": price.currency if price else "",
        },
        session=session,
    )


def _period(request: Request) -> str:
    period = request.query_params.get("period", "days")
    if period not in PERIODS:
        raise InvalidInput("period must be 'days' or 'months'.")
    return period


async def _one_history(request: Request, session: WebSession) -> EnergyHistory:
    period = _period(request)
    device_id = request.path_params["device_id"]
    request.state.device_id = device_id
    return await _history(request, session, device_id, period)


@signed_in
async def api_energy(request: Request, session: WebSession) -> Response:
    """``GET /api/devices/{id}/energy?period=days|months[&month=|&year=]``: JSON (kWh)."""
    history = await _one_history(request, session)
    price = dashboard_of(request).price_for(session)
    total = sum(p.energy_kwh for p in history.points)
    body: dict[str, Any] = {
        "period": history.period,
        "shown": history.key,
        "title": history.title,
        "unit": "kWh",
        "total_kwh": round(total, 6),
        "points": [{"key": p.key, "energy_kwh": p.energy_kwh} for p in history.points],
    }
    if price is not None:
        body["price_per_kwh"] = price.per_kwh
        body["currency"] = price.currency
        body["cost"] = round(total * price.per_kwh, 4)
    return JSONResponse(body)


@signed_in
async def energy_csv(request: Request, session: WebSession) -> Response:
    """``GET /devices/{id}/energy.csv?period=days|months[&month=|&year=]``: what a chart shows."""
    history = await _one_history(request, session)
    price = dashboard_of(request).price_for(session)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["date" if history.period == "days" else "month", "energy_kwh"]
    if price is not None:
        header.append(f"cost_{price.currency or 'at_price'}")
    writer.writerow(header)
    for point in history.points:
        row: list[str] = [point.key, f"{point.energy_kwh:.3f}"]
        if price is not None:
            row.append(f"{point.energy_kwh * price.per_kwh:.2f}")
        writer.writerow(row)
    name = device_ops.name_of(session, request.path_params["device_id"]) or "device"
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "device"
    suffix = f"recorded-{history.period}" if history.key == RECORDED else history.key
    filename = f"{slug}-energy-{suffix}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


routes = [
    Route("/api/devices/{device_id}/energy", api_energy),
    Route("/devices/{device_id}/energy", energy_page),
    Route("/devices/{device_id}/energy.csv", energy_csv),
]
"""The energy routes."""
