"""reserved instances: how many instances each function qualifier keeps started

Revision ID: 0007_reserved_instances
Revises: 0006_triggers_schema
Create Date: 2026-11-30 08:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_reserved_instances"
down_revision = "0006_triggers_schema"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fgs_reserved_instances",
        sa.Column("function_id", sa.String(length=32), nullable=False),
        sa.Column("qualifier", sa.String(length=80), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("package", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("idle_mode", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["function_id"],
            ["fgs_functions.id"],
            name=op.f("fk_fgs_reserved_instances_function_id_fgs_functions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("function_id", "qualifier", name=op.f("pk_fgs_reserved_instances")),
    )
    with op.batch_alter_table("fgs_reserved_instances", schema=None) as batch_op:
        batch_op.create_index("ix_fgs_reserved_project", ["project_id", "package", "name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fgs_reserved_instances", schema=None) as batch_op:
        batch_op.drop_index("ix_fgs_reserved_project")
    op.drop_table("fgs_reserved_instances")
