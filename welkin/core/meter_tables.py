"""Where each meter journal's publishing has got to, committed with what it published."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table

from welkin.core.db import metadata

meter_journal_offsets = Table(
    "meter_journal_offsets",
    metadata,
    Column("journal", String(64), primary_key=True),
    Column("segment", BigInteger(), nullable=False),
    Column("offset", BigInteger(), nullable=False),
)
