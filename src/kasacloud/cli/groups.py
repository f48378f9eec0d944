"""``kasacloud group``, ``scene`` and ``price``: what kasacloud keeps about a home, per account.

Groups (rooms) and scenes are kasacloud's own (the cloud's are not known); they live with the
energy price in ``home.json`` in the config dir, one entry per account
(:mod:`kasacloud.client.home`, which the dashboard can share). ``@NAME`` names a group wherever a
command takes several devices (``kasacloud on @living-room``).
"""

from __future__ import annotations

from typing import Any

import click

from kasacloud.cli.errors import CliError, ExitCode, usage_error
from kasacloud.cli.options import AliasedGroup
from kasacloud.cli.output import Column, Listing, Message, Record
from kasacloud.cli.runner import command
from kasacloud.cli.session import label, ref, signed_in
from kasacloud.cli.settings import Settings
from kasacloud.cli.targets import (
    Results,
    by_id,
    choose_one,
    for_each,
    load_home,
    resolve,
    save_home,
)
from kasacloud.client import Device, InvalidArgumentError, Outlet
from kasacloud.client.home import EnergyPrice, Home, SceneDevice, apply, capture, check_name


def _name(text: str, what: str) -> str:
    try:
        return check_name(text, what)
    except InvalidArgumentError as exc:
        raise usage_error(f"{exc}.") from None


def _not_found(what: str, name: str, names: list[str], list_command: str) -> CliError:
    known = ", ".join(sorted(names)) or "none yet"
    return CliError(
        f"There is no {what} {name.removeprefix('@')!r} ({what}s: {known}).",
        hint=f"Run '{list_command}' to see them.",
        exit_code=ExitCode.NOT_FOUND,
    )


def _member(device: Device | None, device_id: str = "") -> dict[str, Any]:
    """A group's device: its reference and whether it is online (``None``: gone)."""
    if device is None:
        return {"id": device_id, "alias": None, "online": None}
    return {**ref(device), "online": device.is_online}


@click.group("group", cls=AliasedGroup)
def group() -> None:
    """Groups (rooms) of devices, kept by kasacloud: use them as @NAME (kasacloud on @kitchen)."""


@command("list")
async def group_list(current: Settings) -> Listing:
    """List the groups and their devices."""
    home = load_home(current)
    async with signed_in(current) as cloud:
        every = by_id(await cloud.devices()) if home.groups else {}
    rows = [
        {
            "name": name,
            "devices": [_member(every.get(i), i) for i in ids],
        }
        for name, ids in sorted(home.groups.items())
    ]
    return Listing(
        "groups",
        rows,
        (
            Column("name", "Group", compute=lambda r: f"@{r['name']}"),
            Column("devices", "Devices", compute=_members_text),
        ),
        empty="No groups yet: 'kasacloud group add NAME DEVICE...' makes one.",
    )


def _members_text(row: dict[str, Any]) -> str:
    names = [d.get("alias") or f"{d['id']} (gone)" for d in row["devices"]]
    return ", ".join(names) or "-"


@command("add")
@click.argument("name")
@click.argument("selectors", metavar="DEVICE...", nargs=-1, required=True)
async def group_add(current: Settings, name: str, selectors: tuple[str, ...]) -> Listing:
    """Make a group of devices, or add devices to one (names, ids, or @OTHER-GROUP)."""
    wanted = _name(name, "group")
    home = load_home(current)
    stored = home.find(home.groups, wanted) or wanted
    async with signed_in(current) as cloud:
        devices = await resolve(current, cloud, selectors)
    ids = home.groups.setdefault(stored, [])
    ids.extend(d.device_id for d in devices if d.device_id not in ids)
    save_home(current, home)
    return _group_view(stored, [_member(d) for d in devices], home, "Added to")


def _group_view(name: str, added: list[dict[str, Any]], home: Home, verb: str) -> Listing:
    return Listing(
        "devices",
        added,
        (Column("alias", "Name"), Column("id", "Id")),
        meta={"group": name, "size": len(home.groups.get(name, []))},
        title=f"{verb} @{name}",
        empty=f"@{name} is removed.",
        footer=f"@{name} has {len(home.groups.get(name, []))} device(s).",
    )


