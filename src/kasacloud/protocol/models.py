"""Facts about Kasa models that both sides need: what the devices themselves enforce."""

from __future__ import annotations

from typing import Final

COLOR_TEMP_RANGES_K: Final[dict[str, tuple[int, int]]] = {
    "LB120": (2500, 6500),
    "LB130": (2500, 9000),
    "LB230": (2500, 9000),
    "KB130": (2500, 9000),
    "KL120": (2700, 5000),
    "KL125": (2500, 6500),
    "KL130": (2500, 9000),
    "KL135": (2500, 6500),
    "KL400": (2500, 9000),
    "KL420": (2500, 9000),
    "KL430": (2500, 9000),
}
"""Colour temperature range in kelvin by model without region, as the bulbs enforce it
(PROTOCOL.md section 5 and public device data)."""

DEFAULT_COLOR_TEMP_RANGE_K: Final = (2700, 5000)
"""For a tunable model not in the table: the narrowest common range, so a value never fails."""


def model_base(model: str) -> str:
    """``"KL130(EU)"`` -> ``"KL130"``."""
    return model.split("(")[0].strip().upper()


def color_temp_range_k(model: str) -> tuple[int, int]:
    """The colour temperature range of a tunable ``model`` (e.g. ``"KL130(EU)"``)."""
    return COLOR_TEMP_RANGES_K.get(model_base(model), DEFAULT_COLOR_TEMP_RANGE_K)
