"""Past usage keeps its price on SQLite and PostgreSQL: a catalog that would reprice usage
already metered is refused, one that changes only the future is recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert, select

from tests.store.conftest import T0
from welkin.billing import price_history
from welkin.billing.catalog import CatalogError, PriceCatalog
from welkin.billing.meter import FGS_RESOURCE, FGS_SERVICE, METERED_USAGE_TYPES
from welkin.billing.tables import billing_price_versions, billing_usage_hourly
from welkin.core.db import Database

JAN = datetime(2026, 1, 1, tzinfo=UTC)
DEC = datetime(2026, 12, 1, tzinfo=UTC)


def catalog(*versions: tuple[datetime, str]) -> PriceCatalog:
    entries: list[dict[str, Any]] = [
        {
            "usage_type": "fgs_requests",
            "service_type": FGS_SERVICE,
            "resource_type": FGS_RESOURCE,
            "unit": "request",
            "per": 1000000,
            "price": price,
            "effective_from": since,
        }
        for since, price in versions
    ]
    return PriceCatalog.parse({"currency": "USD", "price": entries})


async def record(db: Database, prices: PriceCatalog) -> None:
    await db.run_write(lambda conn: price_history.record(conn, prices, T0))


async def meter(db: Database, hour: datetime) -> None:
    row = {
        "account_id": "a",
        "hour": hour,
        "service": FGS_SERVICE,
        "resource_type": FGS_RESOURCE,
        "resource_id": "fn",
        "region": "r",
        "usage_type": "fgs_requests",
        "quantity": 1,
    }
    await db.run_write(lambda conn: conn.execute(insert(billing_usage_hourly), [row]))


async def test_before_any_usage_every_price_may_change(db: Database) -> None:
    await record(db, catalog((JAN, "0.20")))
    await record(db, catalog((JAN, "0.30"), (DEC, "0.40")))
    stored = await db.run_read(lambda conn: conn.execute(select(billing_price_versions)).all())
    assert [(r.usage_type, r.effective_from) for r in sorted(stored, key=lambda r: r.effective_from)] == [
        ("fgs_requests", JAN),
        ("fgs_requests", DEC),
    ]
    assert '"0.30"' in min(stored, key=lambda r: r.effective_from).terms


async def test_a_price_that_metered_usage_was_charged_at_cannot_change_or_go(db: Database) -> None:
    await record(db, catalog((JAN, "0.20")))
    await meter(db, datetime(2026, 11, 22, 12, tzinfo=UTC))
    with pytest.raises(CatalogError, match=r"from 2026-01-01.*is changed"):
        await record(db, catalog((JAN, "0.25")))
    with pytest.raises(CatalogError, match="is removed"):
        await record(db, catalog((DEC, "0.20")))
    # A new price from after the usage is how a price changes.
    await record(db, catalog((JAN, "0.20"), (DEC, "0.25")))


async def test_a_new_price_may_not_start_before_usage_already_metered(db: Database) -> None:
    await record(db, catalog((JAN, "0.20")))
    await meter(db, datetime(2026, 11, 22, 12, tzinfo=UTC))
    with pytest.raises(CatalogError, match="new price of fgs_requests from 2026-11-01"):
        await record(db, catalog((JAN, "0.20"), (datetime(2026, 11, 1, tzinfo=UTC), "0.25")))
    # From the hour after the last metered one, it may.
    await record(db, catalog((JAN, "0.20"), (datetime(2026, 11, 22, 13, tzinfo=UTC), "0.25")))


def test_a_catalog_must_price_everything_welkin_meters() -> None:
    with pytest.raises(CatalogError, match="no price for fgs_duration, obs_requests_read"):
        price_history.require(catalog((JAN, "0.20")), METERED_USAGE_TYPES)
    price_history.require(PriceCatalog.default(), METERED_USAGE_TYPES)
