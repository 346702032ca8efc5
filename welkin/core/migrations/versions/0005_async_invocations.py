"""async invocations: FunctionGraph's durable queue of asynchronous invocations and async settings

Revision ID: 0005_async_invocations
Revises: 0004_functions_schema
Create Date: 2026-11-30 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_async_invocations"
down_revision = "0004_functions_schema"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fgs_async_invocations",
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("package", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("qualifier", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("event", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_fgs_async_invocations")),
    )
    with op.batch_alter_table("fgs_async_invocations", schema=None) as batch_op:
        batch_op.create_index("ix_fgs_async_due", ["status", "next_at"], unique=False)
        batch_op.create_index(
            "ix_fgs_async_function", ["project_id", "package", "name", "created_at"], unique=False
        )
    op.create_table(
        "fgs_async_configs",
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("package", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_modified", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "package", "name", name=op.f("pk_fgs_async_configs")),
    )


def downgrade() -> None:
    op.drop_table("fgs_async_configs")
    with op.batch_alter_table("fgs_async_invocations", schema=None) as batch_op:
        batch_op.drop_index("ix_fgs_async_function")
        batch_op.drop_index("ix_fgs_async_due")
    op.drop_table("fgs_async_invocations")
