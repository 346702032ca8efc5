"""BSS records from a statement: exact JSON numbers, the monthly sums' cents, and the three
statistic types agreeing with each other and with the invoice."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

from tests.unit.billing.test_rating import requests_price, usage
from welkin.billing.breakdown import adjustment_charges, free_deductions, hourly_charges
from welkin.billing.bssapi import records
from welkin.billing.bssapi.records import Owner
from welkin.billing.bssapi.render import USAGE_MEASURES, encode
from welkin.billing.catalog import PriceCatalog
from welkin.billing.rating import HourlyUsage, allocate, rate_month
from welkin.billing.service import Bill, Statement

OWNER = Owner("acct", "acct-name")


def statement(rows: list[HourlyUsage], catalog: PriceCatalog, final: bool = False) -> Statement:
    shares = allocate("2026-11", "acct", rows, catalog)
    bill = Bill(rate_month("2026-11", "acct", rows, catalog), final=final)
    return Statement(bill, tuple(hourly_charges(shares)), tuple(free_deductions(shares)))


def catalog() -> PriceCatalog:
    prices = [requests_price("0.0123456789", per=1, free_per_month=5)]
    duration = requests_price("0.5", per=1, usage_type="fgs_duration", unit="GB-second")
    return PriceCatalog.parse({"currency": "USD", "price": [*prices, duration]})


def rows() -> list[HourlyUsage]:
    return [
        usage("fgs_requests", 7, hour=0),
        usage("fgs_requests", 9, hour=1, resource="b"),
        usage("fgs_requests", 3, hour=30),
        usage("fgs_duration", 1024 * 1000 * 3, hour=30),
    ]


def test_amounts_are_json_numbers_that_parse_as_the_same_decimals() -> None:
    body = {"a": Decimal("12.34000000"), "b": Decimal(10), "c": [Decimal("0E-8"), 1, "x", None, True]}
    text = encode(body)
    assert text == '{"a":12.34000000,"b":10.0,"c":[0.00000000,1,"x",null,true]}'
    parsed = json.loads(text, parse_float=Decimal)
    assert parsed["a"] == Decimal("12.34")
    assert isinstance(parsed["b"], Decimal)


def test_usage_measure_ids_are_pinned() -> None:
    # Clients store these; changing one is a breaking change.
    assert USAGE_MEASURES == {"GB": 10, "request": 1001, "GB-second": 1002, "GB-hour": 1003}


def test_cents_are_shared_so_that_the_sums_add_up_to_the_bill() -> None:
    amounts = [Decimal("0.004"), Decimal("0.004"), Decimal("0.004")]  # 0.012 billed as 0.01
    assert records.share_cents(amounts, Decimal("0.01")) == [Decimal("0.01"), Decimal(0), Decimal(0)]
    amounts = [Decimal("1.005"), Decimal("2.339"), Decimal("0.001")]  # 3.345 billed as 3.35
    # Rounded down to 3.33; the two cents go to those that lost most, 2.339 then 1.005.
    assert records.share_cents(amounts, Decimal("3.35")) == [
        Decimal("1.01"),
        Decimal("2.34"),
        Decimal("0.00"),
    ]


def test_monthly_sums_add_up_to_the_bill_and_owe_what_they_consume() -> None:
    s = statement(rows(), catalog())
    sums = records.bill_sums(s.bill, OWNER)
    assert len(sums) == 1
    [only] = sums
    assert only["official_amount"] == s.bill.invoice.total
    assert only["consume_amount"] == s.bill.invoice.billed
    assert only["truncated_amount"] == s.bill.invoice.truncated
    assert only["debt_amount"] == only["consume_amount"]
    assert (only["charging_mode"], only["customer_id"]) == (3, "acct")


def test_the_three_statistic_types_agree_with_each_other_and_the_invoice() -> None:
    s = statement(rows(), catalog())
    made = {
        kind: [
            records.fee_record(OWNER, "2026-11", c, kind, "USD") for c in records.by_statistic(s.hours, kind)
        ]
        for kind in (1, 2, 3)
    }
    for found in made.values():
        assert sum(r["amount"] for r in found) == s.bill.invoice.total
        assert sum(r["free_resource_usage"] for r in found) == 5
    assert len(made[1]) == len(s.bill.invoice.lines) == 3
    assert {r["bill_date"] for r in made[1]} == {"2026-11-01"}
    assert {r["bill_date"] for r in made[2]} == {"2026-11-01", "2026-11-02"}
    assert len(made[3]) == 4  # one per line and hour
    hourly = made[3][0]
    assert (hourly["charge_mode"], hourly["bill_type"], hourly["period_type"]) == ("3", 5, "25")
    assert (hourly["effective_time"], hourly["expire_time"]) == (
        "2026-11-01T00:00:00Z",
        "2026-11-01T01:00:00Z",
    )
    assert hourly["usage_measure_id"] == 1001
    assert "id" in hourly
    assert "id" not in made[1][0]


def test_late_usage_billed_this_month_shows_as_adjustment_records_that_add_up_to_the_bill() -> None:
    late_row = usage("fgs_requests", 40, hour=-24)  # October 31st, counted after October closed
    october = rate_month("2026-10", "acct", [late_row], catalog())
    late = [replace(line, adjusts="2026-10") for line in october.lines]
    own = statement(rows(), catalog())
    total = own.bill.invoice.total + october.total
    billed = total.quantize(Decimal("0.01"))
    lines = (*own.bill.invoice.lines, *late)
    invoice = replace(own.bill.invoice, lines=lines, total=total, billed=billed, truncated=total - billed)
    s = Statement(Bill(invoice, final=False), (*own.hours, *adjustment_charges(invoice)), own.free)

    sums = records.bill_sums(s.bill, OWNER)
    assert [r["bill_type"] for r in sums] == [1, 3]
    assert sums[1]["official_amount"] == october.total
    assert sum(r["consume_amount"] for r in sums) == invoice.billed
    for kind in (1, 2, 3):
        charges = records.by_statistic(s.hours, kind)
        found = [records.fee_record(OWNER, "2026-11", c, kind, "USD") for c in charges]
        assert sum(r["amount"] for r in found) == total
        adjusted = [r for r in found if r["bill_type"] == records.ADJUSTED_UP]
        assert [r["adjustment_amount"] for r in adjusted] == [october.total]
        assert adjusted[0]["bill_date"] == "2026-11-01"
    daily = records.bill_records(s, OWNER, s.hours)
    assert sum(r["consume_amount"] for r in daily) == total
    assert sorted(r["bill_type"] for r in daily) == [5, 5, records.ADJUSTED_UP]


def test_daily_bill_records_carry_the_status_of_the_month() -> None:
    open_month = statement(rows(), catalog())
    found = records.bill_records(open_month, OWNER, open_month.hours)
    assert [r["consume_time"] for r in found] == ["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"]
    assert {r["status"] for r in found} == {records.NOT_BILLED}
    closed = statement(rows(), catalog(), final=True)
    assert {r["status"] for r in records.bill_records(closed, OWNER, closed.hours)} == {records.UNSETTLED}


def test_free_records_show_each_deduction_as_text_with_one_id_per_usage_type_and_month() -> None:
    found = records.free_records(statement(rows(), catalog()), OWNER)
    assert [(r["available_amount"], r["used_amount"], r["remaining_amount"]) for r in found] == [
        ("5", "5", "0")
    ]
    [record] = found
    assert record["free_resource_id"] == records.free_resource_id(OWNER, "2026-11", "fgs_requests")
    assert record["deduct_time"] == "2026-11-01T00:00:00Z"
    assert (record["effective_time"], record["expire_time"]) == (
        "2026-11-01T00:00:00Z",
        "2026-12-01T00:00:00Z",
    )
    assert records.free_resource_id(OWNER, "2026-12", "fgs_requests") != record["free_resource_id"]
