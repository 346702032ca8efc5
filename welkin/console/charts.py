"""Charts as SVG drawn on the server: no script, nothing for the CSP to block, testable here.

``line_chart``, ``bar_chart`` and ``stacked_bar_chart`` take a few named ``Series`` over the same
x positions and
return SVG markup: axes, a legend, and per x position a hover area whose ``<title>`` reads
every series' value there. Every label is escaped here, so the result may go into a page as
``Markup``. The SVG is sized by its ``viewBox`` and the ``chart`` class (``width: 100%``), so
it shrinks to a phone's width. More than ``MAX_POINTS`` positions are folded first (see
``fold``); fold them yourself to choose how (a sum for counts, a maximum for latencies).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

MAX_POINTS = 200
WIDTH, HEIGHT = 640, 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 60, 8, 24, 22
_X_LABELS = 6
_SERIES_STYLES = 4


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def fold(
    values: Sequence[float], size: int, combine: Callable[[Sequence[float]], float] = sum
) -> list[float]:
    """Consecutive runs of ``size`` values combined into one (the last run may be shorter)."""
    if size <= 1:
        return list(values)
    return [combine(values[i : i + size]) for i in range(0, len(values), size)]


def fold_labels(labels: Sequence[str], size: int) -> list[str]:
    """Each run's first label, to go with ``fold``."""
    return list(labels[:: max(1, size)])


def nice_ceiling(value: float) -> float:
    """The top of the y axis: 1, 2, 2.5 or 5 times a power of ten, at least ``value``."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def y_ticks(top: float) -> int:
    """How many steps the y axis takes to ``top`` (a ``nice_ceiling``), so that each is round too:
    fifths of 2.5 or 5, quarters of 1 or 2."""
    mantissa = top / 10.0 ** math.floor(math.log10(top))
    return 5 if round(mantissa, 6) in (2.5, 5.0) else 4


def number(value: float, unit: str = "") -> str:
    if value != value:  # NaN: no figure for that position
        return "n/a"
    if abs(value) >= 1000 or value == int(value):
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    elif abs(value) >= 1:
        text = f"{value:.2f}".rstrip("0").rstrip(".")
    else:  # small amounts (a month's cost in cents of a cent) keep their figures
        text = f"{value:.6f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".rstrip() if unit else text


class _Draw(enum.Enum):
    LINES = "lines"
    BARS = "bars"  # side by side
    STACKED = "stacked"  # one on the other


def line_chart(
    series: Sequence[Series], x_labels: Sequence[str], y_unit: str = "", title: str = ""
) -> Markup:
    return _chart(series, x_labels, y_unit, title, _Draw.LINES)


def bar_chart(series: Sequence[Series], x_labels: Sequence[str], y_unit: str = "", title: str = "") -> Markup:
    """Bars side by side at each x position, one colour per series."""
    return _chart(series, x_labels, y_unit, title, _Draw.BARS)


def stacked_bar_chart(
    series: Sequence[Series], x_labels: Sequence[str], y_unit: str = "", title: str = ""
) -> Markup:
    """One bar at each x position, each series' part one on the other (a total and its parts)."""
    return _chart(series, x_labels, y_unit, title, _Draw.STACKED)


