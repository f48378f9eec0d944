"""Bar charts for energy history, as geometry for an SVG drawn by the template.

Hand-made on purpose: the dashboard runs on machines without internet access, so there is no chart
library to load from a CDN, and a few rectangles do not justify vendoring one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 260
_LEFT = 48  # room for the y-axis labels
_RIGHT = 8
_TOP = 12
_BOTTOM = 36  # room for the x-axis labels


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its place in the SVG and what it stands for."""

    x: float
    y: float
    width: float
    height: float
    label: str
    """The short label under the bar ("12", "Mar")."""
    title: str
    """The full description for a tooltip and screen readers ("12 March 2026: 1.234 kWh")."""
    value: float
    show_label: bool


@dataclass(frozen=True, slots=True)
class Tick:
    """A horizontal grid line with its value."""

    y: float
    label: str


@dataclass(frozen=True, slots=True)
class BarChart:
    """A whole chart: bars, grid lines and the SVG's size."""

    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    plot_left: float
    plot_right: float
    baseline_y: float
    unit: str
    total: float


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        candidate = step * 10.0**exponent
        if candidate >= value * (1 - 1e-9):
            return candidate
    return 10.0 ** (exponent + 1)  # pragma: no cover - the loop always returns


def _format(value: float) -> str:
    """A value for an axis label: as few decimals as tell ticks apart."""
    if value == 0:
        return "0"
    if value >= 10:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.3f}".rstrip("0").rstrip(".")


def bar_chart(
    points: list[tuple[str, str, float]], *, unit: str = "kWh", label_every: int = 1
) -> BarChart:
    """Lay out a bar chart.

    ``points`` are ``(short label, full description, value)``, oldest first. Every
    ``label_every``-th bar gets its short label under it (30 day numbers do not fit a phone).

    >>> chart = bar_chart([("1", "1 May", 0.5), ("2", "2 May", 1.0)])
    >>> [round(b.height) for b in chart.bars]
    [106, 212]
    """
    plot_width = WIDTH - _LEFT - _RIGHT
    plot_height = HEIGHT - _TOP - _BOTTOM
    baseline = HEIGHT - _BOTTOM
    top_value = _nice_ceiling(max((v for _, _, v in points), default=0.0))
    slot = plot_width / max(len(points), 1)
    gap = min(4.0, slot * 0.2)
    bars = []
    for index, (label, title, value) in enumerate(points):
        height = max(value, 0.0) / top_value * plot_height
        bars.append(
            Bar(
                x=round(_LEFT + index * slot + gap / 2, 2),
                y=round(baseline - height, 2),
                width=round(slot - gap, 2),
                height=round(height, 2),
                label=label,
                title=title,
                value=value,
                show_label=(len(points) - 1 - index) % label_every == 0,
            )
        )
    ticks = [
        Tick(y=round(baseline - plot_height * i / 4, 2), label=_format(top_value * i / 4))
        for i in range(5)
    ]
    return BarChart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        ticks=ticks,
        plot_left=_LEFT,
        plot_right=WIDTH - _RIGHT,
        baseline_y=baseline,
        unit=unit,
        total=sum(v for _, _, v in points),
    )
