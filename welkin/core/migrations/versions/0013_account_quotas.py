"""account quotas: per-account limits, each bucket's stored bytes, functions by account

``obs_buckets.stored_bytes`` starts as what the bucket's object versions hold now; from then
on the transactions that add and drop versions keep it. An operator's account already there
gets no limits on what it holds, as one made from now on does (welkin.billing.quotas).

Revision ID: 0013_account_quotas
Revises: 0012_invoices
Create Date: 2026-11-30 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_account_quotas"
down_revision = "0012_invoices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_quotas",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("quota", sa.String(length=32), nullable=False),
        sa.Column("limit", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "quota", name=op.f("pk_account_quotas")),
    )
    with op.batch_alter_table("obs_buckets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stored_bytes", sa.BigInteger(), server_default="0", nullable=False))
    with op.batch_alter_table("fgs_functions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fgs_functions_account_id"), ["account_id"], unique=False)
    for quota in ("functions", "code_bytes", "buckets", "stored_bytes"):
        op.execute(
            sa.text(
                'INSERT INTO account_quotas (account_id, quota, "limit") '
                "SELECT id, :quota, -1 FROM iam_accounts WHERE is_operator"
            ).bindparams(quota=quota)
        )
    op.execute(
        sa.text(
            "UPDATE obs_buckets SET stored_bytes = "
            "(SELECT COALESCE(SUM(size), 0) FROM obs_objects WHERE obs_objects.bucket = obs_buckets.name)"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("fgs_functions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fgs_functions_account_id"))
    with op.batch_alter_table("obs_buckets", schema=None) as batch_op:
        batch_op.drop_column("stored_bytes")
    op.drop_table("account_quotas")
