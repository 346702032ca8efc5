"""An invoice exported as CSV and JSON reads back to the same exact figures."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from welkin.billing.catalog import PriceCatalog
from welkin.billing.export import ROUNDING, to_csv, to_json
from welkin.billing.rating import HourlyUsage, Invoice, rate_month

NOV = datetime(2026, 11, 1, tzinfo=UTC)


def invoice() -> Invoice:
    rows = [
        HourlyUsage(
            "acct",
            NOV + timedelta(hours=i),
            "hws.service.type.functiongraph",
            "hws.resource.type.function",
            f"urn:fss:local-1:p:function:default:f{i}",
            "local-1",
            kind,
            quantity,
        )
        for i, (kind, quantity) in enumerate(
            [("fgs_requests", 1_700_000), ("fgs_duration", 1024 * 1000 * 400_123), ("fgs_requests", 3)]
        )
    ]
    return rate_month("2026-11", "acct", rows, PriceCatalog.default())


def test_csv_lines_add_up_to_the_total_in_the_same_file() -> None:
    bill = invoice()
    rows = list(csv.DictReader(io.StringIO(to_csv(bill))))
    lines = [row for row in rows if row["record"] == "line"]
    summary = {row["record"]: Decimal(row["amount"]) for row in rows if row["record"] != "line"}
    assert len(lines) == len(bill.lines) == 3
    assert sum(Decimal(row["amount"]) for row in lines) == summary["total"] == bill.total
    assert (summary["billed"], summary["truncated"]) == (bill.billed, bill.truncated)
    assert {row["currency"] for row in rows} == {"USD"}
    duration = next(row for row in lines if row["usage_type"] == "fgs_duration")
    assert (duration["unit"], duration["unit_price"], duration["quantity"]) == (
        "GB-second",
        "0.00001667",
        "400123",
    )
    assert "E" not in "".join(row["amount"] for row in rows)


def test_json_keeps_every_figure_exact_and_states_the_rounding() -> None:
    bill = invoice()
    document = json.loads(to_json(bill))
    assert document["rounding"] == ROUNDING
    assert (document["month"], document["account_id"], document["currency"]) == ("2026-11", "acct", "USD")
    assert Decimal(document["total"]) == bill.total
    assert [Decimal(line["amount"]) for line in document["lines"]] == [line.amount for line in bill.lines]
    assert all(isinstance(line["quantity"], str) for line in document["lines"])
