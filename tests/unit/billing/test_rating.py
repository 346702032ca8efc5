"""Rating a month: base units into the catalog's, the free tier used first and in time order,
tiers, a price change in the middle of the month, and the rounding Huawei bills with."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from welkin.billing.catalog import PriceCatalog
from welkin.billing.rating import HourlyUsage, Invoice, rate_month

NOV = datetime(2026, 11, 1, tzinfo=UTC)
FN = "urn:fss:local-1:p:function:default:hello"


def usage(usage_type: str, quantity: int, hour: int = 0, resource: str = FN, **fields: Any) -> HourlyUsage:
    functions = usage_type.startswith("fgs")
    values: dict[str, Any] = {
        "account_id": "acct",
        "hour": NOV + timedelta(hours=hour),
        "service_type": "hws.service.type.functiongraph" if functions else "hws.service.type.obs",
        "resource_type": "hws.resource.type.function" if functions else "hws.resource.type.obs",
        "resource_id": resource,
        "region": "local-1",
        "usage_type": usage_type,
        "quantity": quantity,
    }
    values.update(fields)
    return HourlyUsage(**values)


def lines_of(invoice: Invoice, usage_type: str) -> list[tuple[Decimal, Decimal, Decimal, Decimal]]:
    return [
        (line.quantity, line.free_applied, line.unit_price, line.amount)
        for line in invoice.lines
        if line.key.usage_type == usage_type
    ]


def requests_price(price: str | None, **fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "usage_type": "fgs_requests",
        "service_type": "hws.service.type.functiongraph",
        "resource_type": "hws.resource.type.function",
        "unit": "request",
        "per": 1_000_000,
        "effective_from": NOV - timedelta(days=30),
    }
    if price is not None:
        entry["price"] = price
    entry.update(fields)
    return entry


def test_functiongraphs_own_example_with_its_free_tier() -> None:
    # 2 million requests, then 0.1 million twice: 1.2 million beyond the free million, $0.24.
    rows = [
        usage("fgs_requests", 2_000_000),
        usage("fgs_requests", 100_000, 5),
        usage("fgs_requests", 100_000, 9),
    ]
    invoice = rate_month("2026-11", "acct", rows, PriceCatalog.default())
    expected = (Decimal(2_200_000), Decimal(1_000_000), Decimal("0.20"), Decimal("0.24"))
    assert lines_of(invoice, "fgs_requests") == [expected]
    assert (invoice.total, invoice.billed, invoice.truncated) == (
        Decimal("0.24"),
        Decimal("0.24"),
        Decimal(0),
    )
    assert invoice.currency == "USD"


def test_base_units_become_the_catalogs_units() -> None:
    gib = 1 << 30
    rows = [
        usage("fgs_duration", 512 * 1000 * 900_000),  # 512 MB for 900,000 s: 450,000 GB-s
        usage("obs_storage_standard", 10 * gib * 720, 1, resource="bucket"),  # 10 GB for 720 hours
        usage("obs_traffic_out", 3 * gib, 2, resource="bucket"),
        usage("obs_requests_write", 25_000, 3, resource="bucket"),
    ]
    invoice = rate_month("2026-11", "acct", rows, PriceCatalog.default())
    [(quantity, free, _, amount)] = lines_of(invoice, "fgs_duration")
    assert (quantity, free) == (Decimal(450_000), Decimal(400_000))
    assert amount == Decimal("0.83350000")  # 50,000 GB-s at $0.00001667
    [(quantity, _, _, amount)] = lines_of(invoice, "obs_storage_standard")
    assert quantity == Decimal(7200)
    assert amount == Decimal("0.24999984")  # $0.0000347222 per GB-hour
    assert lines_of(invoice, "obs_traffic_out")[0][3] == Decimal("0.32400000")
    assert lines_of(invoice, "obs_requests_write")[0][3] == Decimal("0.12500000")
    assert invoice.total == sum(line.amount for line in invoice.lines)
    assert invoice.billed == Decimal("1.53")
    assert invoice.truncated == invoice.total - invoice.billed


def test_the_free_tier_goes_to_the_earliest_usage_and_a_new_price_applies_from_its_hour() -> None:
    rise = NOV + timedelta(days=10)
    prices = [
        requests_price("0.20", free_per_month=150),
        requests_price("0.40", free_per_month=150, effective_from=rise),
    ]
    catalog = PriceCatalog.parse({"currency": "USD", "price": prices})
    rows = [
        usage("fgs_requests", 100, hour=24 * 12, resource="b"),  # after the rise
        usage("fgs_requests", 100, hour=1, resource="a"),
        usage("fgs_requests", 100, hour=1, resource="b"),
    ]
    invoice = rate_month("2026-11", "acct", rows, catalog)
    lines = {(line.key.resource_id, line.key.price_from == rise): line for line in invoice.lines}
    early_a, early_b, late_b = lines[("a", False)], lines[("b", False)], lines[("b", True)]
    # a (the same hour as b, sorted first) takes 100 of the 150 free; b the other 50.
    assert (early_a.free_applied, early_a.amount) == (Decimal(100), Decimal(0))
    assert (early_b.free_applied, early_b.amount) == (Decimal(50), Decimal("0.00001000"))
    # The free tier is the month's, whichever price is in force: none is left after the rise.
    assert (late_b.free_applied, late_b.unit_price) == (Decimal(0), Decimal("0.40"))
    assert late_b.amount == Decimal("0.00004000")


def test_tiers_split_a_row_where_the_month_crosses_a_band() -> None:
    tiers = [{"up_to": 100, "price": "1"}, {"price": "0.5"}]
    catalog = PriceCatalog.parse({"currency": "USD", "price": [requests_price(None, tiers=tiers, per=1)]})
    invoice = rate_month(
        "2026-11", "acct", [usage("fgs_requests", 80), usage("fgs_requests", 50, 1)], catalog
    )
    assert lines_of(invoice, "fgs_requests") == [
        (Decimal(100), Decimal(0), Decimal(1), Decimal(100)),
        (Decimal(30), Decimal(0), Decimal("0.5"), Decimal(15)),
    ]


def test_the_invoice_does_not_depend_on_the_order_of_the_rows() -> None:
    kinds = ["fgs_requests", "fgs_duration", "obs_requests_read"] * 40
    rows = [
        usage(kind, 1_000_003 * (i + 1), hour=i % 50, resource=f"r{i % 7}") for i, kind in enumerate(kinds)
    ]
    first = rate_month("2026-11", "acct", rows, PriceCatalog.default())
    random.Random(5).shuffle(rows)  # noqa: S311 - a reproducible shuffle
    assert rate_month("2026-11", "acct", rows, PriceCatalog.default()) == first
    for line in first.lines:
        exact = (line.quantity - line.free_applied) * line.unit_price / line.per
        assert line.amount == exact.quantize(Decimal("0.00000001"))


def test_rows_of_another_account_or_month_are_refused() -> None:
    with pytest.raises(ValueError, match="not acct's 2026-11"):
        rate_month("2026-11", "acct", [usage("fgs_requests", 1, account_id="other")], PriceCatalog.default())
    with pytest.raises(ValueError, match="not acct's 2026-11"):
        rate_month("2026-11", "acct", [usage("fgs_requests", 1, hour=24 * 30)], PriceCatalog.default())


def test_an_empty_month_costs_nothing() -> None:
    invoice = rate_month("2026-11", "acct", [], PriceCatalog.default())
    assert (invoice.lines, invoice.total, invoice.billed) == ((), Decimal(0), Decimal(0))
