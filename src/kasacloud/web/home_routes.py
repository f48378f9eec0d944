"""The home routes: rooms (all on / all off) and scenes (apply, save, delete) on the main screen.

Rooms and scenes are the CLI's (``kasacloud group``, ``kasacloud scene``): both read and write one
``home.json`` (:class:`kasacloud.client.home.HomeStore`), per account, so a room made in a
terminal shows on the next page load and a scene saved here is one ``kasacloud scene apply``
away. Every route is a plain form (CSRF checked); the page's script posts all-on / all-off and
"Apply" with ``fetch`` and swaps in the tiles the server re-renders.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from kasacloud.client.errors import InvalidArgumentError
from kasacloud.client.home import Home, check_name
from kasacloud.web import devices as device_ops
from kasacloud.web.auth import csrf_form, signed_in
from kasacloud.web.dashboard import Dashboard, dashboard_of, wants_json
from kasacloud.web.devices import Outcome
from kasacloud.web.errors import Conflict, HomeUnreadable, InvalidInput
from kasacloud.web.handlers import back_path
from kasacloud.web.sessions import WebSession
from kasacloud.web.views import (
    OTHER_ROOM,
    DeviceView,
    RoomView,
    SceneView,
    rooms_of,
    scene_state_text,
)

MAX_SCENE_DEVICES = 200
"""More devices than a scene form names (an account's devices and outlets, with room to spare)."""


def _parents(views: list[DeviceView]) -> dict[str, str]:
    return {o.id: d.id for d in views for o in d.outlets}


def _names(views: list[DeviceView]) -> dict[str, str]:
    names = {d.id: d.name for d in views}
    names.update({o.id: f"{d.name} / {o.name}" for d in views for o in d.outlets})
    return names


def home_context(
    dashboard: Dashboard, session: WebSession, views: list[DeviceView]
) -> dict[str, Any]:
    """What the main screen shows of the home: rooms, scenes, and the devices a scene can hold.

    Without rooms the screen keeps its sections by kind; a home file that cannot be read is a
    message, and the devices are still shown.
    """
    try:
        home = dashboard.load_home(session)
    except HomeUnreadable as error:
        session.flash.append(("error", error.message))
        home = Home()
    names = _names(views)
    scenes = [
        SceneView(
            name,
            [
                (
                    names.get(s.device_id, "a device no longer here"),
                    scene_state_text(s.is_on, s.brightness, s.hsv, s.color_temp_k),
                )
                for s in states
            ],
        )
        for name, states in sorted(home.scenes.items(), key=lambda item: item[0].casefold())
    ]
    choices: list[tuple[str, str, bool]] = []
    for d in sorted(views, key=lambda v: v.name.casefold()):
        usable = d.online and not d.error
        if d.outlets:
            choices += [(o.id, names[o.id], usable) for o in d.outlets]
        elif d.is_on is not None or (not usable and d.kind not in ("hub", "device")):
            # An offline device is listed (greyed out) so that it is not missing unexplained.
            choices.append((d.id, d.name, usable))
    return {
        "rooms": rooms_of(views, home.groups, _parents(views)) if home.groups else [],
        "scenes": scenes,
        "scene_choices": choices,
        "home_enabled": dashboard.home_store is not None,
    }


HomeAction = Callable[[FormData], Awaitable[tuple[str, list[Outcome]]]]


async def _home_action(request: Request, session: WebSession, act: HomeAction) -> Response:
    """CSRF check, the action, then the message and the fresh tiles of the devices it touched.

    Devices that failed (offline, say) do not stop the others: the answer says which failed, as
    an error, and still carries every tile, redrawn from the devices' real state.
    """
    form = await csrf_form(request, session)
    request.state.back = form.get("back")
    message, outcomes = await act(form)
    failed = [o.error for o in outcomes if o.error]
    error = " ".join(failed) if failed else None
    if not wants_json(request):
        session.flash.append(("info", message))
        if error:
            session.flash.append(("error", error))
        return RedirectResponse(back_path(request), status_code=303)
    dashboard = dashboard_of(request)
    tiles = []
    for tile_id in dict.fromkeys(device_ops.holder_id(session, o.device_id) for o in outcomes):
        if tile_id is not None:
            view = await device_ops.read_one(session, tile_id)
            tiles.append(dashboard.tile_html(request, session, view))
    payload: dict[str, Any] = {"message": message, "tiles": tiles}
    if error:
        payload["error"] = f"{message} {error}"
    return JSONResponse(payload)


def _field(form: FormData, name: str, what: str) -> str:
    value = form.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"Give {what} in the form field “{name}”.")
    return value.strip()


