"""Billing's tables: metered usage (the ids of records counted, kept to dedupe; hourly
totals; rejected records) and the invoices of closed months.

Quantities are integers in base units (requests, MB·ms, byte-hours, bytes), so sums are
exact and do not depend on the order records arrived in. Money is decimal text, so that
SQLite keeps it as exactly as PostgreSQL would.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Column, Index, Integer, Table, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from welkin.core.db import UtcDateTime, metadata
from welkin.core.event_tables import SEQ


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal stored as its plain text: never a float on the way in or out."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else format(value, "f")

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


# One row per record counted, kept only so that a record that comes again counts nothing:
# its usages are counted together, in the transaction that adds this row.
billing_counted_records = Table(
    "billing_counted_records",
    metadata,
    Column("record_id", Text, primary_key=True),
    # The event that brought the record and when billing counted it: what pruning goes by.
    Column("event_seq", SEQ, nullable=False),
    Column("counted_at", UtcDateTime(), nullable=False),
    Index("ix_billing_counted_records_counted_at", "counted_at"),
)

billing_usage_hourly = Table(
    "billing_usage_hourly",
    metadata,
    Column("account_id", Text, primary_key=True),
    Column("hour", UtcDateTime(), primary_key=True),  # the start of the UTC hour
    Column("service", Text, primary_key=True),
    Column("resource_type", Text, primary_key=True),
    Column("resource_id", Text, primary_key=True),
    Column("region", Text, primary_key=True),
    Column("usage_type", Text, primary_key=True),
    Column("quantity", BigInteger, nullable=False),
    # Closing a month reads every account's usage of it.
    Index("ix_billing_usage_hourly_hour", "hour"),
    # Whether a usage type was metered since a price's effective_from (price_history).
    Index("ix_billing_usage_hourly_usage_type_hour", "usage_type", "hour"),
)

# Keyed by where the record came from, so a redelivered event rejects nothing twice.
billing_rejected = Table(
    "billing_rejected",
    metadata,
    Column("event_seq", SEQ, primary_key=True, autoincrement=False),
    Column("position", Integer, primary_key=True, autoincrement=False),  # -1: the event itself
    Column("topic", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("record", Text, nullable=False),
    Column("rejected_at", UtcDateTime(), nullable=False),
)

# The final invoice of one account and month: written once when the month closes, in one
# transaction with its lines; afterwards only ``status`` (and ``paid_at``) may change.
billing_invoices = Table(
    "billing_invoices",
    metadata,
    Column("account_id", Text, primary_key=True),
    Column("month", Text, primary_key=True),  # "YYYY-MM", UTC
    Column("currency", Text, nullable=False),
    Column("total", ExactDecimal(), nullable=False),
    Column("billed", ExactDecimal(), nullable=False),
    Column("truncated", ExactDecimal(), nullable=False),
    Column("closed_at", UtcDateTime(), nullable=False),
    Column("status", Text, nullable=False),  # "closed" | "paid"
    Column("paid_at", UtcDateTime(), nullable=True),
)

billing_invoice_lines = Table(
    "billing_invoice_lines",
    metadata,
    Column("account_id", Text, primary_key=True),
    Column("month", Text, primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    # Empty for the month's own usage; "YYYY-MM" for an adjustment: late usage of that month.
    Column("adjusts", Text, nullable=False),
    Column("service_type", Text, nullable=False),
    Column("resource_type", Text, nullable=False),
    Column("usage_type", Text, nullable=False),
    Column("resource_id", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("price_from", UtcDateTime(), nullable=False),
    Column("tier", Integer, nullable=False),
    Column("unit", Text, nullable=False),
    Column("per", BigInteger, nullable=False),
    Column("unit_price", ExactDecimal(), nullable=False),
    Column("quantity", ExactDecimal(), nullable=False),
    Column("free_applied", ExactDecimal(), nullable=False),
    Column("amount", ExactDecimal(), nullable=False),
    Index("ix_billing_invoice_lines_adjusts", "account_id", "adjusts"),
)

# How much of a month's usage (the sum of its hourly quantities, base units) an invoice has
# billed: the invoice's own month, and each earlier month it adjusted. Quantities only grow,
# so a sum that differs from the largest billed means late usage is waiting to be billed.
billing_invoice_usage = Table(
    "billing_invoice_usage",
    metadata,
    Column("account_id", Text, primary_key=True),
    Column("month", Text, primary_key=True),
    Column("usage_of", Text, primary_key=True),
    Column("quantity", BigInteger, nullable=False),
)

# A month is closed once every account's invoice of it is written.
billing_closed_months = Table(
    "billing_closed_months",
    metadata,
    Column("month", Text, primary_key=True),
    Column("closed_at", UtcDateTime(), nullable=False),
)

# Every price version the catalog has named since the region first started, kept so that a
# later catalog cannot reprice usage already metered (welkin.billing.price_history).
billing_price_versions = Table(
    "billing_price_versions",
    metadata,
    Column("usage_type", Text, primary_key=True),
    Column("effective_from", UtcDateTime(), primary_key=True),
    Column("terms", Text, nullable=False),  # the version's prices, units and codes, as JSON
    Column("recorded_at", UtcDateTime(), nullable=False),
)
