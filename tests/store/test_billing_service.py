"""An account's bill read back from the hourly usage billing has counted, on SQLite and
PostgreSQL: only that account's rows, only that month's, rated by the catalog."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import insert

from welkin.billing.catalog import PriceCatalog
from welkin.billing.meter import FGS_RESOURCE, FGS_SERVICE
from welkin.billing.service import BillingService
from welkin.billing.tables import billing_usage_hourly
from welkin.core.clock import ManualClock
from welkin.core.db import Database

URN = "urn:fss:r1:p1:function:default:fn"


def row(account: str, hour: datetime, usage_type: str, quantity: int) -> dict[str, object]:
    return {
        "account_id": account,
        "hour": hour,
        "service": FGS_SERVICE,
        "resource_type": FGS_RESOURCE,
        "resource_id": URN,
        "region": "r1",
        "usage_type": usage_type,
        "quantity": quantity,
    }


async def test_a_bill_holds_only_its_account_and_month(db: Database, clock: ManualClock) -> None:
    rows = [
        row("a", datetime(2026, 10, 31, 23, tzinfo=UTC), "fgs_requests", 7),  # last hour of October
        row("a", datetime(2026, 11, 1, 0, tzinfo=UTC), "fgs_requests", 1_500_000),
        row("a", datetime(2026, 11, 30, 23, tzinfo=UTC), "fgs_requests", 700_000),
        row("b", datetime(2026, 11, 5, 0, tzinfo=UTC), "fgs_requests", 9_000_000),
    ]
    await db.run_write(lambda conn: conn.execute(insert(billing_usage_hourly), rows))
    billing = BillingService(db, clock, PriceCatalog.default())

    november = await billing.bill("a", "2026-11")
    assert not november.final
    assert billing.current_month() == "2026-11"
    (line,) = november.invoice.lines
    assert line.quantity == Decimal(2_200_000)
    assert line.free_applied == Decimal(1_000_000)
    assert november.invoice.total == Decimal("0.24000000")  # 1.2M paid at $0.20 per million
    october = await billing.bill("a", "2026-10")
    assert october.invoice.lines[0].quantity == 7
    assert october.invoice.total == 0
    assert (await billing.bill("c", "2026-11")).invoice.lines == ()


@pytest.mark.parametrize("month", ["2026-1", "2026-13", "26-11", "2026-11-01", ""])
async def test_a_month_is_written_yyyy_mm(db: Database, clock: ManualClock, month: str) -> None:
    billing = BillingService(db, clock, PriceCatalog.default())
    with pytest.raises(ValueError, match="YYYY-MM"):
        await billing.bill("a", month)
