"""BSS query parameters: each mistake is a 400 naming the parameter; absent and empty are alike."""

from __future__ import annotations

from datetime import date

import pytest

from welkin.billing.bssapi.params import Page, Query
from welkin.core import errors


def refused(params: dict[str, str], read: str, *args: object) -> str:
    with pytest.raises(errors.InvalidArgument) as info:
        getattr(Query(params), read)(*args)
    return info.value.message


def test_a_bill_cycle_is_a_month_and_required() -> None:
    assert Query({"bill_cycle": "2026-11"}).cycle("bill_cycle") == "2026-11"
    assert "required" in refused({}, "cycle", "bill_cycle")
    assert "required" in refused({"bill_cycle": ""}, "cycle", "bill_cycle")
    for wrong in ("2026-13", "2026-1", "202611", "2026-11-01", "26-11", "2026-00"):
        assert "bill_cycle must be a month written YYYY-MM" in refused(
            {"bill_cycle": wrong}, "cycle", "bill_cycle"
        )


def test_pages_default_to_the_first_ten_and_limits_are_bounded() -> None:
    assert Query({}).page() == Page(0, 10)
    assert Query({"offset": "20", "limit": "1000"}).page() == Page(20, 1000)
    assert Query({"offset": "", "limit": ""}).page() == Page(0, 10)
    for params in ({"offset": "-1"}, {"limit": "0"}, {"limit": "1001"}, {"limit": "ten"}, {"offset": "1.5"}):
        name = next(iter(params))
        assert name in refused(params, "page")
    assert Page(1, 2).of([1, 2, 3, 4]) == [2, 3]
    assert Page(5, 2).of([1, 2, 3]) == []


def test_choices_and_flags_accept_only_their_values() -> None:
    assert Query({"method": "all"}).one_of("method", ("oneself", "all")) == "all"
    assert Query({"method": ""}).one_of("method", ("oneself", "all")) is None
    assert "method must be one of oneself, all" in refused(
        {"method": "ALL"}, "one_of", "method", ("oneself", "all")
    )
    assert Query({"include_zero_record": "false"}).boolean("include_zero_record") is False
    assert "include_zero_record" in refused({"include_zero_record": "1"}, "boolean", "include_zero_record")


def test_bill_dates_come_in_pairs_inside_the_cycle() -> None:
    query = Query({"b": "2026-11-02", "e": "2026-11-30"})
    days = query.days_of_cycle("b", "e", "2026-11")
    assert days is not None
    assert date(2026, 11, 30) in days
    assert date(2026, 12, 1) not in days
    assert Query({}).days_of_cycle("b", "e", "2026-11") is None
    assert "both" in refused({"b": "2026-11-02"}, "days_of_cycle", "b", "e", "2026-11")
    for begin, end in (
        ("2026-10-31", "2026-11-02"),
        ("2026-11-05", "2026-11-04"),
        ("2026-11-01", "2026-12-01"),
    ):
        assert "must lie in the bill cycle" in refused(
            {"b": begin, "e": end}, "days_of_cycle", "b", "e", "2026-11"
        )
    assert "YYYY-MM-DD" in refused(
        {"b": "2026-11-31", "e": "2026-11-30"}, "days_of_cycle", "b", "e", "2026-11"
    )
    assert "YYYY-MM-DD" in refused({"b": "2026-1-3", "e": "2026-11-30"}, "days_of_cycle", "b", "e", "2026-11")


def test_a_deduction_span_is_required_ordered_and_at_most_90_days() -> None:
    span = Query({"b": "2026-09-01", "e": "2026-11-30"}).deduction_span("b", "e")
    assert (span.first, span.last) == (date(2026, 9, 1), date(2026, 11, 30))
    assert "e is required" in refused({"b": "2026-09-01"}, "deduction_span", "b", "e")
    assert "at most 90 days" in refused({"b": "2026-09-01", "e": "2026-12-01"}, "deduction_span", "b", "e")
    assert "must not be after" in refused({"b": "2026-09-02", "e": "2026-09-01"}, "deduction_span", "b", "e")