def _chart(series: Sequence[Series], x_labels: Sequence[str], y_unit: str, title: str, draw: _Draw) -> Markup:
    count = max([len(x_labels), *(len(s.values) for s in series)], default=0)
    labels = [*x_labels, *[""] * (count - len(x_labels))]
    values = [[*s.values, *[math.nan] * (count - len(s.values))] for s in series]
    if count > MAX_POINTS:
        size = math.ceil(count / MAX_POINTS)
        values = [fold(v, size, _peak) for v in values]
        labels = fold_labels(labels, size)
        count = len(labels)
    if draw is _Draw.STACKED:
        highest = max((sum(vs[i] for vs in values if vs[i] > 0) for i in range(count)), default=0.0)
    else:
        highest = max((v for vs in values for v in vs if v == v), default=0.0)
    top = nice_ceiling(highest)
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    step = plot_w / max(count, 1)

    def x_at(i: int) -> float:
        return _LEFT + step * (i + 0.5)

    def y_at(v: float) -> float:
        return _TOP + plot_h * (1 - v / top)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg" '
        f'role="img" aria-label="{escape(title or ", ".join(s.name for s in series))}">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    ticks = y_ticks(top)
    for tick in range(ticks + 1):
        v = top * tick / ticks
        y = y_at(v)
        parts.append(f'<line class="axis" x1="{_LEFT}" y1="{y:.1f}" x2="{WIDTH - _RIGHT}" y2="{y:.1f}"/>')
        parts.append(f'<text x="{_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{escape(number(v))}</text>')
    if y_unit:  # once, over the axis: in every tick it would crowd out the figures
        parts.append(f'<text x="{_LEFT - 4}" y="14" text-anchor="end">{escape(y_unit)}</text>')
    every = max(1, math.ceil(count / _X_LABELS))
    for i in range(0, count, every):
        parts.append(
            f'<text x="{x_at(i):.1f}" y="{HEIGHT - 6}" text-anchor="middle">{escape(labels[i])}</text>'
        )
    for n, s in enumerate(series):
        parts.append(
            f'<text x="{_LEFT + 150 * n}" y="14"><tspan class="key{n % _SERIES_STYLES}">■</tspan> '
            f"{escape(s.name)}</text>"
        )
    if draw is _Draw.STACKED:
        for i in range(count):
            base = float(_TOP + plot_h)
            for n, vs in enumerate(values):
                if vs[i] > 0:  # NaN and nothing draw no part
                    height = plot_h * vs[i] / top
                    base -= height
                    parts.append(
                        f'<rect class="bar{n % _SERIES_STYLES}" x="{_LEFT + step * (i + 0.15):.1f}" '
                        f'y="{base:.1f}" width="{step * 0.7:.2f}" height="{height:.1f}"/>'
                    )
    elif draw is _Draw.BARS:
        width = step * 0.8 / max(len(series), 1)
        for n, vs in enumerate(values):
            for i, v in enumerate(vs):
                if v == v and v > 0:
                    x = _LEFT + step * (i + 0.1) + width * n
                    parts.append(
                        f'<rect class="bar{n % _SERIES_STYLES}" x="{x:.1f}" y="{y_at(v):.1f}" '
                        f'width="{width:.2f}" height="{plot_h * v / top:.1f}"/>'
                    )
    else:
        for n, vs in enumerate(values):
            for run in _runs(vs):
                points = " ".join(f"{x_at(i):.1f},{y_at(vs[i]):.1f}" for i in run)
                parts.append(f'<polyline class="series{n % _SERIES_STYLES}" points="{points}"/>')
                if len(run) == 1:  # a line of one point draws nothing: mark it
                    x, y = x_at(run[0]), y_at(vs[run[0]])
                    parts.append(
                        f'<circle class="dot{n % _SERIES_STYLES}" cx="{x:.1f}" cy="{y:.1f}" r="2.5"/>'
                    )
    for i in range(count):
        readout = "; ".join(f"{s.name}: {number(values[n][i], y_unit)}" for n, s in enumerate(series))
        tip = f"{labels[i]} — {readout}" if labels[i] else readout
        parts.append(
            f'<rect class="hover" x="{_LEFT + step * i:.1f}" y="{_TOP}" width="{step:.2f}" '
            f'height="{plot_h}"><title>{escape(tip)}</title></rect>'
        )
    parts.append("</svg>")
    # Every value above went through escape() or is a number this module formatted.
    return Markup("".join(parts))  # noqa: S704


def _peak(values: Sequence[float]) -> float:
    present = [v for v in values if v == v]
    return max(present) if present else math.nan


def _runs(values: Sequence[float]) -> list[list[int]]:
    """Index runs without gaps (NaN), each drawn as its own line."""
    runs: list[list[int]] = [[]]
    for i, v in enumerate(values):
        if v == v:
            runs[-1].append(i)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]
