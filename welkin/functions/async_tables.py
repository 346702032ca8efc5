"""Tables of asynchronous invocation: the durable queue and each function's async settings.

A queued invocation is one row from acceptance to its end; ``status`` is FunctionGraph's
(WAIT, RUNNING, SUCCESS, FAIL, DISCARD) and ``next_at`` when a WAIT row is due.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, LargeBinary, String, Table, Text

from welkin.core.db import UtcDateTime, metadata

async_invocations = Table(
    "fgs_async_invocations",
    metadata,
    Column("request_id", String(64), primary_key=True),
    Column("account_id", String(32), nullable=False),
    Column("project_id", String(32), nullable=False),
    Column("package", String(64), nullable=False),
    Column("name", String(64), nullable=False),
    Column("qualifier", String(80), nullable=False),  # "" for unqualified
    Column("source", String(16), nullable=False),
    Column("event", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime, nullable=True),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("error_code", Integer, nullable=False),
    Column("error_message", Text, nullable=False),
    Index("ix_fgs_async_due", "status", "next_at"),
    Index("ix_fgs_async_function", "project_id", "package", "name", "created_at"),
)

async_configs = Table(
    "fgs_async_configs",
    metadata,
    Column("project_id", String(32), primary_key=True),
    Column("package", String(64), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("config", Text, nullable=False),  # JSON: retries, age, destinations
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_modified", UtcDateTime, nullable=False),
)