def _room(rooms: list[RoomView], wanted: str) -> RoomView:
    if wanted == OTHER_ROOM:
        found = next((r for r in rooms if r.is_other), None)
    else:
        key = wanted.removeprefix("@").casefold()
        found = next((r for r in rooms if not r.is_other and r.name.casefold() == key), None)
    if found is None:
        raise Conflict(
            f"There is no room “{wanted[:40]}” (any more): reload the page to see the rooms."
        )
    return found


def _done(outcomes: list[Outcome], verb: str) -> str:
    done = sum(1 for o in outcomes if not o.error)
    noun = "device" if done == 1 else "devices"
    if done == len(outcomes):
        return f"{done} {noun} {verb}."
    return f"{done} of {len(outcomes)} devices {verb}."


@signed_in
async def room_power(request: Request, session: WebSession) -> Response:
    """``POST /api/rooms/power``: ``room=NAME`` (``*``: devices in no room), ``on=true|false``."""
    dashboard = dashboard_of(request)

    async def act(form: FormData) -> tuple[str, list[Outcome]]:
        wanted = _field(form, "room", "the room's name")
        on = device_ops.parse_bool(_field(form, "on", "on or off"), "“on”")
        home = dashboard.load_home(session)
        views = await device_ops.read_all(session)
        if not home.groups and wanted != OTHER_ROOM:
            raise Conflict(
                "There are no rooms yet: 'kasacloud group add ROOM DEVICE...' makes one."
            )
        room = _room(rooms_of(views, home.groups, _parents(views)), wanted)
        if not room.member_ids:
            raise Conflict(
                f"“{room.title}” has no device on this account that switches on and off."
            )
        outcomes = await device_ops.switch_many(session, room.member_ids, on=on)
        return f"{room.title}: {_done(outcomes, 'on' if on else 'off')}", outcomes

    return await _home_action(request, session, act)


def _scene(home: Home, wanted: str) -> str:
    stored = home.find(home.scenes, wanted)
    if stored is None:
        raise Conflict(
            f"There is no scene “{wanted[:40]}” (any more): reload the page to see the scenes."
        )
    return stored


@signed_in
async def apply_scene(request: Request, session: WebSession) -> Response:
    """``POST /api/scenes/apply``: ``scene=NAME``; every device back in its saved state."""
    dashboard = dashboard_of(request)

    async def act(form: FormData) -> tuple[str, list[Outcome]]:
        home = dashboard.load_home(session)
        stored = _scene(home, _field(form, "scene", "the scene's name"))
        outcomes = await device_ops.apply_scene(session, home.scenes[stored])
        return f"Scene “{stored}”: {_done(outcomes, 'set')}", outcomes

    return await _home_action(request, session, act)


@signed_in
async def save_scene(request: Request, session: WebSession) -> Response:
    """``POST /api/scenes``: ``name=``, ``device=ID`` (repeated): their state now, as a scene.

    A scene of that name is replaced, as ``kasacloud scene save`` does.
    """
    dashboard = dashboard_of(request)

    async def act(form: FormData) -> tuple[str, list[Outcome]]:
        try:
            name = check_name(_field(form, "name", "the scene's name"), "scene")
        except InvalidArgumentError as error:
            raise InvalidInput(f"{error.message}.") from None
        chosen = [str(v) for v in form.getlist("device") if isinstance(v, str) and v]
        chosen = list(dict.fromkeys(chosen))
        if not chosen:
            raise InvalidInput("Choose at least one device for the scene.")
        if len(chosen) > MAX_SCENE_DEVICES:
            raise InvalidInput(f"A scene holds at most {MAX_SCENE_DEVICES} devices.")
        home = dashboard.load_home(session)
        stored = home.find(home.scenes, name) or name
        replaced = stored in home.scenes
        home.scenes[stored] = await device_ops.capture_scene(session, chosen)
        dashboard.save_home(session, home)
        count = len(chosen)
        noun = "device" if count == 1 else "devices"
        again = " (it replaces the scene of that name)" if replaced else ""
        return f"Scene “{stored}” saved: {count} {noun}{again}.", []

    return await _home_action(request, session, act)


@signed_in
async def delete_scene(request: Request, session: WebSession) -> Response:
    """``POST /api/scenes/delete``: ``scene=NAME``; forget the scene."""
    dashboard = dashboard_of(request)

    async def act(form: FormData) -> tuple[str, list[Outcome]]:
        home = dashboard.load_home(session)
        stored = _scene(home, _field(form, "scene", "the scene's name"))
        del home.scenes[stored]
        dashboard.save_home(session, home)
        return f"Scene “{stored}” deleted.", []

    return await _home_action(request, session, act)


routes = [
    Route("/api/rooms/power", room_power, methods=["POST"]),
    Route("/api/scenes", save_scene, methods=["POST"]),
    Route("/api/scenes/apply", apply_scene, methods=["POST"]),
    Route("/api/scenes/delete", delete_scene, methods=["POST"]),
]
"""The home routes."""
