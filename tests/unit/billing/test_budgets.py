"""Budget thresholds crossed by what a month has cost, and by what it is on course to cost."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from welkin.billing.budgets import Budget, Crossing, crossings, forecast, month_bounds

BUDGET = Budget(Decimal("100"))


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def test_months_are_utc_calendar_months() -> None:
    assert month_bounds("2026-11") == (at(1), datetime(2026, 12, 1, tzinfo=UTC))
    assert month_bounds("2026-12")[1] == datetime(2027, 1, 1, tzinfo=UTC)
    assert month_bounds("2027-02")[1] - month_bounds("2027-02")[0] == datetime(2027, 3, 1) - datetime(
        2027, 2, 1
    )


def test_the_forecast_carries_the_rate_so_far_to_the_end_of_the_month() -> None:
    # 30-day month: after 10 days, $20 is on course for $60.
    assert forecast(Decimal(20), "2026-11", at(11)) == Decimal(60)
    assert forecast(Decimal(20), "2026-11", datetime(2026, 12, 3, tzinfo=UTC)) == Decimal(20)
    # The first minutes do not extrapolate wildly: at least an hour counts as elapsed.
    assert forecast(Decimal(1), "2026-11", at(1)) == Decimal(720)


def test_actual_and_forecast_crossings() -> None:
    assert crossings(BUDGET, Decimal(10), "2026-11", at(16)) == []
    assert crossings(BUDGET, Decimal(30), "2026-11", at(16)) == [Crossing(50, "forecast")]
    assert crossings(BUDGET, Decimal(50), "2026-11", at(16)) == [
        Crossing(50, "actual"),
        Crossing(50, "forecast"),
        Crossing(80, "forecast"),
        Crossing(100, "forecast"),
    ]
    done = crossings(BUDGET, Decimal("100.00"), "2026-11", datetime(2026, 12, 1, tzinfo=UTC))
    assert [c for c in done if c.kind == "actual"] == [
        Crossing(50, "actual"),
        Crossing(80, "actual"),
        Crossing(100, "actual"),
    ]


@pytest.mark.parametrize(
    ("amount", "thresholds", "message"),
    [
        (Decimal(0), (50,), "more than zero"),
        (Decimal(-1), (50,), "more than zero"),
        (Decimal(10), (), "percentages"),
        (Decimal(10), (0,), "percentages"),
        (Decimal(10), (50, 50), "must differ"),
    ],
)
def test_a_budget_must_make_sense(amount: Decimal, thresholds: tuple[int, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Budget(amount, thresholds)
