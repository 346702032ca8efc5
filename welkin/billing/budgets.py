"""Budgets: which of an account's monthly thresholds its spending has crossed, actual or forecast.

    budget = Budget(amount=Decimal("50"), thresholds=(50, 80, 100))
    crossings(budget, spent=Decimal("41"), month="2026-11", now=...)
    # [Crossing(50, "actual"), Crossing(80, "actual"), Crossing(50, "forecast"), ...]

Actual: what the month has cost so far has reached the threshold's share of the budget.
Forecast: that cost, carried on at the same hourly rate to the end of the month, would reach
it. A crossing is a fact about (account, month, threshold, kind): the caller records each once
(a unique key), so evaluating again after every flush notifies nobody twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

DEFAULT_THRESHOLDS = (50, 80, 100)
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
KINDS = ("actual", "forecast")


@dataclass(frozen=True)
class Budget:
    amount: Decimal  # per calendar month (UTC), in the catalog's currency
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS  # percentages of ``amount``

    def __post_init__(self) -> None:
        if not self.amount.is_finite() or self.amount <= 0:
            raise ValueError("a budget's amount must be more than zero")
        if not self.thresholds or any(not 1 <= t <= 1000 for t in self.thresholds):
            raise ValueError("thresholds are percentages from 1 to 1000")
        if len(set(self.thresholds)) != len(self.thresholds):
            raise ValueError("thresholds must differ")


@dataclass(frozen=True)
class Crossing:
    threshold: int
    kind: str  # "actual" | "forecast"


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first instant of ``month`` ("YYYY-MM", UTC) and of the next one; ``ValueError``
    for anything else ("2026-1" too)."""
    if not _MONTH.fullmatch(month):
        raise ValueError(f"a month is written YYYY-MM, not {month!r}")
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def forecast(spent: Decimal, month: str, now: datetime) -> Decimal:
    """``spent`` carried on at the month's rate so far to its end (``spent`` once it is over)."""
    start, end = month_bounds(month)
    if now >= end:
        return spent
    elapsed = Decimal(max((now - start).total_seconds(), 3600.0))  # an hour at least: no wild early guesses
    return spent * Decimal((end - start).total_seconds()) / elapsed


def crossings(budget: Budget, spent: Decimal, month: str, now: datetime) -> list[Crossing]:
    """Every threshold reached, actual first then forecast, each in increasing order."""
    projected = forecast(spent, month, now)
    found: list[Crossing] = []
    for kind, figure in (("actual", spent), ("forecast", projected)):
        for threshold in sorted(budget.thresholds):
            if figure * 100 >= budget.amount * threshold:
                found.append(Crossing(threshold, kind))
    return found
