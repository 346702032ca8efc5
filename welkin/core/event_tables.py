"""The event bus's tables: an append-only outbox and one cursor per durable consumer."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text

from welkin.core.db import UtcDateTime, metadata

# BIGINT on PostgreSQL so the sequence never runs out; on SQLite only INTEGER is a
# rowid alias, and AUTOINCREMENT keeps a deleted top seq from ever being reused,
# which would hide new events behind every cursor that had already passed it.
SEQ = BigInteger().with_variant(Integer(), "sqlite")

events = Table(
    "events",
    metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=True),
    Column("topic", String(255), nullable=False),
    Column("payload", Text, nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
    sqlite_autoincrement=True,
)

event_consumers = Table(
    "event_consumers",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("last_seq", SEQ, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)
