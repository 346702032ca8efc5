"""FunctionGraph registry tables.

A function's head (``latest``) and each published version keep their configuration
as one JSON document (``config``), the code by its SHA-256 beside it; secrets in it
(``encrypted_user_data``) are sealed before they get here.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from welkin.core.db import UtcDateTime, metadata

functions = Table(
    "fgs_functions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(32), nullable=False, index=True),  # counted for its quotas
    Column("project_id", String(32), nullable=False),
    Column("package", String(64), nullable=False),
    Column("name", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("config", Text, nullable=False),
    Column("code_sha256", String(64), nullable=False, index=True),
    # The number the next published version gets when it is not named.
    Column("next_version", Integer, nullable=False),
    Index("ix_fgs_functions_name", "project_id", "package", "name", unique=True),
)

versions = Table(
    "fgs_versions",
    metadata,
    Column("function_id", String(32), ForeignKey("fgs_functions.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("config", Text, nullable=False),
    Column("code_sha256", String(64), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
)

aliases = Table(
    "fgs_aliases",
    metadata,
    Column("function_id", String(32), ForeignKey("fgs_functions.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("version", String(64), nullable=False),
    Column("description", Text, nullable=False),
    Column("weights", Text, nullable=False),  # JSON: {"version": percent}
    Column("last_modified", UtcDateTime, nullable=False),
)