@command("remove")
@click.argument("name")
@click.argument("selectors", metavar="[DEVICE]...", nargs=-1)
async def group_remove(current: Settings, name: str, selectors: tuple[str, ...]) -> Message:
    """Remove devices from a group, or (no DEVICE) the whole group (also: delete, rm)."""
    home = load_home(current)
    stored = home.find(home.groups, name)
    if stored is None:
        raise _not_found("group", name, list(home.groups), "kasacloud group list")
    if not selectors:
        del home.groups[stored]
        save_home(current, home)
        return Message(f"Removed the group @{stored}.", {"group": stored, "removed": "all"})
    gone: list[str] = []
    async with signed_in(current) as cloud:
        for selector in selectors:
            if selector in home.groups[stored]:  # an id the account no longer has
                gone.append(selector)
                continue
            device = await choose_one(cloud, selector)
            if device.device_id not in home.groups[stored]:
                raise usage_error(
                    f"{label(device)} is not in @{stored}.",
                    hint="Run 'kasacloud group list' to see who is.",
                )
            gone.append(device.device_id)
    home.groups[stored] = [i for i in home.groups[stored] if i not in gone]
    save_home(current, home)
    return Message(
        f"Removed {len(gone)} device(s) from @{stored}; it has {len(home.groups[stored])}.",
        {"group": stored, "removed": gone, "size": len(home.groups[stored])},
    )


for _command in (group_list, group_add, group_remove):
    group.add_command(_command)


# -- scenes ------------------------------------------------------------------------------------


@click.group("scene", cls=AliasedGroup)
def scene() -> None:
    """Scenes: save the state of some devices now, and put them back in one command."""


def _state_text(state: dict[str, Any]) -> str:
    if not state["is_on"]:
        return "off"
    parts = ["on"]
    if state.get("brightness") is not None:
        parts.append(f"{state['brightness']} %")
    if state.get("hsv"):
        parts.append("hue {}°, saturation {} %".format(*state["hsv"][:2]))
    elif state.get("color_temp_k"):
        parts.append(f"{state['color_temp_k']} K")
    return ", ".join(parts)


@command("save")
@click.argument("name")
@click.argument("selectors", metavar="DEVICE...", nargs=-1, required=True)
async def scene_save(current: Settings, name: str, selectors: tuple[str, ...]) -> Listing:
    """Save the state of devices now (on/off, brightness, colour) as a scene (replaces one)."""
    wanted = _name(name, "scene")
    home = load_home(current)
    stored = home.find(home.scenes, wanted) or wanted
    async with signed_in(current) as cloud:
        devices = await resolve(current, cloud, selectors)
        for device in devices:
            if not device.is_online:
                raise CliError(
                    f"{label(device)} is offline: its state is not known.",
                    hint="Leave it out of the scene, or try again once it is online.",
                    exit_code=ExitCode.OFFLINE,
                )
            await (device.parent if isinstance(device, Outlet) else device).update()
        states = [capture(d) for d in devices]
    home.scenes[stored] = states
    save_home(current, home)
    return _scene_listing(stored, states, {d.device_id: d for d in devices}, saved=True)


def _scene_listing(
    name: str, states: list[SceneDevice], known: dict[str, Device], *, saved: bool = False
) -> Listing:
    rows = []
    for state in states:
        device = known.get(state.device_id)
        rows.append(
            {
                "device": ref(device) if device else {"id": state.device_id, "alias": None},
                **{k: v for k, v in state.to_json().items() if k != "id"},
            }
        )
    return Listing(
        "devices",
        rows,
        (
            Column("device", "Device", compute=lambda r: str(r["device"]["alias"] or "(gone)")),
            Column("is_on", "State", compute=_state_text),
        ),
        meta={"scene": name},
        title=f"Scene {name!r}" + (" saved" if saved else ""),
        footer=f"'kasacloud scene apply {name}' puts them back." if saved else None,
    )


@command("list")
async def scene_list(current: Settings) -> Listing:
    """List the saved scenes."""
    home = load_home(current)
    rows = [{"name": n, "devices": len(s)} for n, s in sorted(home.scenes.items())]
    return Listing(
        "scenes",
        rows,
        (Column("name", "Scene"), Column("devices", "Devices", justify="right")),
        empty="No scenes yet: 'kasacloud scene save NAME DEVICE...' saves one.",
    )


