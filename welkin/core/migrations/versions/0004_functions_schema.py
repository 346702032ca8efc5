"""functions schema: the FunctionGraph registry (functions, versions, aliases)

Revision ID: 0004_functions_schema
Revises: 0003_obs_schema
Create Date: 2026-11-30 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_functions_schema"
down_revision = "0003_obs_schema"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fgs_functions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("package", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("next_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fgs_functions")),
    )
    with op.batch_alter_table("fgs_functions", schema=None) as batch_op:
        batch_op.create_index("ix_fgs_functions_name", ["project_id", "package", "name"], unique=True)
        batch_op.create_index(batch_op.f("ix_fgs_functions_code_sha256"), ["code_sha256"], unique=False)

    op.create_table(
        "fgs_versions",
        sa.Column("function_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["function_id"],
            ["fgs_functions.id"],
            name=op.f("fk_fgs_versions_function_id_fgs_functions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("function_id", "name", name=op.f("pk_fgs_versions")),
    )
    with op.batch_alter_table("fgs_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fgs_versions_code_sha256"), ["code_sha256"], unique=False)

    op.create_table(
        "fgs_aliases",
        sa.Column("function_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("weights", sa.Text(), nullable=False),
        sa.Column("last_modified", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["function_id"],
            ["fgs_functions.id"],
            name=op.f("fk_fgs_aliases_function_id_fgs_functions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("function_id", "name", name=op.f("pk_fgs_aliases")),
    )


def downgrade() -> None:
    op.drop_table("fgs_aliases")
    with op.batch_alter_table("fgs_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fgs_versions_code_sha256"))
    op.drop_table("fgs_versions")
    with op.batch_alter_table("fgs_functions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fgs_functions_code_sha256"))
        batch_op.drop_index("ix_fgs_functions_name")
    op.drop_table("fgs_functions")
