"""Billing as the edges and the CLI see it: an account's bill for a month.

    billing = BillingService(db, clock, catalog)
    bill = await billing.bill(account_id, "2026-11")
    bill.invoice.lines, bill.invoice.billed, bill.final

The month in progress (and any month not yet closed) is rated on each read from the hourly
usage rows, so usage shows on it as soon as billing has counted it: an estimate, since more
usage may come. Every query is confined to one account; nothing here takes a list of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.engine import Connection

from welkin.billing.breakdown import FreeDeduction, HourlyCharge, free_deductions, hourly_charges
from welkin.billing.budgets import month_bounds
from welkin.billing.catalog import PriceCatalog
from welkin.billing.rating import HourlyUsage, Invoice, allocate, month_of, rate_month
from welkin.billing.tables import billing_usage_hourly
from welkin.core.clock import Clock
from welkin.core.db import Database


@dataclass(frozen=True)
class Bill:
    invoice: Invoice
    final: bool  # closed and immutable; otherwise an estimate of the month so far


@dataclass(frozen=True)
class Statement:
    """A month's bill with its lines broken down by hour, and the free tier's deductions."""

    bill: Bill
    hours: tuple[HourlyCharge, ...]  # the hours of each line add up to the line
    free: tuple[FreeDeduction, ...]


class BillingService:
    def __init__(self, db: Database, clock: Clock, catalog: PriceCatalog) -> None:
        self._db = db
        self._clock = clock
        self.catalog = catalog

    def current_month(self) -> str:
        return month_of(self._clock.now())

    async def usage(self, account_id: str, month: str) -> list[HourlyUsage]:
        """The account's hourly usage rows of ``month``, in hour order."""
        start, end = month_bounds(month)
        return await self._db.run_read(lambda conn: _hourly(conn, account_id, start, end))

    async def bill(self, account_id: str, month: str) -> Bill:
        rows = await self.usage(account_id, month)
        return Bill(rate_month(month, account_id, rows, self.catalog), final=False)

    async def statement(self, account_id: str, month: str) -> Statement:
        bill = await self.bill(account_id, month)
        allocations = allocate(month, account_id, await self.usage(account_id, month), self.catalog)
        return Statement(bill, tuple(hourly_charges(allocations)), tuple(free_deductions(allocations)))

    async def months(self, account_id: str) -> list[str]:
        """Every month from the account's first usage to its last, in order."""
        span = await self._db.run_read(lambda conn: _span(conn, account_id))
        if span is None:
            return []
        months = [month_of(span[0])]
        while months[-1] != month_of(span[1]):
            months.append(month_of(month_bounds(months[-1])[1]))
        return months


def _hourly(conn: Connection, account_id: str, start: datetime, end: datetime) -> list[HourlyUsage]:
    t = billing_usage_hourly
    # The hour is read as the driver gives it and turned into a datetime once per distinct
    # hour (a month has at most 744): parsing it on every row was most of a big month's read.
    hour = type_coerce(t.c.hour, String)
    query = (
        select(
            hour, t.c.service, t.c.resource_type, t.c.resource_id, t.c.region, t.c.usage_type, t.c.quantity
        )
        .where(t.c.account_id == account_id, t.c.hour >= start, t.c.hour < end)
        .order_by(t.c.hour, t.c.usage_type, t.c.region, t.c.resource_id)
    )
    hours: dict[object, datetime] = {}
    made = []
    for raw, service, resource_type, resource_id, region, usage_type, quantity in conn.execute(query):
        at = hours.get(raw)
        if at is None:
            at = hours[raw] = _utc(raw)
        made.append(
            HourlyUsage(account_id, at, service, resource_type, resource_id, region, usage_type, quantity)
        )
    return made


def _utc(raw: object) -> datetime:
    """A stored hour: a datetime from PostgreSQL, SQLite's text otherwise."""
    at = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _span(conn: Connection, account_id: str) -> tuple[datetime, datetime] | None:
    t = billing_usage_hourly
    first, last = conn.execute(
        select(func.min(t.c.hour), func.max(t.c.hour)).where(t.c.account_id == account_id)
    ).one()
    return None if first is None else (first, last)
