"""Accounts, projects, users and groups: the rules.

Every account is created with a root administrator user in an ``admin`` group that
holds ``te_admin`` on the account and on every project, and a default project per
region. The operator's account (``admin``) is the only one that can create accounts.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace

from welkin.core import errors
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.core.ids import new_id
from welkin.iam import actions, catalog, keyring
from welkin.iam.models import Account, Grant, Group, Principal, PrincipalType, Project, ScopeType, User
from welkin.iam.permissions import PermissionService
from welkin.iam.store import Conn, IamStore

ADMIN_GROUP = "admin"
PROJECTS_CACHE_SECONDS = 5.0
_NAME = re.compile(r"^[A-Za-z0-9_\-. ]{1,64}$")
_ACCOUNT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{1,63}$")
_PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9\-]*(_[A-Za-z0-9\-]+)?$")


def check_password_strength(password: str) -> None:
    """Huawei's default password policy: 8-32 characters of at least two kinds."""
    kinds = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    if not 8 <= len(password) <= 32 or kinds < 2:
        raise errors.InvalidArgument(
            "The password must be 8 to 32 characters long and mix at least two of: "
            "lower case, upper case, digits, symbols."
        )


def _check_name(what: str, name: str, pattern: re.Pattern[str] = _NAME) -> None:
    if not pattern.match(name):
        raise errors.InvalidArgument(f"{what} name {name!r} is not valid.")


@dataclass(frozen=True)
class NewAccount:
    account: Account
    admin: User
    password: str
    projects: list[Project]


