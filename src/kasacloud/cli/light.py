"""``kasacloud light``: brightness, colour, colour temperature of bulbs, light strips, dimmers."""

from __future__ import annotations

from typing import Any

import click

from kasacloud.cli.errors import usage_error
from kasacloud.cli.options import device_argument
from kasacloud.cli.output import Column, Listing, Record, on_off
from kasacloud.cli.runner import command
from kasacloud.cli.session import label, light_json, ref, require_online, signed_in
from kasacloud.cli.settings import Settings
from kasacloud.cli.targets import choose_one
from kasacloud.client import Bulb, Dimmer, InvalidArgumentError, LightStrip
from kasacloud.client.effects import EFFECTS, find_effect


def _in_colour_mode(row: dict[str, Any]) -> bool:
    """A colour bulb showing a colour reports colour temperature 0 (its white mode is off)."""
    return bool(row.get("is_color")) and not row.get("color_temp_k")


def _colour_text(row: dict[str, Any]) -> str:
    hsv = row.get("hsv")
    if not isinstance(hsv, list) or not _in_colour_mode(row):
        return "-"
    h, s, v = hsv
    return f"hue {h}°, saturation {s} %, value {v} %"


def _temperature_text(row: dict[str, Any]) -> str:
    kelvin = row.get("color_temp_k")
    return f"{kelvin} K" if kelvin else "-"


LIGHT_FIELDS = (
    Column("is_on", "State", fmt=on_off),
    Column("brightness_pct", "Brightness", unit="%"),
    Column("hsv", "Colour", compute=_colour_text),
    Column("color_temp_k", "Colour temperature", compute=_temperature_text),
)


def _check_capable(bulb: Bulb, hsv: tuple[int, int, int] | None, temp_k: int | None) -> None:
    """Refuse, in the CLI's own words, what this bulb cannot do (before any request)."""
    if hsv is not None and not bulb.is_color:
        raise usage_error(
            f"{label(bulb)} ({bulb.model}) has no colour: --hsv does not apply.",
            hint="Use --temp K." if bulb.is_variable_color_temp else "Use --brightness.",
        )
    if temp_k is None:
        return
    if not bulb.is_variable_color_temp:
        raise usage_error(
            f"{label(bulb)} ({bulb.model}) has a fixed white: --temp does not apply.",
            hint="Use --brightness.",
        )
    if bulb.color_temp_range_k:
        low, high = bulb.color_temp_range_k
        if not low <= temp_k <= high:
            raise usage_error(
                f"--temp {temp_k}: {label(bulb)} ({bulb.model}) takes {low} to {high} K.",
                hint=f"Choose a colour temperature from {low} to {high}.",
            )


@command("light")
@device_argument
@click.option("--on/--off", "power", default=None, help="Turn the light on or off.")
@click.option(
    "--brightness", type=click.IntRange(0, 100), metavar="0-100", help="Brightness in percent."
)
@click.option(
    "--hsv",
    type=(click.IntRange(0, 360), click.IntRange(0, 100), click.IntRange(0, 100)),
    metavar="H S V",
    default=None,
    help="Colour: hue 0-360, saturation 0-100, value (brightness) 0-100.",
)
@click.option("--temp", "temp_k", type=click.IntRange(1000, 10000), metavar="K",
              help="Colour temperature in kelvin (the model's range, e.g. 2500-6500).")  # fmt: skip
