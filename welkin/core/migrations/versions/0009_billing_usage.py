"""billing usage: metered records and hourly totals, rejected records, meter journal positions

The billing consumer's cursor is created here, at the newest event: a consumer's cursor is
otherwise created when its task first runs, at the head, and usage published before that
would never be billed.

Revision ID: 0009_billing_usage
Revises: 0008_invocation_logs
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009_billing_usage"
down_revision = "0008_invocation_logs"
branch_labels = None
depends_on = None

CONSUMERS = ("billing.functions",)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "meter_journal_offsets",
        sa.Column("journal", sa.String(length=64), nullable=False),
        sa.Column("segment", sa.BigInteger(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("journal", name=op.f("pk_meter_journal_offsets")),
    )
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
        sa.PrimaryKeyConstraint("record_id", "usage_type", name=op.f("pk_billing_usage_records")),
    )
    with op.batch_alter_table("billing_usage_records", schema=None) as batch_op:
        batch_op.create_index("ix_billing_usage_records_at", ["at"], unique=False)
    op.create_table(
        "billing_usage_hourly",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service", sa.Text(), nullable=False),
        sa.Column("resource_type", sa.Text(), nullable=False),
        sa.Column("resource_id", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("usage_type", sa.Text(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "account_id",
            "hour",
            "service",
            "resource_type",
            "resource_id",
            "region",
            "usage_type",
            name=op.f("pk_billing_usage_hourly"),
        ),
    )
    op.create_table(
        "billing_rejected",
        sa.Column("event_seq", SEQ, autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_seq", "position", name=op.f("pk_billing_rejected")),
    )
    _seed_cursors()


def _seed_cursors() -> None:
    conn = op.get_bind()
    events = sa.table("events", sa.column("seq", SEQ))
    consumers = sa.table(
        "event_consumers",
        sa.column("name", sa.String()),
        sa.column("last_seq", SEQ),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    head = conn.scalar(sa.select(sa.func.coalesce(sa.func.max(events.c.seq), 0)))
    for name in CONSUMERS:
        if conn.scalar(sa.select(consumers.c.name).where(consumers.c.name == name)) is None:
            conn.execute(consumers.insert().values(name=name, last_seq=head, updated_at=datetime.now(UTC)))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM event_consumers WHERE name = 'billing.functions'"))
    op.drop_table("billing_rejected")
    op.drop_table("billing_usage_hourly")
    with op.batch_alter_table("billing_usage_records", schema=None) as batch_op:
        batch_op.drop_index("ix_billing_usage_records_at")
    op.drop_table("billing_usage_records")
    op.drop_table("meter_journal_offsets")
