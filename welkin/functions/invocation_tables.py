"""Tables of what invocations leave behind: their logs, and per-minute metrics of each function.

``seq`` orders logs across the region (a follower asks for what came after one); the log is
the bytes the instance wrote, so any output, NUL bytes included, stores on every database.
A minute row sums one function's invocations in one epoch minute; its two histograms
(``durations``, ``cold_starts``) are JSON maps of bucket index to count (see histogram.py).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
)

from welkin.core.db import UtcDateTime, metadata

invocation_logs = Table(
    "fgs_invocation_logs",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("function_urn", Text, nullable=False),  # unqualified
    Column("version", Text, nullable=False),
    Column("request_id", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),  # when it ended
    Column("duration_ms", Float, nullable=False),
    Column("error_code", Text, nullable=False),  # "" when the function succeeded
    Column("log", LargeBinary, nullable=False),
    Column("truncated", Boolean, nullable=False),
    Index("ix_fgs_invocation_logs_function", "function_urn", "seq"),
    Index("ix_fgs_invocation_logs_at", "at"),
)

function_minutes = Table(
    "fgs_function_minutes",
    metadata,
    Column("function_urn", Text, primary_key=True),
    Column("minute", BigInteger, primary_key=True),  # epoch minute
    Column("count", Integer, nullable=False),
    Column("function_errors", Integer, nullable=False),
    Column("system_errors", Integer, nullable=False),
    Column("throttles", Integer, nullable=False),
    Column("cold_starts", Integer, nullable=False),
    Column("duration_total_ms", Float, nullable=False),
    Column("max_duration_ms", Float, nullable=False),
    Column("min_duration_ms", Float, nullable=False),
    Column("max_cold_start_ms", Float, nullable=False),
    Column("gb_seconds", Float, nullable=False),
    Column("durations", Text, nullable=False),
    Column("cold_start_durations", Text, nullable=False),
    Index("ix_fgs_function_minutes_minute", "minute"),
)
