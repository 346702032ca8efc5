"""Roles, grants and the one authorization check every service calls.

A user's permissions are the roles granted to the groups the user is in; an
agency's are the roles granted to the agency. A grant applies on the whole account
("domain"), on every project, or on one project; a request scoped to a project
sees the first two plus that project's. Explicit Deny wins, then Allow, else deny.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from welkin.core import errors
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.core.ids import new_id
from welkin.iam import actions, catalog
from welkin.iam.models import Grant, Principal, PrincipalType, Role, RoleType, ScopeType
from welkin.iam.policy import AuthzRequest, Decision, PolicyDocument, evaluate, parse_policy
from welkin.iam.store import Conn, IamStore

ConditionValues = Mapping[str, str | list[str]]


class PermissionService:
    def __init__(self, db: Database, store: IamStore, clock: Clock) -> None:
        self._db = db
        self._store = store
        self._clock = clock
        # Parsed policies per (principal, project), dropped when the account changes.
        self._cache: dict[tuple[str, str, str | None], tuple[int, list[PolicyDocument]]] = {}
        self._generation: dict[str, int] = {}
        self._system = {p.id: _system_role(p) for p in catalog.SYSTEM_PERMISSIONS}
        self._system_parsed = {p.id: p.policy for p in catalog.SYSTEM_PERMISSIONS}

    def invalidate(self, account_id: str) -> None:
        """Forget cached permissions of an account after any change to its IAM data."""
        self._generation[account_id] = self._generation.get(account_id, 0) + 1

    def generation(self, account_id: str) -> int:
        """Changes with every change to the account's IAM data; for callers' own caches."""
        return self._generation.get(account_id, 0)

    # --- the check ----------------------------------------------------------------------------
    async def decide(
        self,
        principal: Principal,
        action: str,
        resource: str | None = None,
        conditions: ConditionValues | None = None,
    ) -> Decision:
        policies = await self._policies(principal)
        values: dict[str, str | list[str]] = {
            "g:DomainName": principal.account_name,
            "g:UserName": principal.user_name,
            "g:UserId": principal.user_id,
            "g:CurrentTime": self._clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if conditions:
            values.update(conditions)
        return evaluate(policies, AuthzRequest(action=action, resource=resource, context=values))

    async def authorize(
        self,
        principal: Principal,
        action: str,
        resource: str | None = None,
        conditions: ConditionValues | None = None,
    ) -> None:
        """Raise AccessDenied unless ``principal`` may perform ``action`` on ``resource``."""
        if await self.decide(principal, action, resource, conditions) is not Decision.ALLOW:
            raise errors.AccessDenied(f"{principal.user_name} is not authorized to perform {action}.")

    async def _policies(self, principal: Principal) -> list[PolicyDocument]:
        who = principal.agency_id or principal.user_id
        key = (principal.account_id, who, principal.project_id)
        generation = self._generation.get(principal.account_id, 0)
        cached = self._cache.get(key)
        if cached and cached[0] == generation:
            return cached[1]
        async with self._db.read() as conn:
            if principal.agency_id:
                grants = await self._store.grants(conn, PrincipalType.AGENCY, [principal.agency_id])
            else:
                group_ids = [g.id for g in await self._store.groups_of(conn, principal.user_id)]
                grants = await self._store.grants(conn, PrincipalType.GROUP, group_ids) if group_ids else []
            applicable = {
                g.role_id
                for g in grants
                if g.scope_type is not ScopeType.PROJECT or g.scope_id == principal.project_id
            }
            custom = await self._store.roles(
                conn, principal.account_id, [r for r in applicable if r not in self._system]
            )
        policies = [self._system_parsed[r] for r in applicable if r in self._system]
        policies += [parse_policy(r.policy) for r in custom]
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (generation, policies)
        return policies

    # --- roles ----------------------------------------------------------------------------------
    def system_roles(self) -> list[Role]:
        return list(self._system.values())

    async def role(self, conn: Conn, account_id: str, role_id: str) -> Role:
        role = self._system.get(role_id) or await self._store.role(conn, account_id, role_id)
        if role is None:
            raise errors.NotFound(f"Role {role_id} does not exist.")
        return role

    async def create_custom_role(
        self,
        principal: Principal,
        display_name: str,
        description: str,
        role_type: RoleType,
        policy: dict[str, object],
    ) -> Role:
        await self.authorize(principal, actions.IAM_CREATE_ROLE)
        parse_policy(policy)
        now = self._clock.now()
        role = Role(
            id=new_id(),
            account_id=principal.account_id,
            name=f"custom_{principal.account_id[:8]}_{new_id()[:8]}",
            display_name=display_name,
            description=description,
            type=role_type,
            catalog="CUSTOMED",
            policy=policy,
            created_at=now,
            updated_at=now,
        )
        async with self._db.transaction() as conn:
            await self._store.add_role(conn, role)
        return role

    async def custom_roles(self, principal: Principal) -> list[Role]:
        await self.authorize(principal, actions.IAM_LIST_ROLES)
        async with self._db.read() as conn:
            return await self._store.roles(conn, principal.account_id)

    async def get_role(self, principal: Principal, role_id: str) -> Role:
        await self.authorize(principal, actions.IAM_GET_ROLE)
        async with self._db.read() as conn:
            return await self.role(conn, principal.account_id, role_id)

    async def update_custom_role(
        self,
        principal: Principal,
        role_id: str,
        display_name: str | None,
        description: str | None,
        role_type: RoleType | None,
        policy: dict[str, object] | None,
    ) -> Role:
        await self.authorize(principal, actions.IAM_UPDATE_ROLE)
        if policy is not None:
            parse_policy(policy)
        async with self._db.transaction() as conn:
            role = await self._custom(conn, principal.account_id, role_id)
            role = replace(
                role,
                display_name=display_name if display_name is not None else role.display_name,
                description=description if description is not None else role.description,
                type=role_type or role.type,
                policy=policy if policy is not None else role.policy,
                updated_at=self._clock.now(),
            )
            await self._store.update_role(conn, role)
        self.invalidate(principal.account_id)
        return role

    async def delete_custom_role(self, principal: Principal, role_id: str) -> None:
        await self.authorize(principal, actions.IAM_DELETE_ROLE)
        async with self._db.transaction() as conn:
            await self._custom(conn, principal.account_id, role_id)
            if await self._store.role_in_use(conn, role_id):
                raise errors.Conflict("The policy is still granted; revoke it before deleting it.")
            await self._store.delete_role(conn, principal.account_id, role_id)

    async def _custom(self, conn: Conn, account_id: str, role_id: str) -> Role:
        if role_id in self._system:
            raise errors.AccessDenied("System roles cannot be changed.")
        role = await self._store.role(conn, account_id, role_id)
        if role is None:
            raise errors.NotFound(f"Policy {role_id} does not exist.")
        return role

    # --- grants ---------------------------------------------------------------------------------
    async def grant(self, principal: Principal, grant: Grant, action: str) -> None:
        await self.authorize(principal, action)
        async with self._db.transaction() as conn:
            await self._check_grant_targets(conn, grant)
            await self._store.add_grant(conn, grant)
        self.invalidate(grant.account_id)

    async def revoke(self, principal: Principal, grant: Grant, action: str) -> None:
        await self.authorize(principal, action)
        async with self._db.transaction() as conn:
            await self._check_grant_targets(conn, grant)
            if not await self._store.remove_grant(conn, grant):
                raise errors.NotFound("The role is not granted there.")
        self.invalidate(grant.account_id)

    async def has_grant(self, principal: Principal, grant: Grant, action: str) -> bool:
        await self.authorize(principal, action)
        async with self._db.read() as conn:
            await self._check_grant_targets(conn, grant)
            return await self._store.has_grant(conn, grant)

    async def granted_roles(self, principal: Principal, where: Grant, action: str) -> list[Role]:
        """The roles granted to ``where``'s group or agency at ``where``'s scope (its role is ignored)."""
        await self.authorize(principal, action)
        async with self._db.read() as conn:
            await self._check_targets(conn, where)
            grants = await self._store.grants(
                conn, where.principal_type, [where.principal_id], where.scope_type, where.scope_id
            )
            return [await self.role(conn, principal.account_id, g.role_id) for g in grants]

    async def _check_grant_targets(self, conn: Conn, grant: Grant) -> None:
        await self._check_targets(conn, grant)
        await self.role(conn, grant.account_id, grant.role_id)

    async def _check_targets(self, conn: Conn, grant: Grant) -> None:
        """The grantee and the scope exist in the grant's account."""
        account = grant.account_id
        if grant.principal_type is PrincipalType.GROUP:
            missing = await self._store.group(conn, account, grant.principal_id) is None
        else:
            missing = await self._store.agency(conn, account, grant.principal_id) is None
        if missing:
            raise errors.NotFound(
                f"{grant.principal_type.value.title()} {grant.principal_id} does not exist."
            )
        if grant.scope_type is ScopeType.PROJECT:
            if await self._store.project(conn, account, grant.scope_id) is None:
                raise errors.NotFound(f"Project {grant.scope_id} does not exist.")
        elif grant.scope_id != account:
            raise errors.NotFound(f"Domain {grant.scope_id} does not exist.")


def _system_role(permission: catalog.SystemPermission) -> Role:
    return Role(
        id=permission.id,
        account_id=None,
        name=permission.name,
        display_name=permission.display_name,
        description=permission.description,
        type=RoleType(permission.type),
        catalog=permission.catalog,
        policy=permission.policy.to_dict(),
        created_at=None,
        updated_at=None,
    )
