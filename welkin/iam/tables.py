"""IAM's tables. Every row belongs to exactly one account (``account_id``); every
query filters on it, which is what keeps accounts apart."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from welkin.core.db import UtcDateTime, metadata

ID = String(32)

accounts = Table(
    "iam_accounts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("enabled", Boolean, nullable=False),
    Column("is_operator", Boolean, nullable=False),
    Column("description", String(255), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

projects = Table(
    "iam_projects",
    metadata,
    Column("id", ID, primary_key=True),
    Column("account_id", ID, ForeignKey("iam_accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("region", String(64), nullable=False),
    Column("description", String(255), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("account_id", "name", name="uq_iam_projects_account_name"),
)

users = Table(
    "iam_users",
    metadata,
    Column("id", ID, primary_key=True),
    Column("account_id", ID, ForeignKey("iam_accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("password_hash", String(255), nullable=True),
    Column("email", String(255), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("description", String(255), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("is_root", Boolean, nullable=False),
    Column("access_mode", String(16), nullable=False),
    Column("pwd_status", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # Tokens issued before this instant are refused (set on password change).
    Column("tokens_valid_after", UtcDateTime(), nullable=False),
    Column("last_login_at", UtcDateTime(), nullable=True),
    UniqueConstraint("account_id", "name", name="uq_iam_users_account_name"),
)

groups = Table(
    "iam_groups",
    metadata,
    Column("id", ID, primary_key=True),
    Column("account_id", ID, ForeignKey("iam_accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("description", String(255), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("account_id", "name", name="uq_iam_groups_account_name"),
)

group_members = Table(
    "iam_group_members",
    metadata,
    Column("group_id", ID, ForeignKey("iam_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ID, ForeignKey("iam_users.id", ondelete="CASCADE"), primary_key=True),
)

custom_roles = Table(
    "iam_custom_roles",
    metadata,
    Column("id", ID, primary_key=True),
    Column("account_id", ID, ForeignKey("iam_accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("display_name", String(128), nullable=False),
    Column("description", String(1000), nullable=False),
    Column("type", String(8), nullable=False),
    Column("policy", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("account_id", "display_name", name="uq_iam_custom_roles_account_display"),
)

# A role (system or custom) granted to a group or an agency, on the whole account
# ("domain"), on one project, or on every project ("all_projects").
grants = Table(
    "iam_grants",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", ID, ForeignKey("iam_accounts.id", ondelete="CASCADE"), nullable=False),
    Column("principal_type", String(8), nullable=False),
    Column("principal_id", ID, nullable=False),
    Column("role_id", ID, nullable=False),
    Column("scope_type", String(16), nullable=False),
    Column("scope_id", ID, nullable=False),
    UniqueConstraint(
        "principal_type", "principal_id", "role_id", "scope_type", "scope_id", name="uq_iam_grants"
    ),
)
Index("ix_iam_grants_principal", grants.c.principal_type, grants.c.principal_id)

credentials = Table(
    "iam_credentials",
    metadata,
    Column("access_key", String(64), primary_key=True),
    Column("account_id", ID, ForeignKey("iam_accounts.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ID, ForeignKey("iam_users.id", ondelete="CASCADE"), nullable=False),
    # Encrypted with the data directory's key: verifying a signature needs the secret itself.
    Column("secret_encrypted", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("description", String(255), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_used_at", UtcDateTime(), nullable=True),
)
Index("ix_iam_credentials_user", credentials.c.user_id)

agencies = Table(
    "iam_agencies",
    metadata,
    Column("id", ID, primary_key=True),
    Column("account_id", ID, ForeignKey("iam_accounts.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("description", String(255), nullable=False),
    # The account (or cloud service, by name) trusted to assume this agency.
    Column("trust_domain_id", ID, nullable=True),
    Column("trust_domain_name", String(64), nullable=False),
    Column("duration", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("account_id", "name", name="uq_iam_agencies_account_name"),
)

audit_events = Table(
    "iam_audit_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", ID, nullable=False),
    Column("user_id", ID, nullable=True),
    Column("user_name", String(64), nullable=False),
    Column("service", String(32), nullable=False),
    Column("action", String(128), nullable=False),
    Column("resource", String(512), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", String(1024), nullable=False),
    Column("status", Integer, nullable=False),
    Column("source_ip", String(64), nullable=False),
    Column("request_id", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
)
Index("ix_iam_audit_account_at", audit_events.c.account_id, audit_events.c.at)
