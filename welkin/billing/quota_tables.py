"""Per-account quotas the operator set; a quota with no row has the region's default."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table

from welkin.core.db import metadata

account_quotas = Table(
    "account_quotas",
    metadata,
    Column("account_id", String(32), primary_key=True),
    Column("quota", String(32), primary_key=True),  # a welkin.billing.quotas.Quota value
    Column("limit", BigInteger, nullable=False),  # -1: no limit
)
