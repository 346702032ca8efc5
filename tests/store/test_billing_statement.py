"""A month's statement and the months an account has used, read back on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from tests.store.test_billing_service import row
from welkin.billing.catalog import PriceCatalog
from welkin.billing.service import BillingService
from welkin.billing.tables import billing_usage_hourly
from welkin.core.clock import ManualClock
from welkin.core.db import Database


async def test_a_statement_breaks_the_bill_down_and_months_span_the_usage(
    db: Database, clock: ManualClock
) -> None:
    rows = [
        row("a", datetime(2026, 9, 30, 23, tzinfo=UTC), "fgs_requests", 5),
        row("a", datetime(2026, 11, 1, 0, tzinfo=UTC), "fgs_requests", 900_000),
        row("a", datetime(2026, 11, 2, 5, tzinfo=UTC), "fgs_requests", 300_000),
        row("b", datetime(2027, 1, 5, 0, tzinfo=UTC), "fgs_requests", 1),
    ]
    await db.run_write(lambda conn: conn.execute(insert(billing_usage_hourly), rows))
    billing = BillingService(db, clock, PriceCatalog.default())

    statement = await billing.statement("a", "2026-11")
    assert [h.hour.day for h in statement.hours] == [1, 2]
    assert sum(h.amount for h in statement.hours) == statement.bill.invoice.total
    assert [(d.used, d.after) for d in statement.free] == [(900_000, 100_000), (100_000, 0)]
    assert await billing.months("a") == ["2026-09", "2026-10", "2026-11"]
    assert await billing.months("b") == ["2027-01"]
    assert await billing.months("nobody") == []
