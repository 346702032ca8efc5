"""invocation logs: FunctionGraph's invocation logs and per-minute function metrics, kept across restarts

Revision ID: 0008_invocation_logs
Revises: 0007_reserved_instances
Create Date: 2026-11-30 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_invocation_logs"
down_revision = "0007_reserved_instances"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fgs_invocation_logs",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("function_urn", sa.Text(), nullable=False),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("error_code", sa.Text(), nullable=False),
        sa.Column("log", sa.LargeBinary(), nullable=False),
        sa.Column("truncated", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_fgs_invocation_logs")),
    )
    with op.batch_alter_table("fgs_invocation_logs", schema=None) as batch_op:
        batch_op.create_index("ix_fgs_invocation_logs_function", ["function_urn", "seq"], unique=False)
        batch_op.create_index("ix_fgs_invocation_logs_at", ["at"], unique=False)
    op.create_table(
        "fgs_function_minutes",
        sa.Column("function_urn", sa.Text(), nullable=False),
        sa.Column("minute", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("function_errors", sa.Integer(), nullable=False),
        sa.Column("system_errors", sa.Integer(), nullable=False),
        sa.Column("throttles", sa.Integer(), nullable=False),
        sa.Column("cold_starts", sa.Integer(), nullable=False),
        sa.Column("duration_total_ms", sa.Float(), nullable=False),
        sa.Column("max_duration_ms", sa.Float(), nullable=False),
        sa.Column("min_duration_ms", sa.Float(), nullable=False),
        sa.Column("max_cold_start_ms", sa.Float(), nullable=False),
        sa.Column("gb_seconds", sa.Float(), nullable=False),
        sa.Column("durations", sa.Text(), nullable=False),
        sa.Column("cold_start_durations", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("function_urn", "minute", name=op.f("pk_fgs_function_minutes")),
    )
    with op.batch_alter_table("fgs_function_minutes", schema=None) as batch_op:
        batch_op.create_index("ix_fgs_function_minutes_minute", ["minute"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fgs_function_minutes", schema=None) as batch_op:
        batch_op.drop_index("ix_fgs_function_minutes_minute")
    op.drop_table("fgs_function_minutes")
    with op.batch_alter_table("fgs_invocation_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_fgs_invocation_logs_at")
        batch_op.drop_index("ix_fgs_invocation_logs_function")
    op.drop_table("fgs_invocation_logs")
