"""Billing as the edges and the CLI see it: an account's bills and invoices.

    billing = BillingService(db, clock, catalog)
    bill = await billing.bill(account_id, "2026-11")
    bill.invoice.lines, bill.invoice.billed, bill.final, bill.status
    await billing.invoices(account_id)          # every month, newest first
    await billing.mark_paid(account_id, "2026-10")

A closed month's bill is its stored final invoice (``welkin.billing.invoices`` closes months).
A month not yet closed is rated on each read from the hourly usage rows, with adjustment
lines for late usage of closed months: an estimate, since more usage may come. Every query
is confined to one account; nothing here takes a list of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.engine import Connection

from welkin.billing import invoice_store as store
from welkin.billing.adjustments import with_adjustments
from welkin.billing.breakdown import (
    FreeDeduction,
    HourlyCharge,
    adjustment_charges,
    free_deductions,
    hourly_charges,
)
from welkin.billing.budgets import month_bounds
from welkin.billing.catalog import PriceCatalog
from welkin.billing.invoice_store import InvoiceSummary
from welkin.billing.invoices import closed_for, rate_late, rate_own
from welkin.billing.rating import HourlyUsage, Invoice, allocate, invoice_of_allocations, month_of
from welkin.core import errors
from welkin.core.clock import Clock
from welkin.core.db import Database

ESTIMATED = "estimated"


@dataclass(frozen=True)
class Bill:
    invoice: Invoice
    final: bool  # closed and immutable; otherwise an estimate of the month so far
    status: str = ESTIMATED  # ESTIMATED | "closed" (final, unpaid) | "paid"
    closed_at: datetime | None = None
    paid_at: datetime | None = None

    @property
    def adjustments(self) -> Decimal:
        """What the invoice bills for late usage of earlier months."""
        return sum((line.amount for line in self.invoice.lines if line.adjusts), Decimal(0))


@dataclass(frozen=True)
class Statement:
    """A month's bill with its lines broken down by hour, and the free tier's deductions."""

    bill: Bill
    # The hours of each line of the month's own usage add up to the line; an adjustment line
    # (late usage of an earlier month) is one charge at the month's first hour.
    hours: tuple[HourlyCharge, ...]
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
        return await self._db.run_read(lambda conn: store.hourly(conn, account_id, start, end))

    async def bill(self, account_id: str, month: str) -> Bill:
        """The final invoice of a closed month, else the estimate; ``ValueError`` for a month
        not written YYYY-MM."""
        month_bounds(month)
        return await self._db.run_read(lambda conn: self._bill(conn, account_id, month))

    def _bill(self, conn: Connection, account_id: str, month: str, own: Invoice | None = None) -> Bill:
        """``own``: the month's own usage rated, where the caller has it already."""
        closed = store.closed_invoice(conn, account_id, month)
        if closed is not None:
            return Bill(closed.invoice, True, closed.status, closed.closed_at, closed.paid_at)
        return Bill(self._estimate(conn, account_id, month, own), False)

    def _estimate(self, conn: Connection, account_id: str, month: str, own: Invoice | None = None) -> Invoice:
        """The month rated now (its own usage: ``own``, where the caller has it). Late usage
        shows on the month in progress, unless the month before it still waits to close (its
        grace): that one will bill it, and an adjustment shown on both would look billed twice."""
        if own is None:
            own = rate_own(conn, self.catalog, account_id, month).invoice
        previous = _previous(month)
        if month == self.current_month() and previous not in closed_for(conn, account_id):
            return own
        late, _usage = rate_late(conn, self.catalog, account_id, month)
        return with_adjustments(own, late)

    async def invoices(self, account_id: str, estimate: Invoice | None = None) -> list[InvoiceSummary]:
        """The account's closed invoices and the months still open, newest first.

        Open: the month in progress, and the month before while it waits to close and has
        something to bill the account. ``estimate``, the month in progress as the caller
        already rated it, is shown instead of rating that month again."""
        current = self.current_month()
        if estimate is not None and estimate.month != current:
            estimate = None
        return await self._db.run_read(lambda conn: self._invoices(conn, account_id, current, estimate))

    def _invoices(
        self, conn: Connection, account_id: str, current: str, estimate: Invoice | None
    ) -> list[InvoiceSummary]:
        found = store.summaries(conn, account_id)
        closed = closed_for(conn, account_id)
        previous = _previous(current)
        estimates = [estimate or self._estimate(conn, account_id, current)]
        if previous not in closed:
            waiting = self._estimate(conn, account_id, previous)
            if waiting.lines:
                estimates.append(waiting)
        for invoice in estimates:
            if invoice.month not in closed:
                found.append(
                    InvoiceSummary(
                        invoice.month, ESTIMATED, invoice.currency, invoice.total, invoice.billed, None, None
                    )
                )
        return sorted(found, key=lambda s: s.month, reverse=True)

    async def mark_paid(self, account_id: str, month: str) -> Bill:
        """Record that a closed invoice was paid: its status, never its lines or figures."""
        month_bounds(month)
        now = self._clock.now()

        def pay(conn: Connection) -> Bill:
            if store.closed_invoice(conn, account_id, month) is None:
                if month in closed_for(conn, account_id):
                    raise errors.NotFound(f"There is no invoice of {month}: nothing was billed.")
                raise errors.Conflict(f"{month} is not closed yet: only a final invoice can be paid.")
            store.set_paid(conn, account_id, month, now)
            return self._bill(conn, account_id, month)

        return await self._db.run_write(pay)

    async def statement(self, account_id: str, month: str) -> Statement:
        """The bill and its hourly breakdown, from one read of the month's usage: rated once,
        and never from two different moments."""
        start, end = month_bounds(month)

        def read(conn: Connection) -> Statement:
            rows = store.hourly(conn, account_id, start, end)
            allocations = allocate(month, account_id, rows, self.catalog)
            own = invoice_of_allocations(month, account_id, allocations)
            bill = self._bill(conn, account_id, month, own)
            hours = (*hourly_charges(allocations), *adjustment_charges(bill.invoice))
            return Statement(bill, hours, tuple(free_deductions(allocations)))

        return await self._db.run_read(read)

    async def months(self, account_id: str) -> list[str]:
        """Every month from the account's first usage to its last, in order."""
        span = await self._db.run_read(lambda conn: store.usage_span(conn, account_id))
        if span is None:
            return []
        months = [month_of(span[0])]
        while months[-1] != month_of(span[1]):
            months.append(month_of(month_bounds(months[-1])[1]))
        return months


def _previous(month: str) -> str:
    start, _ = month_bounds(month)
    return month_of(start - timedelta(days=1))
