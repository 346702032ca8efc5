"""The trigger table. A trigger goes with its function (ON DELETE CASCADE)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text

from welkin.core.db import UtcDateTime, metadata

triggers = Table(
    "fgs_triggers",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("function_id", String(32), ForeignKey("fgs_functions.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", String(32), nullable=False),
    Column("project_id", String(32), nullable=False),
    Column("package", String(64), nullable=False),
    Column("function_name", String(64), nullable=False),
    Column("qualifier", String(64), nullable=True),
    Column("type", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("event_data", Text, nullable=False),  # JSON, as the client sent it (validated)
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # Timers: when the next tick is due. The scheduler moves it forward before firing.
    Column("next_fire_at", UtcDateTime, nullable=True),
    Index("ix_fgs_triggers_function", "function_id"),
    Index("ix_fgs_triggers_kind", "type", "project_id"),
)
