"""budgets: one monthly budget per account, and the threshold crossings notified for it

Revision ID: 0011_budgets
Revises: 0010_obs_metering
Create Date: 2026-11-30 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_budgets"
down_revision = "0010_obs_metering"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "billing_budgets",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("budget_id", sa.Text(), nullable=False),
        sa.Column("amount", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("thresholds", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_billing_budgets")),
    )
    op.create_table(
        "billing_budget_notifications",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("budget_id", sa.Text(), nullable=False),
        sa.Column("month", sa.Text(), nullable=False),
        sa.Column("threshold", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("figure", sa.Text(), nullable=False),
        sa.Column("amount", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "account_id",
            "budget_id",
            "month",
            "threshold",
            "kind",
            name=op.f("pk_billing_budget_notifications"),
        ),
    )
    with op.batch_alter_table("billing_budget_notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_billing_budget_notifications_account_id", ["account_id", "notified_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("billing_budget_notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_billing_budget_notifications_account_id")
    op.drop_table("billing_budget_notifications")
    op.drop_table("billing_budgets")