class IdentityService:
    def __init__(
        self, db: Database, store: IamStore, clock: Clock, permissions: PermissionService, regions: list[str]
    ) -> None:
        self._db = db
        self._store = store
        self._clock = clock
        self._permissions = permissions
        self._regions = regions
        # Every project of an account, read once per change of its IAM data (and at most
        # PROJECTS_CACHE_SECONDS old, for changes made by another process): each call to a
        # project-scoped API checks the caller's project against them.
        self._projects: dict[str, tuple[int, float, list[Project]]] = {}

    # --- accounts (operator only) ------------------------------------------------------------
    async def operator_account(self) -> Account | None:
        async with self._db.read() as conn:
            return next((a for a in await self._store.accounts(conn) if a.is_operator), None)

    async def create_account(
        self, name: str, password: str, description: str = "", operator: Principal | None = None
    ) -> NewAccount:
        """Create an account with its administrator. ``operator`` is None only at first start."""
        if operator is not None:
            await self._require_operator(operator, actions.WELKIN_CREATE_ACCOUNT)
        _check_name("Account", name, _ACCOUNT_NAME)
        check_password_strength(password)
        now = self._clock.now()
        account = Account(new_id(), name, True, operator is None, description, now)
        admin = User(
            id=new_id(),
            account_id=account.id,
            name=name,
            email="",
            phone="",
            description="Account administrator",
            enabled=True,
            is_root=True,
            access_mode="default",
            pwd_status=False,
            created_at=now,
            tokens_valid_after=now,
            last_login_at=None,
        )
        group = Group(new_id(), account.id, ADMIN_GROUP, "Account administrators", now)
        projects = [Project(new_id(), account.id, region, region, "", True, now) for region in self._regions]
        grants = [(name, ScopeType.DOMAIN) for name in ("te_admin", "secu_admin")]
        grants.append(("te_admin", ScopeType.ALL_PROJECTS))
        if account.is_operator:
            grants.append(("welkin_operator", ScopeType.DOMAIN))
        async with self._db.transaction() as conn:
            await self._store.add_account(conn, account)
            await self._store.add_user(conn, admin, keyring.hash_password(password))
            await self._store.add_group(conn, group)
            await self._store.add_member(conn, group.id, admin.id)
            for project in projects:
                await self._store.add_project(conn, project)
            for role_name, scope in grants:
                role = catalog.by_name(role_name)
                assert role is not None
                grant = Grant(account.id, PrincipalType.GROUP, group.id, role.id, scope, account.id)
                await self._store.add_grant(conn, grant)
        return NewAccount(account, admin, password, projects)

    async def accounts(self, operator: Principal) -> list[Account]:
        await self._require_operator(operator, actions.WELKIN_LIST_ACCOUNTS)
        async with self._db.read() as conn:
            return await self._store.accounts(conn)

    async def set_account_enabled(self, operator: Principal, name: str, enabled: bool) -> Account:
        await self._require_operator(operator, actions.WELKIN_UPDATE_ACCOUNT)
        async with self._db.transaction() as conn:
            account = await self._store.account_by_name(conn, name)
            if account is None:
                raise errors.NotFound(f"Account {name!r} does not exist.")
            if account.is_operator and not enabled:
                raise errors.InvalidArgument("The operator's account cannot be disabled.")
            await self._store.set_account_enabled(conn, account.id, enabled)
        self._permissions.invalidate(account.id)
        return replace(account, enabled=enabled)

    async def managed_account(self, operator: Principal, name: str, action: str) -> Account:
        """An account by name, for the operator to manage (``action``: what it will do)."""
        await self._require_operator(operator, action)
        async with self._db.read() as conn:
            account = await self._store.account_by_name(conn, name)
        if account is None:
            raise errors.NotFound(f"Account {name!r} does not exist.")
        return account

    async def _require_operator(self, principal: Principal, action: str) -> None:
        if not principal.is_operator:
            raise errors.AccessDenied("Only the operator's account manages accounts.")
        await self._permissions.authorize(principal, action)

    async def account(self, principal: Principal) -> Account:
        async with self._db.read() as conn:
            account = await self._store.account(conn, principal.account_id)
        assert account is not None
        return account

    # --- projects -----------------------------------------------------------------------------
    async def projects(
        self, principal: Principal, name: str | None = None, enabled: bool | None = None
    ) -> list[Project]:
        await self._permissions.authorize(principal, actions.IAM_LIST_PROJECTS)
        return await self.accessible_projects(principal, name, enabled)

    async def accessible_projects(
        self, principal: Principal, name: str | None = None, enabled: bool | None = None
    ) -> list[Project]:
        """The projects a caller may scope a token to: every project of its own account."""
        account_id = principal.account_id
        if name is not None or enabled is not None:
            async with self._db.read() as conn:
                return await self._store.projects(conn, account_id, name, enabled)
        generation = self._permissions.generation(account_id)  # before reading: a change meanwhile wins
        known = self._projects.get(account_id)
        fresh = known is not None and time.monotonic() - known[1] < PROJECTS_CACHE_SECONDS
        if known is not None and fresh and known[0] == generation:
            return list(known[2])
        async with self._db.read() as conn:
            projects = await self._store.projects(conn, account_id, None, None)
        if len(self._projects) > 10_000:
            self._projects.clear()
        self._projects[account_id] = (generation, time.monotonic(), projects)
        return list(projects)

    async def project(self, principal: Principal, project_id: str) -> Project:
        await self._permissions.authorize(principal, actions.IAM_GET_PROJECT)
        async with self._db.read() as conn:
            return await self._project(conn, principal.account_id, project_id)

    async def _project(self, conn: Conn, account_id: str, project_id: str) -> Project:
        project = await self._store.project(conn, account_id, project_id)
        if project is None:
            raise errors.NotFound(f"Project {project_id} does not exist.")
        return project

    async def create_project(self, principal: Principal, name: str, description: str) -> Project:
        """A sub-project, named ``{region}_{suffix}`` as Huawei requires."""
        await self._permissions.authorize(principal, actions.IAM_CREATE_PROJECT)
        region, _, suffix = name.partition("_")
        if region not in self._regions or not suffix or not _PROJECT_NAME.match(name) or len(name) > 64:
            raise errors.InvalidArgument(
                f"Project name {name!r} must be a region ({', '.join(self._regions)}), '_', and a suffix."
            )
        project = Project(new_id(), principal.account_id, name, region, description, True, self._clock.now())
        async with self._db.transaction() as conn:
            await self._store.add_project(conn, project)
        self._permissions.invalidate(principal.account_id)
        return project

    async def update_project(
        self, principal: Principal, project_id: str, name: str | None, description: str | None
    ) -> Project:
        await self._permissions.authorize(principal, actions.IAM_UPDATE_PROJECT)
        async with self._db.transaction() as conn:
            project = await self._project(conn, principal.account_id, project_id)
            if name is not None and name != project.name:
                if project.name == project.region:
                    raise errors.InvalidArgument("A region's default project cannot be renamed.")
                if not name.startswith(project.region + "_"):
                    raise errors.InvalidArgument(f"Project name must start with {project.region}_.")
                _check_name("Project", name, _PROJECT_NAME)
            project = replace(
                project,
                name=name if name is not None else project.name,
                description=description if description is not None else project.description,
            )
            await self._store.update_project(conn, project)
        self._permissions.invalidate(principal.account_id)
        return project

    # --- users --------------------------------------------------------------------------------
    async def create_user(
        self,
        principal: Principal,
        name: str,
        password: str | None,
        email: str,
        phone: str,
        description: str,
        enabled: bool,
        access_mode: str,
        pwd_status: bool,
    ) -> User:
        await self._permissions.authorize(principal, actions.IAM_CREATE_USER)
        _check_name("User", name)
        if password is not None:
            check_password_strength(password)
        if access_mode not in ("default", "programmatic", "console"):
            raise errors.InvalidArgument("access_mode must be default, programmatic or console.")
        now = self._clock.now()
        user = User(
            new_id(),
            principal.account_id,
            name,
            email,
            phone,
            description,
            enabled,
            False,
            access_mode,
            pwd_status,
            now,
            now,
            None,
        )
        async with self._db.transaction() as conn:
            await self._store.add_user(conn, user, keyring.hash_password(password) if password else None)
        return user

    async def users(self, principal: Principal, name: str | None = None) -> list[User]:
        await self._permissions.authorize(principal, actions.IAM_LIST_USERS)
        async with self._db.read() as conn:
            return await self._store.users(conn, principal.account_id, name)

    async def user(self, principal: Principal, user_id: str) -> User:
        if user_id != principal.user_id:
            await self._permissions.authorize(principal, actions.IAM_GET_USER)
        async with self._db.read() as conn:
            return await self._user(conn, principal.account_id, user_id)

    async def _user(self, conn: Conn, account_id: str, user_id: str) -> User:
        user = await self._store.user(conn, account_id, user_id)
        if user is None:
            raise errors.NotFound(f"User {user_id} does not exist.")
        return user

    async def update_user(
        self,
        principal: Principal,
        user_id: str,
        name: str | None,
        email: str | None,
        phone: str | None,
        description: str | None,
        enabled: bool | None,
        password: str | None,
        pwd_status: bool | None,
    ) -> User:
        await self._permissions.authorize(principal, actions.IAM_UPDATE_USER)
        async with self._db.transaction() as conn:
            user = await self._user(conn, principal.account_id, user_id)
            if user.is_root and (enabled is False or (name is not None and name != user.name)):
                raise errors.InvalidArgument("The account administrator cannot be renamed or disabled.")
            if name is not None:
                _check_name("User", name)
            user = replace(
                user,
                name=name if name is not None else user.name,
                email=email if email is not None else user.email,
                phone=phone if phone is not None else user.phone,
                description=description if description is not None else user.description,
                enabled=enabled if enabled is not None else user.enabled,
                pwd_status=pwd_status if pwd_status is not None else user.pwd_status,
            )
            await self._store.update_user(conn, user)
            if password is not None:
                check_password_strength(password)
                await self._store.set_password(
                    conn, user.id, keyring.hash_password(password), self._clock.now()
                )
        self._permissions.invalidate(principal.account_id)
        return user

    async def change_own_password(self, principal: Principal, user_id: str, old: str, new: str) -> None:
        if user_id != principal.user_id:
            raise errors.AccessDenied("Users change only their own password this way.")
        check_password_strength(new)
        async with self._db.transaction() as conn:
            if not keyring.check_password(old, await self._store.password_hash(conn, user_id)):
                raise errors.InvalidCredentials("The original password is wrong.")
            await self._store.set_password(conn, user_id, keyring.hash_password(new), self._clock.now())
        self._permissions.invalidate(principal.account_id)  # tokens issued before are cached as valid

    async def delete_user(self, principal: Principal, user_id: str) -> None:
        await self._permissions.authorize(principal, actions.IAM_DELETE_USER)
        async with self._db.transaction() as conn:
            user = await self._user(conn, principal.account_id, user_id)
            if user.is_root:
                raise errors.InvalidArgument("The account administrator cannot be deleted.")
            await self._store.delete_user(conn, principal.account_id, user_id)
        self._permissions.invalidate(principal.account_id)

    # --- groups -------------------------------------------------------------------------------
    async def create_group(self, principal: Principal, name: str, description: str) -> Group:
        await self._permissions.authorize(principal, actions.IAM_CREATE_GROUP)
        _check_name("Group", name)
        group = Group(new_id(), principal.account_id, name, description, self._clock.now())
        async with self._db.transaction() as conn:
            await self._store.add_group(conn, group)
        return group

    async def groups(self, principal: Principal, name: str | None = None) -> list[Group]:
        await self._permissions.authorize(principal, actions.IAM_LIST_GROUPS)
        async with self._db.read() as conn:
            return await self._store.groups(conn, principal.account_id, name)

    async def group(self, principal: Principal, group_id: str) -> Group:
        await self._permissions.authorize(principal, actions.IAM_GET_GROUP)
        async with self._db.read() as conn:
            return await self._group(conn, principal.account_id, group_id)

    async def _group(self, conn: Conn, account_id: str, group_id: str) -> Group:
        group = await self._store.group(conn, account_id, group_id)
        if group is None:
            raise errors.NotFound(f"Group {group_id} does not exist.")
        return group

    async def update_group(
        self, principal: Principal, group_id: str, name: str | None, description: str | None
    ) -> Group:
        await self._permissions.authorize(principal, actions.IAM_UPDATE_GROUP)
        async with self._db.transaction() as conn:
            group = await self._group(conn, principal.account_id, group_id)
            if name is not None and name != group.name:
                if group.name == ADMIN_GROUP:
                    raise errors.InvalidArgument("The admin group cannot be renamed.")
                _check_name("Group", name)
            group = replace(
                group,
                name=name if name is not None else group.name,
                description=description if description is not None else group.description,
            )
            await self._store.update_group(conn, group)
        return group

    async def delete_group(self, principal: Principal, group_id: str) -> None:
        await self._permissions.authorize(principal, actions.IAM_DELETE_GROUP)
        async with self._db.transaction() as conn:
            group = await self._group(conn, principal.account_id, group_id)
            if group.name == ADMIN_GROUP:
                raise errors.InvalidArgument("The admin group cannot be deleted.")
            await self._store.delete_group(conn, principal.account_id, group_id)
        self._permissions.invalidate(principal.account_id)

    async def add_member(self, principal: Principal, group_id: str, user_id: str) -> None:
        await self._permissions.authorize(principal, actions.IAM_ADD_USER_TO_GROUP)
        async with self._db.transaction() as conn:
            await self._group(conn, principal.account_id, group_id)
            await self._user(conn, principal.account_id, user_id)
            await self._store.add_member(conn, group_id, user_id)
        self._permissions.invalidate(principal.account_id)

    async def remove_member(self, principal: Principal, group_id: str, user_id: str) -> None:
        await self._permissions.authorize(principal, actions.IAM_REMOVE_USER_FROM_GROUP)
        async with self._db.transaction() as conn:
            group = await self._group(conn, principal.account_id, group_id)
            user = await self._user(conn, principal.account_id, user_id)
            if group.name == ADMIN_GROUP and user.is_root:
                raise errors.InvalidArgument("The account administrator stays in the admin group.")
            if not await self._store.remove_member(conn, group_id, user_id):
                raise errors.NotFound("The user is not in that group.")
        self._permissions.invalidate(principal.account_id)

    async def is_member(self, principal: Principal, group_id: str, user_id: str) -> bool:
        await self._permissions.authorize(principal, actions.IAM_CHECK_USER_IN_GROUP)
        async with self._db.read() as conn:
            await self._group(conn, principal.account_id, group_id)
            await self._user(conn, principal.account_id, user_id)
            return await self._store.is_member(conn, group_id, user_id)

    async def members(self, principal: Principal, group_id: str) -> list[User]:
        await self._permissions.authorize(principal, actions.IAM_LIST_USERS_FOR_GROUP)
        async with self._db.read() as conn:
            await self._group(conn, principal.account_id, group_id)
            return await self._store.members(conn, group_id)

    async def groups_of(self, principal: Principal, user_id: str) -> list[Group]:
        if user_id != principal.user_id:
            await self._permissions.authorize(principal, actions.IAM_LIST_GROUPS_FOR_USER)
        async with self._db.read() as conn:
            await self._user(conn, principal.account_id, user_id)
            return await self._store.groups_of(conn, user_id)
