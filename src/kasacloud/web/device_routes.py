"""The device routes: the dashboard's tiles, the device list as JSON, and the controls.

Every state-changing route goes through :func:`device_action`: CSRF check, the command, then the
device's fresh tile (JSON for the page's script, a redirect back for a plain form). Failures are
raised and answered by :mod:`kasacloud.web.handlers`, with the tile redrawn from the device's
real state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from kasacloud.client.errors import TokenExpiredError
from kasacloud.web import devices as device_ops
from kasacloud.web.auth import csrf_form, signed_in
from kasacloud.web.dashboard import dashboard_of, wants_json
from kasacloud.web.errors import InvalidInput, InvalidValue
from kasacloud.web.handlers import back_path, log_error
from kasacloud.web.messages import human_message
from kasacloud.web.sessions import WebSession
from kasacloud.web.views import group_devices, hex_to_hue_saturation, summary_text

Action = Callable[[WebSession, str, FormData], Awaitable[None]]


@signed_in
async def dashboard_page(request: Request, session: WebSession) -> Response:
    """``GET /``: every device as a tile, grouped."""
    dashboard = dashboard_of(request)
    try:
        views = await device_ops.read_all(session)
    except TokenExpiredError:
        raise  # signs the session out (see handlers)
    except Exception as error:  # shown as a message, the page still renders
        log_error("device list", error)
        session.flash.append(("error", human_message(error)))
        views = []
    return dashboard.render(
        request,
        "dashboard.html",
        {
            "groups": group_devices(views),
            "summary": summary_text(views),
            "poll_ms": dashboard.poll_ms,
        },
        session=session,
    )


@signed_in
async def api_devices(request: Request, session: WebSession) -> Response:
    """``GET /api/devices``: every device's view as JSON (the page polls it for live power)."""
    views = await device_ops.read_all(session)
    return JSONResponse({"devices": [v.to_json() for v in views], "summary": summary_text(views)})


@signed_in
async def tile(request: Request, session: WebSession) -> Response:
    """``GET /devices/{id}/tile``: one tile's HTML (the page's script swaps it in)."""
    device_id = request.path_params["device_id"]
    request.state.device_id = device_id
    view = await device_ops.read_one(session, device_id)
    return HTMLResponse(dashboard_of(request).tile_html(request, session, view))


async def device_action(request: Request, session: WebSession, action: Action) -> Response:
    """Run a state-changing action on a device: CSRF check, the action, the fresh tile."""
    form = await csrf_form(request, session)
    device_id = request.path_params["device_id"]
    request.state.device_id = device_id
    request.state.back = form.get("back")
    dashboard = dashboard_of(request)

    async def redraw() -> str:
        return dashboard.tile_html(request, session, await device_ops.read_one(session, device_id))

    request.state.redraw = redraw
    await action(session, device_id, form)
    if not wants_json(request):
        return RedirectResponse(back_path(request), status_code=303)
    view = await device_ops.read_one(session, device_id)
    return JSONResponse(
        {"device": view.to_json(), "html": dashboard.tile_html(request, session, view)}
    )


def int_field(form: FormData, name: str, label: str) -> int | None:
    """A whole-number form field (``None`` when empty); a readable error when it is not one."""
    value = form.get(name)
    if value is None or value == "":
        return None
    try:
        return int(float(str(value)))
    except (ValueError, OverflowError):
        raise InvalidValue(f"{label} must be a number") from None


@signed_in
async def toggle(request: Request, session: WebSession) -> Response:
    """``POST /api/devices/{id}/toggle``: on/off (``on=true|false``, else flip), ``outlet=``."""

    async def act(session: WebSession, device_id: str, form: FormData) -> None:
        on_field = form.get("on")
        on = None if on_field is None else str(on_field).lower() in {"1", "true", "on"}
        outlet = form.get("outlet")
        await device_ops.switch(
            session, device_id, on=on, outlet_id=str(outlet) if outlet else None
        )

    return await device_action(request, session, act)


@signed_in
async def light(request: Request, session: WebSession) -> Response:
    """``POST .../light``: ``brightness``, ``color`` (#rrggbb), ``color_temp_k``."""

    async def act(session: WebSession, device_id: str, form: FormData) -> None:
        brightness = int_field(form, "brightness", "Brightness")
        temp = int_field(form, "color_temp_k", "Colour temperature")
        color = form.get("color")
        try:
            hue_saturation = hex_to_hue_saturation(str(color)) if color else None
        except ValueError:
            raise InvalidValue("a colour is written #rrggbb, for example #ff8800") from None
        if brightness is None and temp is None and hue_saturation is None:
            raise InvalidInput("Choose a brightness, a colour or a colour temperature.")
        await device_ops.set_light(
            session,
            device_id,
            brightness=brightness,
            hue_saturation=hue_saturation,
            color_temp_k=temp,
        )

    return await device_action(request, session, act)


routes = [
    Route("/", dashboard_page),
    Route("/api/devices", api_devices),
    Route("/api/devices/{device_id}/toggle", toggle, methods=["POST"]),
    Route("/api/devices/{device_id}/light", light, methods=["POST"]),
    Route("/devices/{device_id}/tile", tile),
]
"""The device routes."""
