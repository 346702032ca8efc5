"""Billing's queries: hourly usage, closed invoices, what they billed, and pruning.

Sync functions over the connection of a ``Database.run_read``/``run_write`` body, so that a
caller composes several into one transaction. An invoice is inserted once with its lines
and the usage it billed; the only update there is moves its status from closed to paid.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import String, func, insert, or_, select, type_coerce, update
from sqlalchemy.engine import Connection

from welkin.billing.rating import HourlyUsage, Invoice, InvoiceLine, LineKey
from welkin.billing.tables import (
    billing_closed_months,
    billing_counted_records,
    billing_invoice_lines,
    billing_invoice_usage,
    billing_invoices,
    billing_usage_hourly,
)
from welkin.core.event_tables import event_consumers, events

CLOSED, PAID = "closed", "paid"


@dataclass(frozen=True)
class ClosedInvoice:
    invoice: Invoice
    status: str  # CLOSED | PAID
    closed_at: datetime
    paid_at: datetime | None


@dataclass(frozen=True)
class InvoiceSummary:
    month: str
    status: str  # "estimated" | CLOSED | PAID
    currency: str
    total: Decimal
    billed: Decimal
    closed_at: datetime | None
    paid_at: datetime | None


# --- usage ------------------------------------------------------------------------------------
def hourly(conn: Connection, account_id: str, start: datetime, end: datetime) -> list[HourlyUsage]:
    """The account's hourly usage rows from ``start`` to ``end``, in hour order."""
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


def usage_span(conn: Connection, account_id: str) -> tuple[datetime, datetime] | None:
    """The account's first and last hour with usage."""
    t = billing_usage_hourly
    first, last = conn.execute(
        select(func.min(t.c.hour), func.max(t.c.hour)).where(t.c.account_id == account_id)
    ).one()
    return None if first is None else (first, last)


def usage_total(conn: Connection, account_id: str, start: datetime, end: datetime) -> int:
    t = billing_usage_hourly
    query = select(func.coalesce(func.sum(t.c.quantity), 0)).where(
        t.c.account_id == account_id, t.c.hour >= start, t.c.hour < end
    )
    return int(conn.scalar(query) or 0)


def usage_totals_by_account(conn: Connection, start: datetime, end: datetime) -> dict[str, int]:
    t = billing_usage_hourly
    query = (
        select(t.c.account_id, func.sum(t.c.quantity))
        .where(t.c.hour >= start, t.c.hour < end)
        .group_by(t.c.account_id)
    )
    return {account: int(total) for account, total in conn.execute(query)}


def first_usage_hour(conn: Connection, since: datetime | None) -> datetime | None:
    """The earliest hour with usage (of any account) at or after ``since``."""
    t = billing_usage_hourly
    query = select(func.min(t.c.hour))
    if since is not None:
        query = query.where(t.c.hour >= since)
    found: datetime | None = conn.scalar(query)  # min() keeps the column's type: a UTC datetime
    return found


# --- closing ----------------------------------------------------------------------------------
def closed_months(conn: Connection) -> set[str]:
    return set(conn.scalars(select(billing_closed_months.c.month)))


def mark_closed(conn: Connection, month: str, at: datetime) -> None:
    if (
        conn.scalar(select(billing_closed_months.c.month).where(billing_closed_months.c.month == month))
        is None
    ):
        conn.execute(insert(billing_closed_months).values(month=month, closed_at=at))


def invoice_months(conn: Connection, account_id: str) -> set[str]:
    t = billing_invoices
    return set(conn.scalars(select(t.c.month).where(t.c.account_id == account_id)))


def has_invoice(conn: Connection, account_id: str, month: str) -> bool:
    t = billing_invoices
    found = conn.scalar(select(t.c.month).where(t.c.account_id == account_id, t.c.month == month))
    return found is not None


def write_invoice(conn: Connection, invoice: Invoice, closed_at: datetime, usage: Mapping[str, int]) -> None:
    """Insert a closed invoice, its lines and the usage (month: base units) it billed."""
    conn.execute(
        insert(billing_invoices).values(
            account_id=invoice.account_id,
            month=invoice.month,
            currency=invoice.currency,
            total=invoice.total,
            billed=invoice.billed,
            truncated=invoice.truncated,
            closed_at=closed_at,
            status=CLOSED,
            paid_at=None,
        )
    )
    if invoice.lines:
        conn.execute(
            insert(billing_invoice_lines),
            [_line_row(invoice, position, line) for position, line in enumerate(invoice.lines)],
        )
    if usage:
        conn.execute(
            insert(billing_invoice_usage),
            [
                {"account_id": invoice.account_id, "month": invoice.month, "usage_of": month, "quantity": q}
                for month, q in usage.items()
            ],
        )


