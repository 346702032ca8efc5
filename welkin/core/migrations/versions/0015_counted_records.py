"""counted records: one row per record billing has counted, in place of one per usage

Deduplication needs only a record's id (its usages are counted together), when it was
counted and the event that brought it; the usage columns were never read again, and writing
them was most of what counting a record cost. Each record's row keeps its newest event and
latest count time, so pruning forgets it no sooner than before.

Downgrading recreates the old table empty: ids counted before then are forgotten, so an
event the bus still holds could be counted again.

Revision ID: 0015_counted_records
Revises: 0014_price_versions
Create Date: 2026-11-30 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_counted_records"
down_revision = "0014_price_versions"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "billing_counted_records",
        sa.Column("record_id", sa.Text(), nullable=False),
        sa.Column("event_seq", SEQ, nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_billing_counted_records")),
    )
    with op.batch_alter_table("billing_counted_records", schema=None) as batch_op:
        batch_op.create_index("ix_billing_counted_records_counted_at", ["counted_at"], unique=False)
    op.execute(
        "INSERT INTO billing_counted_records (record_id, event_seq, counted_at)"
        " SELECT record_id, MAX(event_seq), MAX(counted_at) FROM billing_usage_records GROUP BY record_id"
    )
    with op.batch_alter_table("billing_usage_records", schema=None) as batch_op:
        batch_op.drop_index("ix_billing_usage_records_counted_at")
        batch_op.drop_index("ix_billing_usage_records_at")
    op.drop_table("billing_usage_records")


def downgrade() -> None:
    op.create_table(
        "billing_usage_records",
        sa.Column("record_id", sa.Text(), nullable=False),
        sa.Column("usage_type", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("resource_type", sa.Text(), nullable=False),
        sa.Column("resource_id", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_seq", SEQ, nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("record_id", "usage_type", name=op.f("pk_billing_usage_records")),
    )
    with op.batch_alter_table("billing_usage_records", schema=None) as batch_op:
        batch_op.create_index("ix_billing_usage_records_at", ["at"], unique=False)
        batch_op.create_index("ix_billing_usage_records_counted_at", ["counted_at"], unique=False)
    with op.batch_alter_table("billing_counted_records", schema=None) as batch_op:
        batch_op.drop_index("ix_billing_counted_records_counted_at")
    op.drop_table("billing_counted_records")
