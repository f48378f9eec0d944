"""Light-strip effects and presets, as data: what the Kasa app sends to a KL400/KL420/KL430.

Each preset is the device's own ``set_lighting_effect`` JSON (the shape python-kasa's effect
table uses), to pass to :meth:`kasacloud.LightStrip.set_effect`. Example::

    effect = find_effect("aurora")
    await strip.set_effect(effect.request(brightness=60))

The app's built-in effects carry ids of TP-Link's own; a device also accepts an effect it does
not know by id (a "custom" one, ``custom: 1``), which is what these presets are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from kasacloud.client.errors import InvalidArgumentError


@dataclass(frozen=True)
class Effect:
    """One light-strip effect: a name, a line for people, and the device's JSON."""

    name: str
    description: str
    body: Mapping[str, Any] = field(repr=False)

    def request(self, *, brightness: int | None = None) -> dict[str, Any]:
        """The ``set_lighting_effect`` parameters (``brightness`` 1-100 overrides the preset's)."""
        data = {**self.body, "name": self.name, "enable": 1, "custom": 1}
        if brightness is not None:
            if isinstance(brightness, bool) or not 1 <= brightness <= 100:
                raise InvalidArgumentError(
                    f"an effect's brightness is 1 to 100, got {brightness!r}"
                )
            data["brightness"] = brightness
        return data


def _sequence(
    colours: list[list[int]], *, transition_ms: int, spread: int = 3, direction: int = 1
) -> dict[str, Any]:
    return {
        "type": "sequence",
        "expansion_strategy": 1,
        "segments": [0],
        "brightness": 100,
        "duration": 0,
        "repeat_times": 0,
        "transition": transition_ms,
        "direction": direction,
        "spread": spread,
        "sequence": colours,
    }


def _random(hue: tuple[int, int], saturation: tuple[int, int], period_ms: int) -> dict[str, Any]:
    return {
        "type": "random",
        "expansion_strategy": 1,
        "segments": [0],
        "brightness": 100,
        "duration": 0,
        "transition": period_ms,
        "fadeoff": period_ms,
        "hue_range": list(hue),
        "saturation_range": list(saturation),
        "brightness_range": [50, 100],
        "init_states": [[hue[0], saturation[1], 100]],
        "random_seed": 100,
        "backgrounds": [],
    }


_EFFECTS = (
    Effect(
        "Aurora",
        "Greens and blues drifting along the strip",
        _sequence(
            [[120, 100, 100], [240, 100, 100], [260, 100, 100], [280, 100, 100]],
            transition_ms=1500,
            spread=7,
            direction=4,
        ),
    ),
    Effect(
        "Rainbow",
        "Every hue, moving",
        _sequence(
            [
                [0, 100, 100],
                [60, 100, 100],
                [120, 100, 100],
                [180, 100, 100],
                [240, 100, 100],
                [300, 100, 100],
            ],
            transition_ms=1000,
            spread=12,
        ),
    ),
    Effect(
        "Ocean",
        "Slow waves of blue and cyan",
        _sequence([[198, 84, 100], [208, 100, 100], [218, 92, 100]], transition_ms=2000),
    ),
    Effect(
        "Sunset",
        "Warm orange to deep red",
        _sequence(
            [[30, 100, 100], [15, 100, 100], [0, 100, 90], [340, 90, 80]], transition_ms=3000
        ),
    ),
    Effect(
        "Christmas",
        "Red, green and white, twinkling",
        _sequence([[0, 100, 100], [120, 100, 100], [0, 0, 100]], transition_ms=500, spread=1),
    ),
    Effect("Candlelight", "A warm, flickering glow", _random((25, 35), (90, 100), 200)),
    Effect("Party", "Random bright colours", _random((0, 359), (90, 100), 100)),
)

EFFECTS: Mapping[str, Effect] = MappingProxyType({e.name.lower(): e for e in _EFFECTS})
"""Every preset, by lower-case name."""


def find_effect(name: str) -> Effect:
    """The preset ``name`` names: its name or a unique start of it (case-insensitive)."""
    wanted = name.strip().lower()
    if wanted in EFFECTS:
        return EFFECTS[wanted]
    matches = [e for key, e in EFFECTS.items() if wanted and key.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(e.name for e in _EFFECTS)
    if matches:
        raise InvalidArgumentError(
            f"{name!r} names {len(matches)} effects ({', '.join(e.name for e in matches)})"
        )
    raise InvalidArgumentError(f"there is no effect {name!r}; the effects are {names}")
