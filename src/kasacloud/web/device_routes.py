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
from kasacloud.web.errors import DeviceLacks, InvalidInput, InvalidValue
from kasacloud.web.handlers import back_path, log_error
from kasacloud.web.home_routes import home_context
from kasacloud.web.messages import human_message
from kasacloud.web.rule_forms import parse_rule
from kasacloud.web.sessions import WebSession
from kasacloud.web.views import group_devices, hex_to_hue_saturation, summary_text

Action = Callable[[WebSession, str, FormData], Awaitable[str | None]]
"""A device action: does its work, returns the message to show (or ``None``)."""


@signed_in
async def dashboard_page(request: Request, session: WebSession) -> Response:
    """``GET /``: every device as a tile, by room (or by kind, without rooms), and the scenes."""
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
            **home_context(dashboard, session, views),
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
    """Run a state-changing action on a device: CSRF check, the action, the fresh HTML.

    The HTML is the device's tile, or its device page's panel when the form says ``view=page``;
    a plain form is sent back to ``back`` (a path of ours) with the action's message.
    """
    form = await csrf_form(request, session)
    device_id = request.path_params["device_id"]
    request.state.device_id = device_id
    request.state.back = form.get("back")
    on_page = form.get("view") == "page"

    async def redraw() -> str:
        if on_page:
            return await panel_html(request, session, device_id)
        view = await device_ops.read_one(session, device_id)
        return dashboard_of(request).tile_html(request, session, view)

    request.state.redraw = redraw
    message = await action(session, device_id, form)
    if not wants_json(request):
        if message:
            session.flash.append(("info", message))
        return RedirectResponse(back_path(request), status_code=303)
    view = await device_ops.read_one(session, device_id)
    payload = {"device": view.to_json(), "html": await redraw(), "message": message}
    return JSONResponse(payload)


