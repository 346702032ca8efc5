"""The console's SVG charts: well-formed, escaped, folded to a bounded number of points."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from welkin.console.charts import (
    MAX_POINTS,
    Series,
    bar_chart,
    fold,
    fold_labels,
    line_chart,
    nice_ceiling,
    stacked_bar_chart,
    y_ticks,
)

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - markup this test made


def test_a_line_chart_is_svg_with_one_polyline_per_series_and_a_tooltip_per_point() -> None:
    chart = line_chart(
        [Series("invocations", [1, 2, 3]), Series("errors", [0, 1, 0])], ["10:00", "10:01", "10:02"], "calls"
    )
    assert isinstance(chart, Markup)
    root = _parse(chart)
    assert root.get("class") == "chart"
    assert root.get("viewBox") == "0 0 640 220"
    lines = root.findall(f"{SVG}polyline")
    assert [line.get("class") for line in lines] == ["series0", "series1"]
    assert len(lines[0].get("points", "").split()) == 3
    tips = [t.text for t in root.iter(f"{SVG}title")]
    assert "10:01 — invocations: 2 calls; errors: 1 calls" in tips


def test_labels_and_names_are_escaped() -> None:
    chart = line_chart([Series("<script>alert(1)</script>", [1])], ['<b>"x"</b>'], "<u>", title="a&b")
    assert "<script>" not in chart
    assert "<b>" not in chart
    root = _parse(chart)  # still well-formed
    assert any("<script>alert(1)</script>" in "".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def test_many_points_are_folded_to_at_most_max_points_keeping_peaks() -> None:
    values = [0.0] * 1440
    values[700] = 9.0
    chart = line_chart([Series("p99", values)], [str(i) for i in range(1440)], "ms")
    points = _parse(chart).find(f"{SVG}polyline")
    assert points is not None
    coords = points.get("points", "").split()
    assert len(coords) <= MAX_POINTS
    assert min(float(c.split(",")[1]) for c in coords) == 41.4  # the peak (9 of 10) survived folding


def test_gaps_split_lines_and_bars_skip_zeros() -> None:
    chart = line_chart([Series("d", [1, math.nan, 2, 3])], ["a", "b", "c", "d"])
    assert len(_parse(chart).findall(f"{SVG}polyline")) == 2
    assert len(_parse(chart).findall(f"{SVG}circle")) == 1  # the lone first point is marked
    bars = bar_chart([Series("a", [1, 0, 2]), Series("b", [3, 0, 0])], ["x", "y", "z"], "USD")
    rects = [r for r in _parse(bars).findall(f"{SVG}rect") if r.get("class", "").startswith("bar")]
    assert sorted(r.get("class", "") for r in rects) == ["bar0", "bar0", "bar1"]


def test_an_empty_chart_still_draws_axes() -> None:
    root = _parse(line_chart([], []))
    assert root.findall(f"{SVG}line")


def test_fold_and_nice_ceiling() -> None:
    assert fold([1, 2, 3, 4, 5], 2) == [3, 7, 5]
    assert fold([1, 2, 3], 2, max) == [2, 3]
    assert fold_labels(["a", "b", "c", "d", "e"], 2) == ["a", "c", "e"]
    assert nice_ceiling(0) == 1
    assert nice_ceiling(7) == 10
    assert nice_ceiling(0.3) == 0.5
    assert nice_ceiling(1800) == 2000


def test_stacked_bars_put_each_series_part_on_the_one_before() -> None:
    chart = stacked_bar_chart(
        [Series("FunctionGraph", [1, 0, 2]), Series("OBS", [1, 3, math.nan])], ["1", "2", "3"], "USD"
    )
    root = _parse(chart)
    bars = [r for r in root.findall(f"{SVG}rect") if r.get("class", "").startswith("bar")]
    assert [b.get("class") for b in bars] == ["bar0", "bar1", "bar1", "bar0"]
    first, second = bars[0], bars[1]  # day 1: equal parts, OBS on top of FunctionGraph
    assert first.get("height") == second.get("height")
    assert float(second.get("y") or 0) + float(second.get("height") or 0) == float(first.get("y") or 0)
    assert float(bars[2].get("height") or 0) == pytest.approx(float(bars[3].get("height") or 0) * 1.5)
    tips = [t.text for t in root.iter(f"{SVG}title")]
    assert "1 — FunctionGraph: 1 USD; OBS: 1 USD" in tips
    assert "style=" not in chart


def test_the_axis_reaches_the_tallest_stack_not_the_tallest_part() -> None:
    chart = stacked_bar_chart([Series("a", [4]), Series("b", [4])], ["1"], "USD")
    ticks = [t.text for t in _parse(chart).iter(f"{SVG}text")]
    assert "10" in ticks  # the stack is 8; its parts alone would top the axis at 5
    assert "USD" in ticks  # the unit, once


def test_small_amounts_keep_their_figures() -> None:
    chart = stacked_bar_chart([Series("OBS", [0.00214537])], ["30"], "USD")
    tips = [t.text for t in _parse(chart).iter(f"{SVG}title")]
    assert "30 — OBS: 0.002145 USD" in tips


def test_each_y_tick_is_a_round_number() -> None:
    for top, ticks in ((1.0, 4), (2.0, 4), (2.5, 5), (5.0, 5), (0.0025, 5), (200.0, 4), (50.0, 5)):
        assert nice_ceiling(top) == top
        assert y_ticks(top) == ticks, top
    labels = [t.text for t in _parse(bar_chart([Series("s", [0.0021])], ["1"])).iter(f"{SVG}text")]
    assert labels[:6] == ["0", "0.0005", "0.001", "0.0015", "0.002", "0.0025"]
