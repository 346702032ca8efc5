"""The reserved-instance table: how many instances each function qualifier keeps started.

A reservation goes with its function (ON DELETE CASCADE). ``qualifier`` is ``latest``, a
published version, or ``!alias``, as the URN it was set on named it.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table

from welkin.core.db import UtcDateTime, metadata

reserved_instances = Table(
    "fgs_reserved_instances",
    metadata,
    Column("function_id", String(32), ForeignKey("fgs_functions.id", ondelete="CASCADE"), primary_key=True),
    Column("qualifier", String(80), primary_key=True),
    Column("project_id", String(32), nullable=False),
    Column("package", String(64), nullable=False),
    Column("name", String(64), nullable=False),
    Column("count", Integer, nullable=False),
    Column("idle_mode", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_fgs_reserved_project", "project_id", "package", "name"),
)