@command("show")
@click.argument("name")
async def scene_show(current: Settings, name: str) -> Listing:
    """Show what a scene puts each device in."""
    home = load_home(current)
    stored = home.find(home.scenes, name)
    if stored is None:
        raise _not_found("scene", name, list(home.scenes), "kasacloud scene list")
    async with signed_in(current) as cloud:
        known = by_id(await cloud.devices())
    return _scene_listing(stored, home.scenes[stored], known)


@command("apply")
@click.argument("name")
async def scene_apply(current: Settings, name: str) -> Results:
    """Put every device of a scene back in its saved state; one result per device."""
    home = load_home(current)
    stored = home.find(home.scenes, name)
    if stored is None:
        raise _not_found("scene", name, list(home.scenes), "kasacloud scene list")
    states = home.scenes[stored]
    async with signed_in(current) as cloud:
        known = by_id(await cloud.devices())
        missing = [s.device_id for s in states if s.device_id not in known]
        if missing:
            raise CliError(
                f"Scene {stored!r} has {len(missing)} device(s) this account no longer has.",
                hint=f"Save it again: 'kasacloud scene save {stored} DEVICE...'.",
                exit_code=ExitCode.NOT_FOUND,
            )
        by_device = {s.device_id: s for s in states}

        async def act(device: Device) -> dict[str, Any]:
            await apply(device, by_device[device.device_id])
            return {"is_on": by_device[device.device_id].is_on}

        results = await for_each(
            [known[s.device_id] for s in states],
            act,
            title=f"Scene {stored!r}",
            describe=lambda d: "on" if d["is_on"] else "off",
        )
    results.meta["scene"] = stored
    return results


@command("remove")
@click.argument("name")
async def scene_remove(current: Settings, name: str) -> Message:
    """Forget a scene (also: delete, rm)."""
    home = load_home(current)
    stored = home.find(home.scenes, name)
    if stored is None:
        raise _not_found("scene", name, list(home.scenes), "kasacloud scene list")
    del home.scenes[stored]
    save_home(current, home)
    return Message(f"Removed the scene {stored!r}.", {"scene": stored, "removed": True})


for _command in (scene_save, scene_list, scene_show, scene_apply, scene_remove):
    scene.add_command(_command)


# -- price -------------------------------------------------------------------------------------


@command("price")
@click.argument("per_kwh", metavar="[PRICE]", type=click.FloatRange(0, 1000), required=False)
@click.option("--currency", metavar="TEXT", help="How costs are labelled: EUR, USD, $, kr ...")
@click.option("--clear", is_flag=True, help="Forget the price (no more costs).")
async def price(
    current: Settings, per_kwh: float | None, currency: str | None, clear: bool
) -> Record | Message:
    """Show or set the price of one kWh: energy and export then show costs too.

    Kept per account in the config dir, beside groups and scenes.
    """
    home = load_home(current)
    if clear:
        if per_kwh is not None or currency is not None:
            raise usage_error("--clear goes alone.", hint="Leave the price and --currency out.")
        home.price = None
        save_home(current, home)
        return Message("No energy price: costs are not shown.", {"price": None})
    if per_kwh is None and currency is not None:
        if home.price is None:
            raise usage_error("There is no price to label.", hint="Give it: kasacloud price 0.30.")
        per_kwh = home.price.per_kwh
    if per_kwh is not None:
        if currency is None:
            currency = home.price.currency if home.price else ""
        home.price = EnergyPrice(per_kwh, currency.strip()[:8])
        save_home(current, home)
    if home.price is None:
        return Message(
            "No energy price set: 'kasacloud price 0.30 --currency EUR' sets one.", {"price": None}
        )
    data = {"price": {"per_kwh": home.price.per_kwh, "currency": home.price.currency}}
    shown = f"{home.price.per_kwh} {home.price.currency}".rstrip() + " per kWh"
    return Record(data, [Column("price", "Price", compute=lambda r: shown)], title="Energy price")
