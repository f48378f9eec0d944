"""Bar charts for energy history, as geometry for an SVG drawn by the template.

Hand-made on purpose: the dashboard runs on machines without internet access, so there is no chart
library to load from a CDN, and a few rectangles do not justify vendoring one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 280
# Room for the axis labels. The SVG scales with its box, text too; style.css sets the text's size
# per screen width (larger in user units on a phone, whose chart is drawn at half scale) so that it
# renders at 10-16 CSS px on both.
_LEFT = 60
_RIGHT = 28  # the newest bar's label, centred under it, must not be cut off
_TOP = 14
_BOTTOM = 44
MAX_LABELS = 7
"""At most this many x-axis labels: 30 labels do not fit a phone."""


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


def nice_step(value: float, intervals: int = 4) -> float:
    """The smallest 1, 2 or 5 times a power of ten that splits ``value`` in ``intervals`` or fewer.

    >>> nice_step(38), nice_step(3.8), nice_step(0.9), nice_step(0)
    (10.0, 1.0, 0.5, 0.2)
    """
    if value <= 0:
        return 0.2  # an empty chart: 0 to 1 kWh in five steps
    raw = value / intervals
    exponent = math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 5.0, 10.0):
        step = multiple * 10.0**exponent
        if step * intervals >= value * (1 - 1e-9):
            return step
    return 10.0 ** (exponent + 1)  # pragma: no cover - the loop always returns


def _format(value: float, step: float) -> str:
    """A tick's label with as many decimals as the step has (``0.5``, ``10``, ``0.02``)."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    return f"{value:.{decimals}f}"


def bar_chart(
    points: list[tuple[str, str, float]], *, unit: str = "kWh", label_every: int | None = None
) -> BarChart:
    """Lay out a bar chart.

    ``points`` are ``(short label, full description, value)``, oldest first. Every
    ``label_every``-th bar, counted back from the newest, gets its short label under it (default:
    as many as make at most :data:`MAX_LABELS` labels). Grid lines are at round values: 1, 2 or 5
    times a power of ten.

    >>> chart = bar_chart([("1", "1 May", 0.5), ("2", "2 May", 1.0)])
    >>> [round(b.height) for b in chart.bars], [t.label for t in chart.ticks]
    ([111, 222], ['0.0', '0.5', '1.0'])
    """
    if label_every is None:
        label_every = max(1, math.ceil(len(points) / MAX_LABELS))
    plot_width = WIDTH - _LEFT - _RIGHT
    plot_height = HEIGHT - _TOP - _BOTTOM
    baseline = HEIGHT - _BOTTOM
    highest = max((v for _, _, v in points), default=0.0)
    step = nice_step(highest)
    intervals = max(1, math.ceil(highest / step - 1e-9)) if highest > 0 else 5
    top_value = step * intervals
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
        Tick(y=round(baseline - plot_height * i / intervals, 2), label=_format(step * i, step))
        for i in range(intervals + 1)
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