async def panel_html(request: Request, session: WebSession, device_id: str) -> str:
    """The device page's live part (state, controls, features, rules, details)."""
    detail = await device_ops.read_detail(session, device_id)
    return dashboard_of(request).fragment(
        request, "_device_panel.html", p=detail, csrf_token=session.csrf_token
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
        return None

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
        return None

    return await device_action(request, session, act)


@signed_in
async def device_page(request: Request, session: WebSession) -> Response:
    """``GET /devices/{id}``: the device page (also for a strip's outlet); 404 when not ours."""
    device_id = request.path_params["device_id"]
    request.state.device_id = device_id
    detail = await device_ops.read_detail(session, device_id)
    dashboard = dashboard_of(request)
    return dashboard.render(
        request, "device.html", {"p": detail, "poll_ms": dashboard.poll_ms}, session=session
    )


@signed_in
async def panel(request: Request, session: WebSession) -> Response:
    """``GET /devices/{id}/panel``: the device page's live part (the script swaps it in)."""
    device_id = request.path_params["device_id"]
    request.state.device_id = device_id
    return HTMLResponse(await panel_html(request, session, device_id))


@signed_in
async def set_feature(request: Request, session: WebSession) -> Response:
    """``POST /api/devices/{id}/features/{feature}``: ``value=`` (``true``/``false``, a number)."""

    async def act(session: WebSession, device_id: str, form: FormData) -> str | None:
        value = form.get("value")
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput("Give the new value in the form field “value”.")
        await device_ops.set_feature(session, device_id, request.path_params["feature"], value)
        return None

    return await device_action(request, session, act)


@signed_in
async def rename(request: Request, session: WebSession) -> Response:
    """``POST /api/devices/{id}/rename``: ``name=``; ``confirm=yes`` to take a name in use."""

    async def act(session: WebSession, device_id: str, form: FormData) -> str | None:
        name = form.get("name")
        if not isinstance(name, str):
            raise InvalidInput("Give the new name in the form field “name”.")
        confirmed = str(form.get("confirm") or "").lower() in {"yes", "on", "true", "1"}
        await device_ops.rename(session, device_id, name, confirmed=confirmed)
        return f"Renamed to “{name.strip()}”."

    return await device_action(request, session, act)


@signed_in
async def reboot_page(request: Request, session: WebSession) -> Response:
    """``GET /devices/{id}/reboot``: "Reboot this device?", the confirmation."""
    device_id = request.path_params["device_id"]
    request.state.device_id = device_id
    detail = await device_ops.read_detail(session, device_id)
    if not detail.can_reboot:
        raise DeviceLacks("is an outlet: reboot its strip, from the strip's page")
    return dashboard_of(request).render(request, "reboot.html", {"p": detail}, session=session)


@signed_in
async def reboot(request: Request, session: WebSession) -> Response:
    """``POST /api/devices/{id}/reboot``: ``confirm=yes`` (from the confirmation page)."""

    async def act(session: WebSession, device_id: str, form: FormData) -> str | None:
        if form.get("confirm") != "yes":
            raise InvalidInput("A reboot needs confirming: send confirm=yes.")
        await device_ops.reboot(session, device_id)
        name = device_ops.name_of(session, device_id) or "The device"
        return f"“{name}” is rebooting: it is offline for a minute or so."

    return await device_action(request, session, act)


def _rule_kind(request: Request) -> str:
    kind = str(request.path_params["kind"])
    if kind not in device_ops.RULE_KINDS:
        raise InvalidInput(f"“{kind[:20]}” is not a kind of rule: schedule, countdown or away.")
    return kind


_RULE_NOUN = {"schedule": "Schedule", "countdown": "Timer", "away": "Away-mode rule"}


@signed_in
async def add_rule(request: Request, session: WebSession) -> Response:
    """``POST /api/devices/{id}/rules/{kind}``: a new schedule, countdown or away rule."""
    kind = _rule_kind(request)

    async def act(session: WebSession, device_id: str, form: FormData) -> str | None:
        await device_ops.add_rule(session, device_id, kind, parse_rule(kind, form))
        return f"{_RULE_NOUN[kind]} added."

    return await device_action(request, session, act)


@signed_in
async def edit_rule(request: Request, session: WebSession) -> Response:
    """``POST /api/devices/{id}/rules/{kind}/{rule}``: the rule, changed."""
    kind = _rule_kind(request)
    rule_id = str(request.path_params["rule"])

    async def act(session: WebSession, device_id: str, form: FormData) -> str | None:
        await device_ops.edit_rule(session, device_id, kind, rule_id, parse_rule(kind, form))
        return f"{_RULE_NOUN[kind]} saved."

    return await device_action(request, session, act)


@signed_in
async def enable_rule(request: Request, session: WebSession) -> Response:
    """``POST /api/devices/{id}/rules/{kind}/{rule}/enable``: ``enabled=true|false``."""
    kind = _rule_kind(request)
    rule_id = str(request.path_params["rule"])

    async def act(session: WebSession, device_id: str, form: FormData) -> str | None:
        enabled = device_ops.parse_bool(str(form.get("enabled") or ""), "“enabled”")
        await device_ops.set_rule_enabled(session, device_id, kind, rule_id, enabled)
        return f"{_RULE_NOUN[kind]} {'enabled' if enabled else 'disabled'}."

    return await device_action(request, session, act)


@signed_in
async def delete_rule(request: Request, session: WebSession) -> Response:
    """``POST /api/devices/{id}/rules/{kind}/{rule}/delete``."""
    kind = _rule_kind(request)
    rule_id = str(request.path_params["rule"])

    async def act(session: WebSession, device_id: str, form: FormData) -> str | None:
        await device_ops.delete_rule(session, device_id, kind, rule_id)
        return f"{_RULE_NOUN[kind]} deleted."

    return await device_action(request, session, act)


routes = [
    Route("/", dashboard_page),
    Route("/api/devices", api_devices),
    Route("/api/devices/{device_id}/toggle", toggle, methods=["POST"]),
    Route("/api/devices/{device_id}/light", light, methods=["POST"]),
    Route("/devices/{device_id}/tile", tile),
    Route("/devices/{device_id}", device_page),
    Route("/devices/{device_id}/panel", panel),
    Route("/devices/{device_id}/reboot", reboot_page),
    Route("/api/devices/{device_id}/features/{feature}", set_feature, methods=["POST"]),
    Route("/api/devices/{device_id}/rename", rename, methods=["POST"]),
    Route("/api/devices/{device_id}/reboot", reboot, methods=["POST"]),
    Route("/api/devices/{device_id}/rules/{kind}", add_rule, methods=["POST"]),
    Route("/api/devices/{device_id}/rules/{kind}/{rule}", edit_rule, methods=["POST"]),
    Route("/api/devices/{device_id}/rules/{kind}/{rule}/enable", enable_rule, methods=["POST"]),
    Route("/api/devices/{device_id}/rules/{kind}/{rule}/delete", delete_rule, methods=["POST"]),
]
"""The device routes."""