def _line_row(invoice: Invoice, position: int, line: InvoiceLine) -> dict[str, object]:
    key = line.key
    return {
        "account_id": invoice.account_id,
        "month": invoice.month,
        "position": position,
        "adjusts": line.adjusts or "",
        "service_type": key.service_type,
        "resource_type": key.resource_type,
        "usage_type": key.usage_type,
        "resource_id": key.resource_id,
        "region": key.region,
        "price_from": key.price_from,
        "tier": key.tier,
        "unit": line.unit,
        "per": line.per,
        "unit_price": line.unit_price,
        "quantity": line.quantity,
        "free_applied": line.free_applied,
        "amount": line.amount,
    }


def _lines(conn: Connection, *where: object) -> list[InvoiceLine]:
    t = billing_invoice_lines
    query = select(t).where(*where).order_by(t.c.month, t.c.position)  # type: ignore[arg-type]
    return [
        InvoiceLine(
            LineKey(
                row.service_type,
                row.resource_type,
                row.usage_type,
                row.resource_id,
                row.region,
                row.price_from,
                row.tier,
            ),
            row.unit,
            row.per,
            row.unit_price,
            row.quantity,
            row.free_applied,
            row.amount,
            row.adjusts or None,
        )
        for row in conn.execute(query)
    ]


def closed_invoice(conn: Connection, account_id: str, month: str) -> ClosedInvoice | None:
    t = billing_invoices
    row = conn.execute(select(t).where(t.c.account_id == account_id, t.c.month == month)).first()
    if row is None:
        return None
    lines = _lines(
        conn, billing_invoice_lines.c.account_id == account_id, billing_invoice_lines.c.month == month
    )
    invoice = Invoice(month, account_id, row.currency, tuple(lines), row.total, row.billed, row.truncated)
    return ClosedInvoice(invoice, row.status, row.closed_at, row.paid_at)


def billed_lines(conn: Connection, account_id: str, usage_of: str) -> list[InvoiceLine]:
    """Every line billed so far for ``usage_of``'s usage: its own invoice's and adjustments."""
    t = billing_invoice_lines
    own = (t.c.month == usage_of) & (t.c.adjusts == "")
    return _lines(conn, t.c.account_id == account_id, or_(own, t.c.adjusts == usage_of))


def billed_usage(conn: Connection, account_id: str) -> dict[str, int]:
    """Per month: how much of its usage (base units) the account's invoices have billed."""
    t = billing_invoice_usage
    query = (
        select(t.c.usage_of, func.max(t.c.quantity))
        .where(t.c.account_id == account_id)
        .group_by(t.c.usage_of)
    )
    return {month: int(q) for month, q in conn.execute(query)}


def billed_usage_by_account(conn: Connection, usage_of: str) -> dict[str, int]:
    t = billing_invoice_usage
    query = (
        select(t.c.account_id, func.max(t.c.quantity))
        .where(t.c.usage_of == usage_of)
        .group_by(t.c.account_id)
    )
    return {account: int(q) for account, q in conn.execute(query)}


def summaries(conn: Connection, account_id: str) -> list[InvoiceSummary]:
    t = billing_invoices
    query = select(t).where(t.c.account_id == account_id).order_by(t.c.month)
    return [
        InvoiceSummary(row.month, row.status, row.currency, row.total, row.billed, row.closed_at, row.paid_at)
        for row in conn.execute(query)
    ]


def set_paid(conn: Connection, account_id: str, month: str, at: datetime) -> None:
    """Status only: a closed invoice's figures and lines never change."""
    t = billing_invoices
    conn.execute(
        update(t)
        .where(t.c.account_id == account_id, t.c.month == month, t.c.status == CLOSED)
        .values(status=PAID, paid_at=at)
    )


# --- the bus, for settling and pruning --------------------------------------------------------
def event_head(conn: Connection) -> int:
    return int(conn.scalar(select(func.max(events.c.seq))) or 0)


def cursors(conn: Connection, consumers: Collection[str]) -> dict[str, int]:
    t = event_consumers
    return {
        name: int(seq)
        for name, seq in conn.execute(select(t.c.name, t.c.last_seq).where(t.c.name.in_(consumers)))
    }


def prune_records(conn: Connection, passed: int, before: datetime) -> int:
    """Forget the ids of records that came with an event up to ``passed`` and were counted
    before ``before``."""
    t = billing_counted_records
    result = conn.execute(t.delete().where(t.c.event_seq <= passed, t.c.counted_at < before))
    return int(result.rowcount)
