"""iam schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 04:10:11.298155
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "iam_accounts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("is_operator", sa.Boolean(), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iam_accounts")),
        sa.UniqueConstraint("name", name=op.f("uq_iam_accounts_name")),
    )
    op.create_table(
        "iam_audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("user_name", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=128), nullable=False),
        sa.Column("resource", sa.String(length=512), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("source_ip", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iam_audit_events")),
    )
    with op.batch_alter_table("iam_audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_iam_audit_account_at", ["account_id", "at"], unique=False)

    op.create_table(
        "iam_agencies",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("trust_domain_id", sa.String(length=32), nullable=True),
        sa.Column("trust_domain_name", sa.String(length=64), nullable=False),
        sa.Column("duration", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["iam_accounts.id"],
            name=op.f("fk_iam_agencies_account_id_iam_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iam_agencies")),
        sa.UniqueConstraint("account_id", "name", name="uq_iam_agencies_account_name"),
    )
    op.create_table(
        "iam_custom_roles",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.String(length=128), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("policy", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["iam_accounts.id"],
            name=op.f("fk_iam_custom_roles_account_id_iam_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iam_custom_roles")),
        sa.UniqueConstraint("account_id", "display_name", name="uq_iam_custom_roles_account_display"),
    )
    op.create_table(
        "iam_grants",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("principal_type", sa.String(length=8), nullable=False),
        sa.Column("principal_id", sa.String(length=32), nullable=False),
        sa.Column("role_id", sa.String(length=32), nullable=False),
        sa.Column("scope_type", sa.String(length=16), nullable=False),
        sa.Column("scope_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["iam_accounts.id"],
            name=op.f("fk_iam_grants_account_id_iam_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iam_grants")),
        sa.UniqueConstraint(
            "principal_type", "principal_id", "role_id", "scope_type", "scope_id", name="uq_iam_grants"
        ),
    )
    with op.batch_alter_table("iam_grants", schema=None) as batch_op:
        batch_op.create_index("ix_iam_grants_principal", ["principal_type", "principal_id"], unique=False)

    op.create_table(
        "iam_groups",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["iam_accounts.id"],
            name=op.f("fk_iam_groups_account_id_iam_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iam_groups")),
        sa.UniqueConstraint("account_id", "name", name="uq_iam_groups_account_name"),
    )
    op.create_table(
        "iam_projects",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["iam_accounts.id"],
            name=op.f("fk_iam_projects_account_id_iam_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iam_projects")),
        sa.UniqueConstraint("account_id", "name", name="uq_iam_projects_account_name"),
    )
    op.create_table(
        "iam_users",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("is_root", sa.Boolean(), nullable=False),
        sa.Column("access_mode", sa.String(length=16), nullable=False),
        sa.Column("pwd_status", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tokens_valid_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["iam_accounts.id"],
            name=op.f("fk_iam_users_account_id_iam_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iam_users")),
        sa.UniqueConstraint("account_id", "name", name="uq_iam_users_account_name"),
    )
    op.create_table(
        "iam_credentials",
        sa.Column("access_key", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["iam_accounts.id"],
            name=op.f("fk_iam_credentials_account_id_iam_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["iam_users.id"],
            name=op.f("fk_iam_credentials_user_id_iam_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("access_key", name=op.f("pk_iam_credentials")),
    )
    with op.batch_alter_table("iam_credentials", schema=None) as batch_op:
        batch_op.create_index("ix_iam_credentials_user", ["user_id"], unique=False)

    op.create_table(
        "iam_group_members",
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["iam_groups.id"],
            name=op.f("fk_iam_group_members_group_id_iam_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["iam_users.id"],
            name=op.f("fk_iam_group_members_user_id_iam_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_iam_group_members")),
    )


def downgrade() -> None:
    op.drop_table("iam_group_members")
    with op.batch_alter_table("iam_credentials", schema=None) as batch_op:
        batch_op.drop_index("ix_iam_credentials_user")

    op.drop_table("iam_credentials")
    op.drop_table("iam_users")
    op.drop_table("iam_projects")
    op.drop_table("iam_groups")
    with op.batch_alter_table("iam_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_iam_grants_principal")

    op.drop_table("iam_grants")
    op.drop_table("iam_custom_roles")
    op.drop_table("iam_agencies")
    with op.batch_alter_table("iam_audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_iam_audit_account_at")

    op.drop_table("iam_audit_events")
    op.drop_table("iam_accounts")
