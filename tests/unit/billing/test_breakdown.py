"""A month broken down by hour agrees with its invoice to the last place, and the free tier's
deductions are the invoice's free usage, taken in time order."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from tests.unit.billing.test_rating import NOV, requests_price, usage
from welkin.billing.breakdown import free_deductions, hourly_charges
from welkin.billing.catalog import PriceCatalog
from welkin.billing.rating import HourlyUsage, LineKey, allocate, rate_month


def tiered_catalog() -> PriceCatalog:
    tiers = [{"up_to": 500, "price": "0.0123456789"}, {"price": "0.0098765432"}]
    prices = [
        requests_price(None, tiers=tiers, per=7, free_per_month=300),
        requests_price("0.0333333333", per=3, free_per_month=50, effective_from=NOV + timedelta(days=15)),
    ]
    return PriceCatalog.parse({"currency": "USD", "price": prices})


def random_rows(seed: int) -> list[HourlyUsage]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    return [
        usage(
            "fgs_requests", rng.randint(1, 90), hour=rng.randint(0, 24 * 30 - 1), resource=rng.choice("abc")
        )
        for _ in range(120)
    ]


def test_the_hours_of_each_line_add_up_to_the_line_exactly() -> None:
    for seed in range(20):
        rows, catalog = random_rows(seed), tiered_catalog()
        invoice = rate_month("2026-11", "acct", rows, catalog)
        sums: dict[LineKey, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
        for hour in hourly_charges(allocate("2026-11", "acct", rows, catalog)):
            total = sums[hour.key]
            total[0] += hour.quantity
            total[1] += hour.free_applied
            total[2] += hour.amount
            assert hour.amount == hour.amount.quantize(Decimal("0.00000001"))
        assert {k: tuple(v) for k, v in sums.items()} == {
            line.key: (line.quantity, line.free_applied, line.amount) for line in invoice.lines
        }


def test_hours_come_in_time_order_and_a_line_pays_from_the_hour_the_free_tier_ran_out() -> None:
    catalog = PriceCatalog.parse(
        {"currency": "USD", "price": [requests_price("1", per=1, free_per_month=10)]}
    )
    rows = [usage("fgs_requests", 6, hour=h) for h in (3, 0, 1)]
    hours = hourly_charges(allocate("2026-11", "acct", rows, catalog))
    assert [h.hour for h in hours] == [NOV, NOV + timedelta(hours=1), NOV + timedelta(hours=3)]
    assert [(h.quantity, h.free_applied, h.amount) for h in hours] == [
        (6, 6, 0),
        (6, 4, 2),
        (6, 0, 6),
    ]


def test_free_deductions_are_the_invoices_free_usage_in_time_order() -> None:
    rows, catalog = random_rows(7), tiered_catalog()
    invoice = rate_month("2026-11", "acct", rows, catalog)
    deductions = free_deductions(allocate("2026-11", "acct", rows, catalog))
    assert sum(d.used for d in deductions) == sum(line.free_applied for line in invoice.lines)
    assert [d.hour for d in deductions] == sorted(d.hour for d in deductions)
    first = deductions[0]
    assert (first.allowance, first.before) == (Decimal(300), Decimal(300))
    for earlier, later in itertools.pairwise(deductions):
        assert earlier.after == earlier.before - earlier.used
        if later.allowance == earlier.allowance:
            assert later.before == earlier.after
    # The month's free tier is used up before anything is charged.
    assert deductions[-1].after == 0
