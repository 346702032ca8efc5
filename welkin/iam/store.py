"""IAM persistence: SQL in, frozen dataclasses out. No rules here.

Every method that reads or writes an account's rows takes that ``account_id`` and
filters on it, so a caller cannot reach another account's rows by guessing an id.
Methods take the connection of the caller's transaction, so a service can make
several changes atomically.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from welkin.core import errors
from welkin.iam import tables as t
from welkin.iam.models import (
    Account,
    Agency,
    AuditEvent,
    Credential,
    Grant,
    Group,
    KeyStatus,
    PrincipalType,
    Project,
    Role,
    RoleType,
    ScopeType,
    User,
)

Conn = AsyncConnection


def _account(r: Any) -> Account:
    return Account(r.id, r.name, r.enabled, r.is_operator, r.description, r.created_at)


def _project(r: Any) -> Project:
    return Project(r.id, r.account_id, r.name, r.region, r.description, r.enabled, r.created_at)


def _user(r: Any) -> User:
    return User(
        r.id,
        r.account_id,
        r.name,
        r.email,
        r.phone,
        r.description,
        r.enabled,
        r.is_root,
        r.access_mode,
        r.pwd_status,
        r.created_at,
        r.tokens_valid_after,
        r.last_login_at,
    )


def _group(r: Any) -> Group:
    return Group(r.id, r.account_id, r.name, r.description, r.created_at)


def _role(r: Any) -> Role:
    return Role(
        r.id,
        r.account_id,
        r.name,
        r.display_name,
        r.description,
        RoleType(r.type),
        "CUSTOMED",
        json.loads(r.policy),
        r.created_at,
        r.updated_at,
    )


def _credential(r: Any) -> Credential:
    return Credential(
        r.access_key,
        r.account_id,
        r.user_id,
        KeyStatus(r.status),
        r.description,
        r.created_at,
        r.last_used_at,
    )


def _agency(r: Any) -> Agency:
    return Agency(
        r.id,
        r.account_id,
        r.name,
        r.description,
        r.trust_domain_id,
        r.trust_domain_name,
        r.duration,
        r.created_at,
    )


def _grant(r: Any) -> Grant:
    return Grant(
        r.account_id,
        PrincipalType(r.principal_type),
        r.principal_id,
        r.role_id,
        ScopeType(r.scope_type),
        r.scope_id,
    )


async def _insert(conn: Conn, stmt: Any, what: str) -> None:
    try:
        await conn.execute(stmt)
    except IntegrityError as exc:
        raise errors.AlreadyExists(f"{what} already exists.") from exc


class IamStore:
    # --- accounts and projects -------------------------------------------------------------
    async def add_account(self, conn: Conn, account: Account) -> None:
        await _insert(conn, insert(t.accounts).values(**account.__dict__), f"Account {account.name!r}")

    async def account(self, conn: Conn, account_id: str) -> Account | None:
        row = (await conn.execute(select(t.accounts).where(t.accounts.c.id == account_id))).first()
        return _account(row) if row else None

    async def account_by_name(self, conn: Conn, name: str) -> Account | None:
        row = (await conn.execute(select(t.accounts).where(t.accounts.c.name == name))).first()
        return _account(row) if row else None

    async def accounts(self, conn: Conn) -> list[Account]:
        rows = await conn.execute(select(t.accounts).order_by(t.accounts.c.created_at, t.accounts.c.name))
        return [_account(r) for r in rows]

    async def set_account_enabled(self, conn: Conn, account_id: str, enabled: bool) -> None:
        await conn.execute(update(t.accounts).where(t.accounts.c.id == account_id).values(enabled=enabled))

    async def add_project(self, conn: Conn, project: Project) -> None:
        await _insert(conn, insert(t.projects).values(**project.__dict__), f"Project {project.name!r}")

    async def project(self, conn: Conn, account_id: str, project_id: str) -> Project | None:
        row = (
            await conn.execute(
                select(t.projects).where(t.projects.c.account_id == account_id, t.projects.c.id == project_id)
            )
        ).first()
        return _project(row) if row else None

    async def projects(
        self, conn: Conn, account_id: str, name: str | None = None, enabled: bool | None = None
    ) -> list[Project]:
        q = select(t.projects).where(t.projects.c.account_id == account_id)
        if name is not None:
            q = q.where(t.projects.c.name == name)
        if enabled is not None:
            q = q.where(t.projects.c.enabled == enabled)
        return [_project(r) for r in await conn.execute(q.order_by(t.projects.c.name))]

    async def update_project(self, conn: Conn, project: Project) -> None:
        await conn.execute(
            update(t.projects)
            .where(t.projects.c.id == project.id)
            .values(name=project.name, description=project.description, enabled=project.enabled)
        )

    # --- users -------------------------------------------------------------------------------
    async def add_user(self, conn: Conn, user: User, password_hash: str | None) -> None:
        values = {**user.__dict__, "password_hash": password_hash}
        await _insert(conn, insert(t.users).values(**values), f"User {user.name!r}")

    async def user(self, conn: Conn, account_id: str, user_id: str) -> User | None:
        row = (
            await conn.execute(
                select(t.users).where(t.users.c.account_id == account_id, t.users.c.id == user_id)
            )
        ).first()
        return _user(row) if row else None

    async def user_with_password(
        self, conn: Conn, account_id: str, name: str
    ) -> tuple[User, str | None] | None:
        row = (
            await conn.execute(
                select(t.users).where(t.users.c.account_id == account_id, t.users.c.name == name)
            )
        ).first()
        return (_user(row), row.password_hash) if row else None

    async def password_hash(self, conn: Conn, user_id: str) -> str | None:
        return (await conn.execute(select(t.users.c.password_hash).where(t.users.c.id == user_id))).scalar()

    async def users(self, conn: Conn, account_id: str, name: str | None = None) -> list[User]:
        q = select(t.users).where(t.users.c.account_id == account_id)
        if name is not None:
            q = q.where(t.users.c.name == name)
        return [_user(r) for r in await conn.execute(q.order_by(t.users.c.name))]

    async def update_user(self, conn: Conn, user: User) -> None:
        values = {k: v for k, v in user.__dict__.items() if k not in ("id", "account_id", "created_at")}
        try:
            await conn.execute(update(t.users).where(t.users.c.id == user.id).values(**values))
        except IntegrityError as exc:
            raise errors.AlreadyExists(f"User {user.name!r} already exists.") from exc

    async def set_password(self, conn: Conn, user_id: str, password_hash: str, valid_after: datetime) -> None:
        await conn.execute(
            update(t.users)
            .where(t.users.c.id == user_id)
            .values(password_hash=password_hash, tokens_valid_after=valid_after, pwd_status=False)
        )

    async def delete_user(self, conn: Conn, account_id: str, user_id: str) -> None:
        await conn.execute(delete(t.users).where(t.users.c.account_id == account_id, t.users.c.id == user_id))

    # --- groups --------------------------------------------------------------------------------
    async def add_group(self, conn: Conn, group: Group) -> None:
        await _insert(conn, insert(t.groups).values(**group.__dict__), f"Group {group.name!r}")

    async def group(self, conn: Conn, account_id: str, group_id: str) -> Group | None:
        row = (
            await conn.execute(
                select(t.groups).where(t.groups.c.account_id == account_id, t.groups.c.id == group_id)
            )
        ).first()
        return _group(row) if row else None

    async def groups(self, conn: Conn, account_id: str, name: str | None = None) -> list[Group]:
        q = select(t.groups).where(t.groups.c.account_id == account_id)
        if name is not None:
            q = q.where(t.groups.c.name == name)
        return [_group(r) for r in await conn.execute(q.order_by(t.groups.c.name))]

    async def update_group(self, conn: Conn, group: Group) -> None:
        try:
            await conn.execute(
                update(t.groups)
                .where(t.groups.c.id == group.id)
                .values(name=group.name, description=group.description)
            )
        except IntegrityError as exc:
            raise errors.AlreadyExists(f"Group {group.name!r} already exists.") from exc

    async def delete_group(self, conn: Conn, account_id: str, group_id: str) -> None:
        await conn.execute(
            delete(t.grants).where(
                t.grants.c.principal_type == PrincipalType.GROUP.value, t.grants.c.principal_id == group_id
            )
        )
        await conn.execute(
            delete(t.groups).where(t.groups.c.account_id == account_id, t.groups.c.id == group_id)
        )

    async def add_member(self, conn: Conn, group_id: str, user_id: str) -> None:
        exists = await self.is_member(conn, group_id, user_id)
        if not exists:
            await conn.execute(insert(t.group_members).values(group_id=group_id, user_id=user_id))

    async def remove_member(self, conn: Conn, group_id: str, user_id: str) -> bool:
        result = await conn.execute(
            delete(t.group_members).where(
                t.group_members.c.group_id == group_id, t.group_members.c.user_id == user_id
            )
        )
        return bool(result.rowcount)

    async def is_member(self, conn: Conn, group_id: str, user_id: str) -> bool:
        q = select(func.count()).where(
            t.group_members.c.group_id == group_id, t.group_members.c.user_id == user_id
        )
        return bool((await conn.execute(q)).scalar())

    async def members(self, conn: Conn, group_id: str) -> list[User]:
        q = (
            select(t.users)
            .join(t.group_members, t.group_members.c.user_id == t.users.c.id)
            .where(t.group_members.c.group_id == group_id)
            .order_by(t.users.c.name)
        )
        return [_user(r) for r in await conn.execute(q)]

    async def groups_of(self, conn: Conn, user_id: str) -> list[Group]:
        q = (
            select(t.groups)
            .join(t.group_members, t.group_members.c.group_id == t.groups.c.id)
            .where(t.group_members.c.user_id == user_id)
            .order_by(t.groups.c.name)
        )
        return [_group(r) for r in await conn.execute(q)]

    # --- custom roles and grants -------------------------------------------------------------
    async def add_role(self, conn: Conn, role: Role) -> None:
        assert role.account_id is not None
        values = {
            "id": role.id,
            "account_id": role.account_id,
            "name": role.name,
            "display_name": role.display_name,
            "description": role.description,
            "type": role.type.value,
            "policy": json.dumps(role.policy),
            "created_at": role.created_at,
            "updated_at": role.updated_at,
        }
        await _insert(conn, insert(t.custom_roles).values(**values), f"Policy {role.display_name!r}")

    async def role(self, conn: Conn, account_id: str, role_id: str) -> Role | None:
        q = select(t.custom_roles).where(
            t.custom_roles.c.account_id == account_id, t.custom_roles.c.id == role_id
        )
        row = (await conn.execute(q)).first()
        return _role(row) if row else None

    async def roles(self, conn: Conn, account_id: str, role_ids: Sequence[str] | None = None) -> list[Role]:
        q = select(t.custom_roles).where(t.custom_roles.c.account_id == account_id)
        if role_ids is not None:
            q = q.where(t.custom_roles.c.id.in_(list(role_ids)))
        return [_role(r) for r in await conn.execute(q.order_by(t.custom_roles.c.display_name))]

    async def update_role(self, conn: Conn, role: Role) -> None:
        try:
            await conn.execute(
                update(t.custom_roles)
                .where(t.custom_roles.c.id == role.id)
                .values(
                    display_name=role.display_name,
                    description=role.description,
                    type=role.type.value,
                    policy=json.dumps(role.policy),
                    updated_at=role.updated_at,
                )
            )
        except IntegrityError as exc:
            raise errors.AlreadyExists(f"Policy {role.display_name!r} already exists.") from exc

    async def delete_role(self, conn: Conn, account_id: str, role_id: str) -> None:
        await conn.execute(
            delete(t.custom_roles).where(
                t.custom_roles.c.account_id == account_id, t.custom_roles.c.id == role_id
            )
        )

    async def role_in_use(self, conn: Conn, role_id: str) -> bool:
        return bool((await conn.execute(select(func.count()).where(t.grants.c.role_id == role_id))).scalar())

    async def add_grant(self, conn: Conn, grant: Grant) -> None:
        if await self.has_grant(conn, grant):
            return
        values = {
            **grant.__dict__,
            "principal_type": grant.principal_type.value,
            "scope_type": grant.scope_type.value,
        }
        await conn.execute(insert(t.grants).values(**values))

    def _grant_match(self, grant: Grant) -> Any:
        return and_(
            t.grants.c.principal_type == grant.principal_type.value,
            t.grants.c.principal_id == grant.principal_id,
            t.grants.c.role_id == grant.role_id,
            t.grants.c.scope_type == grant.scope_type.value,
            t.grants.c.scope_id == grant.scope_id,
        )

    async def has_grant(self, conn: Conn, grant: Grant) -> bool:
        return bool((await conn.execute(select(func.count()).where(self._grant_match(grant)))).scalar())

    async def remove_grant(self, conn: Conn, grant: Grant) -> bool:
        return bool((await conn.execute(delete(t.grants).where(self._grant_match(grant)))).rowcount)

    async def grants(
        self,
        conn: Conn,
        principal_type: PrincipalType,
        principal_ids: Sequence[str],
        scope_type: ScopeType | None = None,
        scope_id: str | None = None,
    ) -> list[Grant]:
        q = select(t.grants).where(
            t.grants.c.principal_type == principal_type.value,
            t.grants.c.principal_id.in_(list(principal_ids)),
        )
        if scope_type is not None:
            q = q.where(t.grants.c.scope_type == scope_type.value)
        if scope_id is not None:
            q = q.where(t.grants.c.scope_id == scope_id)
        return [_grant(r) for r in await conn.execute(q.order_by(t.grants.c.id))]

    # --- access keys -------------------------------------------------------------------------
    async def add_credential(self, conn: Conn, credential: Credential, secret_encrypted: str) -> None:
        values = {
            **credential.__dict__,
            "status": credential.status.value,
            "secret_encrypted": secret_encrypted,
        }
        await _insert(conn, insert(t.credentials).values(**values), "Access key")

    async def credential(self, conn: Conn, access_key: str) -> tuple[Credential, str] | None:
        row = (
            await conn.execute(select(t.credentials).where(t.credentials.c.access_key == access_key))
        ).first()
        return (_credential(row), row.secret_encrypted) if row else None

    async def credentials(self, conn: Conn, account_id: str, user_id: str | None) -> list[Credential]:
        q = select(t.credentials).where(t.credentials.c.account_id == account_id)
        if user_id is not None:
            q = q.where(t.credentials.c.user_id == user_id)
        return [_credential(r) for r in await conn.execute(q.order_by(t.credentials.c.created_at))]

    async def count_credentials(self, conn: Conn, user_id: str) -> int:
        q = select(func.count()).where(t.credentials.c.user_id == user_id)
        return int((await conn.execute(q)).scalar() or 0)

    async def update_credential(self, conn: Conn, credential: Credential) -> None:
        await conn.execute(
            update(t.credentials)
            .where(t.credentials.c.access_key == credential.access_key)
            .values(status=credential.status.value, description=credential.description)
        )

    async def touch_credential(self, conn: Conn, access_key: str, at: datetime) -> None:
        await conn.execute(
            update(t.credentials).where(t.credentials.c.access_key == access_key).values(last_used_at=at)
        )

    async def delete_credential(self, conn: Conn, account_id: str, access_key: str) -> None:
        await conn.execute(
            delete(t.credentials).where(
                t.credentials.c.account_id == account_id, t.credentials.c.access_key == access_key
            )
        )

    # --- agencies ----------------------------------------------------------------------------
    async def add_agency(self, conn: Conn, agency: Agency) -> None:
        await _insert(conn, insert(t.agencies).values(**agency.__dict__), f"Agency {agency.name!r}")

    async def agency(self, conn: Conn, account_id: str, agency_id: str) -> Agency | None:
        q = select(t.agencies).where(t.agencies.c.account_id == account_id, t.agencies.c.id == agency_id)
        row = (await conn.execute(q)).first()
        return _agency(row) if row else None

    async def agencies(self, conn: Conn, account_id: str, name: str | None = None) -> list[Agency]:
        q = select(t.agencies).where(t.agencies.c.account_id == account_id)
        if name is not None:
            q = q.where(t.agencies.c.name == name)
        return [_agency(r) for r in await conn.execute(q.order_by(t.agencies.c.name))]

    async def update_agency(self, conn: Conn, agency: Agency) -> None:
        await conn.execute(
            update(t.agencies)
            .where(t.agencies.c.id == agency.id)
            .values(
                description=agency.description,
                trust_domain_id=agency.trust_domain_id,
                trust_domain_name=agency.trust_domain_name,
                duration=agency.duration,
            )
        )

    async def delete_agency(self, conn: Conn, account_id: str, agency_id: str) -> None:
        await conn.execute(
            delete(t.grants).where(
                t.grants.c.principal_type == PrincipalType.AGENCY.value, t.grants.c.principal_id == agency_id
            )
        )
        await conn.execute(
            delete(t.agencies).where(t.agencies.c.account_id == account_id, t.agencies.c.id == agency_id)
        )

    # --- audit -------------------------------------------------------------------------------
    async def add_audit_event(self, conn: Conn, event: AuditEvent) -> None:
        await conn.execute(insert(t.audit_events).values(**event.__dict__))

    async def audit_events(
        self, conn: Conn, account_id: str, since: datetime | None, limit: int, before: datetime | None = None
    ) -> list[AuditEvent]:
        q = select(t.audit_events).where(t.audit_events.c.account_id == account_id)
        if since is not None:
            q = q.where(t.audit_events.c.at >= since)
        if before is not None:
            q = q.where(t.audit_events.c.at < before)
        q = q.order_by(t.audit_events.c.id.desc()).limit(limit)
        cols = [c.name for c in t.audit_events.columns if c.name != "id"]
        return [AuditEvent(**{c: getattr(r, c) for c in cols}) for r in await conn.execute(q)]