@click.option(
    "--transition", "transition_ms", type=click.IntRange(0, 60_000), metavar="MS",
    help="Fade over this many milliseconds.",
)  # fmt: skip
@click.option(
    "--effect",
    "effect_name",
    metavar="NAME",
    help="Light strips: start an effect ('kasacloud effects' lists them); --brightness applies.",
)
async def light(
    current: Settings,
    device: str,
    power: bool | None,
    brightness: int | None,
    hsv: tuple[int, int, int] | None,
    temp_k: int | None,
    transition_ms: int | None,
    effect_name: str | None,
) -> Record:
    """Show or set a light: bulbs, light strips, and dimmers (brightness only).

    Without options it shows the light's state. Setting a colour, a temperature or a brightness
    turns the light on.
    """
    if hsv is not None and temp_k is not None:
        raise usage_error("--hsv and --temp cannot be used together.", hint="Choose one.")
    nothing = power is None and brightness is None and hsv is None and temp_k is None
    if transition_ms is not None and nothing and effect_name is None:
        raise usage_error(
            "--transition fades a change, and nothing is to change.",
            hint="Add --on, --off, --brightness, --hsv or --temp.",
        )
    if effect_name is not None:
        return await _start_effect(current, device, effect_name, brightness, power, hsv, temp_k)
    if power is False and (hsv or temp_k or brightness is not None):
        raise usage_error("--off cannot be combined with a colour or brightness.")
    async with signed_in(current) as cloud:
        chosen = await choose_one(cloud, device)
        if isinstance(chosen, Dimmer):
            if hsv is not None or temp_k is not None:
                raise usage_error(
                    f"{label(chosen)} is a dimmer: it has brightness, but no colour.",
                    hint="Use --brightness.",
                )
        elif not isinstance(chosen, Bulb):
            raise usage_error(
                f"{label(chosen)} is a {chosen.kind}, not a light.",
                hint="Use 'kasacloud on' / 'off' for plugs and switches.",
            )
        else:
            require_online(chosen)  # offline, what the bulb can do is not known
            _check_capable(chosen, hsv, temp_k)
        if power is False:
            await chosen.turn_off(transition_ms=transition_ms)
        elif isinstance(chosen, Bulb) and hsv is not None:
            h, s, v = hsv
            await chosen.set_hsv(h, s, v, transition_ms=transition_ms)
        elif isinstance(chosen, Bulb) and temp_k is not None:
            await chosen.set_color_temp(temp_k, brightness=brightness, transition_ms=transition_ms)
        elif brightness is not None:
            await chosen.set_brightness(brightness, transition_ms=transition_ms)
            if isinstance(chosen, Dimmer) and brightness > 0 and not chosen.is_on:
                await chosen.turn_on()
        elif power is True:
            await chosen.turn_on(transition_ms=transition_ms)
        await chosen.update()
    state = light_json(chosen) or {}
    return Record({"device": ref(chosen), **state}, LIGHT_FIELDS, title=label(chosen))


async def _start_effect(
    current: Settings,
    device: str,
    effect_name: str,
    brightness: int | None,
    power: bool | None,
    hsv: tuple[int, int, int] | None,
    temp_k: int | None,
) -> Record:
    """``light STRIP --effect NAME``: one of the presets of :mod:`kasacloud.client.effects`."""
    if power is False or hsv is not None or temp_k is not None:
        raise usage_error(
            "--effect goes with --brightness only.", hint="Leave out --off, --hsv and --temp."
        )
    try:
        effect = find_effect(effect_name)
    except InvalidArgumentError as exc:
        raise usage_error(f"{exc}.", hint="Run 'kasacloud effects' to list them.") from None
    if brightness == 0:
        raise usage_error("An effect's brightness is 1 to 100.", hint="Use --off to turn it off.")
    async with signed_in(current) as cloud:
        chosen = await choose_one(cloud, device)
        if not isinstance(chosen, LightStrip):
            raise usage_error(
                f"{label(chosen)} is a {chosen.kind}: effects are for light strips.",
                hint="Run 'kasacloud devices --kind light_strip' to see them.",
            )
        require_online(chosen)
        await chosen.set_effect(effect.request(brightness=brightness))
        await chosen.update()
    state = light_json(chosen) or {}
    return Record(
        {"device": ref(chosen), **state, "effect": effect.name},
        (*LIGHT_FIELDS, Column("effect", "Effect")),
        title=label(chosen),
    )


@command("effects")
async def effects(current: Settings) -> Listing:
    """List the light-strip effects that 'kasacloud light STRIP --effect NAME' starts."""
    del current
    rows = [{"name": e.name, "description": e.description} for e in EFFECTS.values()]
    return Listing(
        "effects",
        rows,
        (Column("name", "Effect"), Column("description", "What it looks like")),
        footer="kasacloud light STRIP --effect NAME [--brightness 1-100]",
    )
