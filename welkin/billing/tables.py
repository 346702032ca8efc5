"""Billing's metered usage: raw records (kept to dedupe), hourly totals, and rejected records.

Quantities are integers in base units (requests, MB·ms, byte-hours, bytes), so sums are
exact and do not depend on the order records arrived in.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, Table, Text

from welkin.core.db import UtcDateTime, metadata
from welkin.core.event_tables import SEQ

# One row per usage a record yields: an invocation is both a request and a duration, so the
# record's id alone does not identify a row.
billing_usage_records = Table(
    "billing_usage_records",
    metadata,
    Column("record_id", Text, primary_key=True),
    Column("usage_type", Text, primary_key=True),
    Column("account_id", Text, nullable=False),
    Column("service", Text, nullable=False),
    Column("resource_type", Text, nullable=False),
    Column("resource_id", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("hour", UtcDateTime(), nullable=False),
    Index("ix_billing_usage_records_at", "at"),
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
