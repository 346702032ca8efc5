"""The console's SVG charts: well-formed, escaped, folded to a bounded number of points."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from markupsafe import Markup

from welkin.console.charts import MAX_POINTS, Series, bar_chart, fold, fold_labels, line_chart, nice_ceiling

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
