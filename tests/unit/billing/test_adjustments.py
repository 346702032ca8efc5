"""Adjustment lines: a closed month rated again, less what was billed for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from welkin.billing.adjustments import difference, with_adjustments
from welkin.billing.catalog import PriceCatalog
from welkin.billing.export import to_csv
from welkin.billing.rating import HourlyUsage, rate_month

OCT = datetime(2026, 10, 1, tzinfo=UTC)
CATALOG = PriceCatalog.default()


def requests(day: int, quantity: int, resource: str = "f") -> HourlyUsage:
    return HourlyUsage(
        "acct",
        OCT + timedelta(days=day),
        "hws.service.type.functiongraph",
        "hws.resource.type.function",
        resource,
        "r1",
        "fgs_requests",
        quantity,
    )


def test_late_usage_early_in_the_month_moves_free_tier_between_lines() -> None:
    closed = rate_month("2026-10", "acct", [requests(20, 1_000_000, "late")], CATALOG)
    assert closed.total == 0  # all of it free
    now = rate_month(
        "2026-10", "acct", [requests(1, 500_000, "early"), requests(20, 1_000_000, "late")], CATALOG
    )
    late = difference(now, closed.lines)
    by_resource = {line.key.resource_id: line for line in late}
    assert {line.adjusts for line in late} == {"2026-10"}
    assert by_resource["early"].free_applied == 500_000
    assert by_resource["late"].free_applied == -500_000  # the free tier went to the earlier usage
    assert by_resource["late"].quantity == 0
    assert sum(line.amount for line in late) == now.total - closed.total == Decimal("0.1")


def test_nothing_late_gives_no_lines_and_adjustments_add_to_the_total() -> None:
    october = rate_month("2026-10", "acct", [requests(3, 2_000_000)], CATALOG)
    assert difference(october, october.lines) == ()
    november = rate_month("2026-11", "acct", [], CATALOG)
    late = difference(october, [])
    billed = with_adjustments(november, late)
    assert billed.total == october.total
    assert billed.billed == Decimal("0.20")
    assert "2026-10" in to_csv(billed)
