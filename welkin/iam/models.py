"""IAM's domain values: plain frozen dataclasses, no database or HTTP types."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Account:
    """A Huawei "domain": the unit of isolation and of billing."""

    id: str
    name: str
    enabled: bool
    is_operator: bool
    description: str
    created_at: datetime


@dataclass(frozen=True)
class Project:
    id: str
    account_id: str
    name: str
    region: str
    description: str
    enabled: bool
    created_at: datetime


@dataclass(frozen=True)
class User:
    id: str
    account_id: str
    name: str
    email: str
    phone: str
    description: str
    enabled: bool
    is_root: bool
    access_mode: str
    pwd_status: bool
    created_at: datetime
    tokens_valid_after: datetime
    last_login_at: datetime | None


@dataclass(frozen=True)
class Group:
    id: str
    account_id: str
    name: str
    description: str
    created_at: datetime


class RoleType(enum.Enum):
    """Huawei's role ``type``: where a role may be granted."""

    GLOBAL = "AX"  # on the account (global services)
    PROJECT = "XA"  # on projects (regional services)
    BOTH = "AA"


@dataclass(frozen=True)
class Role:
    """A system role or custom policy; ``account_id`` is None for system roles."""

    id: str
    account_id: str | None
    name: str
    display_name: str
    description: str
    type: RoleType
    catalog: str
    policy: dict[str, object]
    created_at: datetime | None
    updated_at: datetime | None


class PrincipalType(enum.Enum):
    GROUP = "group"
    AGENCY = "agency"


class ScopeType(enum.Enum):
    DOMAIN = "domain"
    PROJECT = "project"
    ALL_PROJECTS = "all_projects"


@dataclass(frozen=True)
class Grant:
    account_id: str
    principal_type: PrincipalType
    principal_id: str
    role_id: str
    scope_type: ScopeType
    scope_id: str


class KeyStatus(enum.Enum):
    ACTIVE = "active"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class Credential:
    access_key: str
    account_id: str
    user_id: str
    status: KeyStatus
    description: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class Agency:
    id: str
    account_id: str
    name: str
    description: str
    trust_domain_id: str | None
    trust_domain_name: str
    duration: str
    created_at: datetime


@dataclass(frozen=True)
class AuditEvent:
    account_id: str
    user_id: str | None
    user_name: str
    service: str
    action: str
    resource: str
    method: str
    path: str
    status: int
    source_ip: str
    request_id: str
    at: datetime


class AuthMethod(enum.Enum):
    PASSWORD = "password"  # noqa: S105  (a method name, not a secret)
    TOKEN = "token"  # noqa: S105
    ACCESS_KEY = "ak"
    TEMPORARY_KEY = "temporary_ak"


@dataclass(frozen=True)
class Principal:
    """Who is making a request, once authenticated.

    ``agency_id`` is set when the caller acts through an agency (temporary keys
    obtained by assuming it); their permissions are then the agency's, not the user's.
    """

    account_id: str
    account_name: str
    user_id: str
    user_name: str
    method: AuthMethod
    project_id: str | None
    is_operator: bool
    agency_id: str | None = None


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    account_id: str
    project_id: str | None
    methods: tuple[str, ...]
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class TemporaryKey:
    """A temporary AK/SK; ``security_token`` carries everything else, sealed."""

    access_key: str
    secret_key: str
    security_token: str
    expires_at: datetime


@dataclass(frozen=True)
class TemporaryKeyClaims:
    access_key: str
    secret_key: str
    user_id: str
    account_id: str
    agency_id: str | None
    expires_at: datetime
