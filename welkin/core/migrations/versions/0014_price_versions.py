"""price versions: every price the catalog has named, so that none reprices metered usage

Also an index of hourly usage by usage type and hour: at start, whether usage of a type has
been metered since a price's effective_from.

Revision ID: 0014_price_versions
Revises: 0013_account_quotas
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_price_versions"
down_revision = "0013_account_quotas"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "billing_price_versions",
        sa.Column("usage_type", sa.Text(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("usage_type", "effective_from", name=op.f("pk_billing_price_versions")),
    )
    with op.batch_alter_table("billing_usage_hourly", schema=None) as batch_op:
        batch_op.create_index("ix_billing_usage_hourly_usage_type_hour", ["usage_type", "hour"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("billing_usage_hourly", schema=None) as batch_op:
        batch_op.drop_index("ix_billing_usage_hourly_usage_type_hour")
    op.drop_table("billing_price_versions")
