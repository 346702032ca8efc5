"""invoices: closed months' invoices, their lines and the usage they billed; what pruning goes by

Raw usage records gain the event that brought them and when they were counted, so that they
can be pruned once no event can bring them again. Rows already there take the newest event
(every one of them came with an event up to it) and their usage time.

Revision ID: 0012_invoices
Revises: 0011_budgets
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_invoices"
down_revision = "0011_budgets"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("billing_usage_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_seq", SEQ, nullable=True))
        batch_op.add_column(sa.Column("counted_at", sa.DateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    head = conn.scalar(sa.text("SELECT COALESCE(MAX(seq), 0) FROM events"))
    conn.execute(
        sa.text("UPDATE billing_usage_records SET event_seq = :head, counted_at = at"), {"head": head}
    )
    with op.batch_alter_table("billing_usage_records", schema=None) as batch_op:
        batch_op.alter_column("event_seq", existing_type=SEQ, nullable=False)
        batch_op.alter_column("counted_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index("ix_billing_usage_records_counted_at", ["counted_at"], unique=False)
    with op.batch_alter_table("billing_usage_hourly", schema=None) as batch_op:
        batch_op.create_index("ix_billing_usage_hourly_hour", ["hour"], unique=False)
    op.create_table(
        "billing_invoices",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("month", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("total", sa.Text(), nullable=False),
        sa.Column("billed", sa.Text(), nullable=False),
        sa.Column("truncated", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("account_id", "month", name=op.f("pk_billing_invoices")),
    )
    op.create_table(
        "billing_invoice_lines",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("month", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("adjusts", sa.Text(), nullable=False),
        sa.Column("service_type", sa.Text(), nullable=False),
        sa.Column("resource_type", sa.Text(), nullable=False),
        sa.Column("usage_type", sa.Text(), nullable=False),
        sa.Column("resource_id", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("price_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("per", sa.BigInteger(), nullable=False),
        sa.Column("unit_price", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Text(), nullable=False),
        sa.Column("free_applied", sa.Text(), nullable=False),
        sa.Column("amount", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "month", "position", name=op.f("pk_billing_invoice_lines")),
    )
    with op.batch_alter_table("billing_invoice_lines", schema=None) as batch_op:
        batch_op.create_index("ix_billing_invoice_lines_adjusts", ["account_id", "adjusts"], unique=False)
    op.create_table(
        "billing_invoice_usage",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("month", sa.Text(), nullable=False),
        sa.Column("usage_of", sa.Text(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "month", "usage_of", name=op.f("pk_billing_invoice_usage")),
    )
    op.create_table(
        "billing_closed_months",
        sa.Column("month", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_billing_closed_months")),
    )


def downgrade() -> None:
    op.drop_table("billing_closed_months")
    op.drop_table("billing_invoice_usage")
    with op.batch_alter_table("billing_invoice_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_billing_invoice_lines_adjusts")
    op.drop_table("billing_invoice_lines")
    op.drop_table("billing_invoices")
    with op.batch_alter_table("billing_usage_hourly", schema=None) as batch_op:
        batch_op.drop_index("ix_billing_usage_hourly_hour")
    with op.batch_alter_table("billing_usage_records", schema=None) as batch_op:
        batch_op.drop_index("ix_billing_usage_records_counted_at")
        batch_op.drop_column("counted_at")
        batch_op.drop_column("event_seq")
