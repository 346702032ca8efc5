"""The billing chart: stacked bars per day, labels escaped, no inline style, scaled by viewBox."""

from __future__ import annotations

import re
from decimal import Decimal

from defusedxml import ElementTree

from welkin.console.billing_chart import nice_top, stacked_bars

SVG = "{http://www.w3.org/2000/svg}"


def test_bars_stack_per_day_in_the_series_classes() -> None:
    svg = stacked_bars(
        ["1", "2", "3"],
        [
            ("FunctionGraph", [Decimal("1"), Decimal(0), Decimal("2")]),
            ("OBS", [Decimal("1"), Decimal("3"), 0]),
        ],
        "USD",
    )
    root = ElementTree.fromstring(str(svg))
    assert root.get("class") == "chart"
    assert root.get("viewBox") == "0 0 640 220"
    bars = root.findall(f"{SVG}rect")
    assert [b.get("class") for b in bars] == ["bar0", "bar1", "bar1", "bar0"]
    # Day 1: two bars of the same height, one on the other.
    first, second = bars[0], bars[1]
    assert first.get("height") == second.get("height")
    assert float(second.get("y") or 0) + float(second.get("height") or 0) == float(first.get("y") or 0)
    assert bars[1].findtext(f"{SVG}title") == "OBS, 1: 1 USD"
    assert "style" not in str(svg)


def test_labels_are_escaped() -> None:
    svg = str(stacked_bars(["<b>1</b>"], [("<script>alert(1)</script>", [Decimal("0.5")])], "U&S"))
    assert "<script>" not in svg
    assert "<b>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;, &lt;b&gt;1&lt;/b&gt;: 0.5 U&amp;S" in svg
    ElementTree.fromstring(svg)  # still well-formed


def test_an_empty_month_draws_axes_and_no_bars() -> None:
    svg = str(stacked_bars([str(d) for d in range(1, 31)], [], "USD"))
    assert "<rect" not in svg
    assert len(re.findall(r'class="axis"', svg)) == 3


def test_the_axis_top_is_a_round_number_above_the_largest_day() -> None:
    assert nice_top(Decimal(0)) == 1
    assert nice_top(Decimal("0.00003")) == Decimal("0.00005")
    assert nice_top(Decimal("7")) == 10
    assert nice_top(Decimal("10")) == 10
    assert nice_top(Decimal("101")) == 200
