"""triggers schema: FunctionGraph triggers (HTTP, OBS, timer)

Revision ID: 0006_triggers_schema
Revises: 0005_async_invocations
Create Date: 2026-11-30 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_triggers_schema"
down_revision = "0005_async_invocations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fgs_triggers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("function_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("package", sa.String(length=64), nullable=False),
        sa.Column("function_name", sa.String(length=64), nullable=False),
        sa.Column("qualifier", sa.String(length=64), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("event_data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_fire_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["function_id"],
            ["fgs_functions.id"],
            name=op.f("fk_fgs_triggers_function_id_fgs_functions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fgs_triggers")),
    )
    with op.batch_alter_table("fgs_triggers", schema=None) as batch_op:
        batch_op.create_index("ix_fgs_triggers_function", ["function_id"], unique=False)
        batch_op.create_index("ix_fgs_triggers_kind", ["type", "project_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fgs_triggers", schema=None) as batch_op:
        batch_op.drop_index("ix_fgs_triggers_kind")
        batch_op.drop_index("ix_fgs_triggers_function")
    op.drop_table("fgs_triggers")
