"""The console's sessions, kept server-side so that signing out ends one for good.

The cookie holds a random value; only its SHA-256 is stored, so a copy of the table opens no
session. The IAM token a session acts with is stored encrypted with the region's key.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Table, Text

from welkin.core.db import UtcDateTime, metadata

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id_hash", Text, primary_key=True),  # sha256 hex of the cookie's value
    Column("account_id", Text, nullable=False),
    Column("account_name", Text, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("user_name", Text, nullable=False),
    Column("project_id", Text, nullable=False),  # the account's project in this region
    Column("token", Text, nullable=False),  # the IAM token, encrypted
    Column("csrf", Text, nullable=False),  # the synchronizer token of every form and JS call
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),  # the token's expiry: never later
    Index("ix_console_sessions_expires_at", "expires_at"),
    Index("ix_console_sessions_user", "account_id", "user_id"),
)
