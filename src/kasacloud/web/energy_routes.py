"""The energy routes: a device's history as charts and tables, and as JSON."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kasacloud.web import devices as device_ops
from kasacloud.web.auth import signed_in
from kasacloud.web.charts import bar_chart
from kasacloud.web.dashboard import dashboard_of
from kasacloud.web.errors import InvalidInput
from kasacloud.web.sessions import WebSession
from kasacloud.web.views import format_energy

PERIODS = ("days", "months")


@signed_in
async def energy_page(request: Request, session: WebSession) -> Response:
    """``GET /devices/{id}/energy``: charts of the last 30 days and the last 12 months."""
    device_id = request.path_params["device_id"]
    request.state.device_id = device_id
    view = await device_ops.read_one(session, device_id)
    days = await device_ops.energy_history(session, device_id, "days")
    months = await device_ops.energy_history(session, device_id, "months")
    charts = []
    for slug, title, column, points, every in (
        ("days", "Last 30 days", "Day", days, 5),
        ("months", "Last 12 months", "Month", months, 1),
    ):
        chart = bar_chart([(p.label, p.title, p.energy_kwh) for p in points], label_every=every)
        charts.append(
            {
                "slug": slug,
                "title": title,
                "column": column,
                "chart": chart,
                "total_text": format_energy(chart.total),
            }
        )
    return dashboard_of(request).render(
        request, "energy.html", {"d": view, "charts": charts, "poll_ms": 0}, session=session
    )


@signed_in
async def api_energy(request: Request, session: WebSession) -> Response:
    """``GET /api/devices/{id}/energy?period=days|months``: the history as JSON (kWh)."""
    period = request.query_params.get("period", "days")
    if period not in PERIODS:
        raise InvalidInput("period must be 'days' or 'months'.")
    device_id = request.path_params["device_id"]
    request.state.device_id = device_id
    points = await device_ops.energy_history(session, device_id, period)
    return JSONResponse(
        {
            "period": period,
            "unit": "kWh",
            "points": [{"key": p.key, "energy_kwh": p.energy_kwh} for p in points],
        }
    )


routes = [
    Route("/api/devices/{device_id}/energy", api_energy),
    Route("/devices/{device_id}/energy", energy_page),
]
"""The energy routes."""
