"""A stacked bar chart as SVG, drawn on the server: one bar per day, one colour per service.

    svg = stacked_bars(["1", "2", ...], [("FunctionGraph", [Decimal("0.1"), ...]), ...], "USD")

Every label is escaped here and the result is ``Markup``, so a template inserts it as it is
without ``|safe``. No ``style`` attribute (the console's CSP refuses them): colours are the
CSS classes ``bar0``..``bar3`` of ``console.css``; sizes come from the ``viewBox``, so the
chart scales to the page's width. Each bar segment has a ``<title>`` for a hover readout.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from markupsafe import Markup

WIDTH = 640
HEIGHT = 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 8, 10, 24
COLOURS = 4


def _x(value: float) -> str:
    return f"{value:.1f}"


def nice_top(largest: Decimal) -> Decimal:
    """The axis' top: 1, 2 or 5 times a power of ten, at least ``largest``."""
    if largest <= 0:
        return Decimal(1)
    step = Decimal(10) ** (largest.adjusted())
    for factor in (1, 2, 5, 10):
        if step * factor >= largest:
            return step * factor
    return step * 10


def stacked_bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal]]],
    unit: str,
    title: str = "Daily amounts per service",
) -> Markup:
    count = max(len(labels), 1)
    totals = [sum((values[i] for _name, values in series), Decimal(0)) for i in range(len(labels))]
    top = nice_top(max(totals, default=Decimal(0)))
    plot_w = WIDTH - _LEFT - _RIGHT
    plot_h = HEIGHT - _TOP - _BOTTOM
    slot = plot_w / count
    bar_w = max(slot * 0.7, 1.0)
    scale = plot_h / float(top)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, 0.5, 1):
        y = _TOP + plot_h * (1 - fraction)
        parts.append(f'<line class="axis" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{_x(y)}" y2="{_x(y)}"/>')
        figure = top * Decimal(str(fraction))
        parts.append(
            f'<text x="{_LEFT - 4}" y="{_x(y + 4)}" text-anchor="end">{escape(f"{figure:g}")}</text>'
        )
    every = max(1, round(count / 10))
    for i, label in enumerate(labels):
        x = _LEFT + slot * i + (slot - bar_w) / 2
        base = float(_TOP + plot_h)
        for n, (name, values) in enumerate(series):
            value = values[i]
            if value <= 0:
                continue
            height = float(value) * scale
            base -= height
            tip = escape(f"{name}, {label}: {value:f} {unit}")
            parts.append(
                f'<rect class="bar{n % COLOURS}" x="{_x(x)}" y="{_x(base)}" width="{_x(bar_w)}"'
                f' height="{_x(height)}"><title>{tip}</title></rect>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{_x(x + bar_w / 2)}" y="{HEIGHT - 6}" text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    # every label and number above went through escape(): this is markup, not data
    return Markup("".join(parts))  # noqa: S704
