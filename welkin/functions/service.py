"""The function registry: functions and their code, under IAM's FunctionGraph actions.

Every call names a ``Scope`` (who, in which project); the edge has already made
sure the project is the caller's. Authorization is checked on the function's
resource before it is looked up, so a function the caller may not see and one that
does not exist look alike. A reference (``FunctionRef``) names ``latest``, a
published version or an alias; ``resolve`` turns one into a ``FunctionVersionSpec``,
choosing between an alias's two versions by weight.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from sqlalchemy.engine import Connection as Conn
from sqlalchemy.exc import IntegrityError

from welkin.billing.quotas import AccountQuotas, Quota, QuotaDefaults, QuotaStatus
from welkin.core import errors
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.core.ids import new_id
from welkin.functions import rules, store
from welkin.functions.code import CodeStore
from welkin.functions.configuration import ConfigChanges, Configuration
from welkin.functions.deps import DependencyInstaller
from welkin.functions.errors import AliasNotFound, FunctionExists, FunctionNotFound, InUse, VersionNotFound
from welkin.functions.models import (
    LATEST,
    Alias,
    CodeType,
    Function,
    FunctionConfig,
    FunctionVersionSpec,
)
from welkin.functions.resolved import Resolution, ResolvedCache
from welkin.functions.runtimes import RuntimeCatalog
from welkin.functions.sources import CodeInput, CodeSources
from welkin.functions.urns import FunctionRef, function_urn, version_urn
from welkin.iam import actions
from welkin.iam.keyring import Keyring
from welkin.iam.models import Principal, Project
from welkin.iam.permissions import PermissionService

_Change = Callable[[FunctionConfig], FunctionConfig]
_Check = Callable[[Conn, Function], None]
_T = TypeVar("_T")


@dataclass(frozen=True)
class Scope:
    principal: Principal
    project: Project


@dataclass(frozen=True)
class Target:
    """What a reference resolved to: the function, the version chosen, its configuration."""

    function: Function
    version: str
    config: FunctionConfig
    alias: Alias | None


class FunctionRegistry:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        region: str,
        permissions: PermissionService,
        keyring: Keyring,
        code: CodeStore,
        sources: CodeSources,
        runtimes: RuntimeCatalog,
        deps: DependencyInstaller,
        rng: random.Random | None = None,
        quotas: AccountQuotas | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.region = region
        self.code = code
        self.sources = sources
        self.runtimes = runtimes
        self.deps = deps
        self.configuration = Configuration(runtimes, keyring, clock)
        self._permissions = permissions
        self._rng = rng or random.SystemRandom()
        self._resolved = ResolvedCache(clock)
        self.quotas = quotas or AccountQuotas(db, clock, QuotaDefaults())
        self.quotas.count_with(Quota.FUNCTIONS, store.count_account_functions)
        self.quotas.count_with(Quota.CODE_BYTES, store.account_code_bytes)

    # --- authorization and lookup ---------------------------------------------------------
    def resource(self, project_id: str, package: str, name: str) -> str:
        return f"functiongraph:{self.region}:{project_id}:function:{package}/{name}"

    async def authorize(self, scope: Scope, action: str, package: str | None = None, name: str = "*") -> None:
        resource = self.resource(scope.project.id, package, name) if package is not None else None
        await self._permissions.authorize(scope.principal, action, resource)

    def function_in(self, conn: Conn, project_id: str, ref: FunctionRef) -> Function:
        return _found(ref, store.function(conn, project_id, ref.package, ref.name))

    def locked_function_in(self, conn: Conn, project_id: str, ref: FunctionRef) -> Function:
        """The function, locked against other writers until the transaction ends."""
        return _found(ref, store.locked_function(conn, project_id, ref.package, ref.name))

    def target_in(self, conn: Conn, project_id: str, ref: FunctionRef) -> Target:
        """``latest``, a version or an alias (an alias's weights are not applied here)."""
        fn = self.function_in(conn, project_id, ref)
        if ref.is_head:
            return Target(fn, LATEST, fn.config, None)
        qualifier = ref.qualifier or ""
        if not ref.is_alias:
            version = store.version(conn, fn.id, qualifier)
            if version is not None:
                return Target(fn, version.name, version.config, None)
        alias = store.alias(conn, fn.id, qualifier.removeprefix("!"))
        if alias is None:
            if ref.is_alias:
                raise AliasNotFound(f"Function {fn.name} has no alias {qualifier[1:]}.")
            raise VersionNotFound(f"Function {fn.name} has no version or alias {qualifier}.")
        return self._alias_target(conn, fn, alias, alias.version)

    def _alias_target(self, conn: Conn, fn: Function, alias: Alias, version: str) -> Target:
        if version == LATEST:
            return Target(fn, LATEST, fn.config, alias)
        found = store.version(conn, fn.id, version)
        if found is None:
            raise VersionNotFound(f"Alias {alias.name} points to version {version}, which is gone.")
        return Target(fn, found.name, found.config, alias)

    async def write(self, change: Callable[[Conn], _T]) -> _T:
        """Run ``change`` in a write transaction; what references resolve to is then read afresh."""
        try:
            return await self.db.run_write(change)
        finally:
            self._resolved.forget()

    # --- functions ---------------------------------------------------------------------------
    async def create(
        self, scope: Scope, package: str, name: str, changes: ConfigChanges, code: CodeInput
    ) -> Function:
        rules.package(package)
        rules.function_name(name)
        await self.authorize(scope, actions.FGS_CREATE_FUNCTION, package, name)
        for field in ("runtime", "handler", "memory_size", "timeout"):
            if getattr(changes, field) is None:
                raise errors.InvalidArgument(f"{field} is required.")
        config = self.configuration.apply(None, changes)
        account_id = scope.project.account_id
        await self._check_quotas(account_id, 0)
        received = await self.sources.receive(scope.principal, code, config.handler, CodeType.INLINE)
        # Checked again, to the byte, where the function is inserted; checking first keeps a
        # refused package from being stored and its dependencies installed.
        await self._check_quotas(account_id, len(received.package))
        revision = await self.code.add(received.package)
        await self.deps.ensure(self.code.code_dir(revision.sha256), revision.sha256, config.runtime)
        now = self.clock.now()
        config = replace(
            config,
            code_type=received.code_type,
            code_url=received.code_url,
            code_filename=received.code_filename,
            code=revision,
            last_modified=now,
        )
        fn = Function(new_id(), scope.project.account_id, scope.project.id, package, name, now, config)

        def insert(conn: Conn) -> None:
            if store.function(conn, fn.project_id, package, name) is not None:
                raise FunctionExists(f"Function {package}/{name} already exists.")
            self._enforce_quotas(conn, account_id, revision.size)
            store.insert_function(conn, fn)

        try:
            await self.write(insert)
        except IntegrityError:
            raise FunctionExists(f"Function {package}/{name} already exists.") from None
        await self._remember_head(fn)
        return fn

    async def functions(
        self, scope: Scope, package: str | None, name: str | None, offset: int, limit: int
    ) -> tuple[list[Function], int]:
        await self.authorize(scope, actions.FGS_LIST_FUNCTIONS)
        project_id = scope.project.id

        def page(conn: Conn) -> tuple[list[Function], int]:
            return store.functions(conn, project_id, package, name, offset, limit)

        return await self.db.run_read(page)

    async def show(self, scope: Scope, ref: FunctionRef, action: str = actions.FGS_GET_CONFIG) -> Target:
        await self.authorize(scope, action, ref.package, ref.name)
        return await self.db.run_read(lambda conn: self.target_in(conn, scope.project.id, ref))

    async def show_code(self, scope: Scope, ref: FunctionRef) -> tuple[Target, bytes]:
        target = await self.show(scope, ref, actions.FGS_GET_CODE)
        return target, await self.code.read(target.config.code.sha256)

    async def update_code(self, scope: Scope, ref: FunctionRef, code: CodeInput) -> Function:
        await self.authorize(scope, actions.FGS_UPDATE_CODE, ref.package, ref.name)
        _head_only(ref)
        current = await self.db.run_read(lambda conn: self.function_in(conn, scope.project.id, ref))
        received = await self.sources.receive(
            scope.principal, code, current.config.handler, current.config.code_type
        )
        growth = len(received.package) - current.config.code.size
        if growth > 0:
            await self.db.run_read(
                lambda conn: self.quotas.enforce_in(conn, current.account_id, Quota.CODE_BYTES, growth)
            )
        revision = await self.code.add(received.package)
        await self.deps.ensure(self.code.code_dir(revision.sha256), revision.sha256, current.config.runtime)

        def change(config: FunctionConfig) -> FunctionConfig:
            return replace(
                config,
                code_type=received.code_type,
                code_url=received.code_url,
                code_filename=received.code_filename,
                code=revision,
                last_modified=self.clock.now(),
            )

        def check(conn: Conn, fn: Function) -> None:
            # The head's old code is no longer held by it: only growth counts.
            adding = revision.size - fn.config.code.size
            if adding > 0:
                self.quotas.enforce_in(conn, fn.account_id, Quota.CODE_BYTES, adding)

        return await self._update(scope, ref, change, check)

    async def update_config(self, scope: Scope, ref: FunctionRef, changes: ConfigChanges) -> Function:
        await self.authorize(scope, actions.FGS_UPDATE_CONFIG, ref.package, ref.name)
        _head_only(ref)
        if changes.runtime is not None:
            # A new runtime needs its own dependency layer; install it before switching.
            self.runtimes.check(changes.runtime)
            current = await self.db.run_read(lambda conn: self.function_in(conn, scope.project.id, ref))
            sha256 = current.config.code.sha256
            await self.deps.ensure(self.code.code_dir(sha256), sha256, changes.runtime)
        return await self._update(scope, ref, lambda config: self.configuration.apply(config, changes))

    async def _update(
        self, scope: Scope, ref: FunctionRef, change: _Change, check: _Check | None = None
    ) -> Function:
        def update(conn: Conn) -> Function:
            fn = self.locked_function_in(conn, scope.project.id, ref)
            if check is not None:
                check(conn, fn)
            config = change(fn.config)
            store.set_config(conn, fn.id, config)
            return replace(fn, config=config)

        fn = await self.write(update)
        await self._remember_head(fn)
        return fn

    async def delete(self, scope: Scope, ref: FunctionRef) -> None:
        """The whole function (unqualified ``ref``, with its versions and aliases), or one version."""
        await self.authorize(scope, actions.FGS_DELETE_FUNCTION, ref.package, ref.name)
        if ref.is_alias:
            raise errors.InvalidArgument("Delete an alias with DeleteVersionAlias, not DeleteFunction.")
        if ref.qualifier == LATEST:
            # As FunctionGraph: latest is never deleted alone, and the whole function is
            # named without a qualifier, so a stray ":latest" cannot delete everything.
            raise errors.InvalidArgument(
                "latest cannot be deleted; to delete the whole function, give its URN without :latest."
            )

        def delete(conn: Conn) -> None:
            fn = self.locked_function_in(conn, scope.project.id, ref)
            if ref.is_head:
                store.delete_function(conn, fn.id)
                return
            name = ref.qualifier or ""
            if store.version(conn, fn.id, name) is None:
                raise VersionNotFound(f"Function {fn.name} has no version {name}.")
            users = [a.name for a in store.aliases(conn, fn.id) if name in (a.version, *dict(a.weights))]
            if users:
                raise InUse(f"Version {name} is used by alias(es) {', '.join(users)}: change those first.")
            store.delete_version(conn, fn.id, name)

        await self.write(delete)

    async def quota_statuses(self, scope: Scope) -> list[QuotaStatus]:
        """The account's quotas and usage: FunctionGraph's quotas are the account's, not a project's."""
        await self.authorize(scope, actions.FGS_LIST_QUOTAS)
        return await self.quotas.statuses(scope.project.account_id)

    async def _check_quotas(self, account_id: str, code_bytes: int) -> None:
        await self.db.run_read(lambda conn: self._enforce_quotas(conn, account_id, code_bytes))

    def _enforce_quotas(self, conn: Conn, account_id: str, code_bytes: int) -> None:
        """A new function, holding ``code_bytes`` of code, fits the account's quotas."""
        self.quotas.enforce_in(conn, account_id, Quota.FUNCTIONS, 1)
        self.quotas.enforce_in(conn, account_id, Quota.CODE_BYTES, code_bytes)

    async def collect_unused_code(self) -> int:
        """At start-up, before any request: drop code (and layers) no function or version uses.

        A crash between storing a package and committing its function, or deleting a
        function, leaves its code behind; this is where it goes. Returns revisions dropped.
        """
        in_use = await self.db.run_read(store.code_in_use)

        def sweep() -> int:
            unused = self.code.stored() - in_use
            for sha256 in unused:
                self.code.remove(sha256)
            self.deps.remove_unused(in_use)
            return len(unused)

        return await asyncio.to_thread(sweep)

    # --- what an instance needs ----------------------------------------------------------------
    async def resolve(self, project_id: str, ref: FunctionRef) -> FunctionVersionSpec:
        """The spec of the version ``ref`` names; an alias picks one of its versions by weight.

        No authorization here: the invoker checks ``functiongraph:function:invoke`` first.
        A warm reference is answered from memory (see ``resolved.py``).
        """
        resolution = self._resolved.get(project_id, ref)
        if resolution is None:
            generation = self._resolved.generation
            resolution = await self._resolution(project_id, ref)
            self._resolved.put(project_id, ref, resolution, generation)
        return resolution.pick(self._rng)

    async def _resolution(self, project_id: str, ref: FunctionRef) -> Resolution:
        def find(conn: Conn) -> tuple[Target, Target | None, int]:
            target = self.target_in(conn, project_id, ref)
            if target.alias is not None and target.alias.weights:
                version, percent = target.alias.weights[0]
                return target, self._alias_target(conn, target.function, target.alias, version), percent
            return target, None, 0

        target, other, percent = await self.db.run_read(find)
        spec = await self._spec(target)
        return Resolution(spec, await self._spec(other) if other is not None else None, percent)

    async def _remember_head(self, fn: Function) -> None:
        """A function just written resolves from what was written: deploying and then
        invoking, the first call reads no database."""
        generation = self._resolved.generation
        resolution = Resolution(await self._spec(Target(fn, LATEST, fn.config, None)))
        for qualifier in (None, LATEST):
            ref = FunctionRef(fn.package, fn.name, qualifier)
            self._resolved.put(fn.project_id, ref, resolution, generation)

    async def _spec(self, target: Target) -> FunctionVersionSpec:
        sha256, runtime = target.config.code.sha256, target.config.runtime
        layer = await self.deps.ensure(self.code.code_dir(sha256), sha256, runtime)
        return self.spec_of(target, layer)

    def spec_of(self, target: Target, dependencies: Path | None) -> FunctionVersionSpec:
        fn, config = target.function, target.config
        environment = {
            **rules.environment(config.user_data, "user_data"),
            **self.configuration.secrets(config),
        }
        return FunctionVersionSpec(
            function_urn=version_urn(self.region, fn.project_id, fn.package, fn.name, target.version),
            account_id=fn.account_id,
            project_id=fn.project_id,
            package=fn.package,
            function_name=fn.name,
            version=target.version,
            alias=target.alias.name if target.alias is not None else None,
            runtime=config.runtime,
            interpreter=self.runtimes.interpreter(config.runtime),
            code_dir=self.code.code_dir(config.code.sha256),
            code_sha256=config.code.sha256,
            dependencies_dir=dependencies,
            handler=config.handler,
            initializer_handler=config.initializer_handler or None,
            initializer_timeout=config.initializer_timeout,
            memory_size=config.memory_size,
            timeout=config.timeout,
            environment=MappingProxyType(environment),
            max_instance_num=config.max_instance_num,
            concurrent_num=config.concurrent_num,
            network=not config.disable_public_network,
            agency=config.app_xrole or config.xrole,
            last_modified=config.last_modified,
        )

    def urn(self, fn: Function) -> str:
        return function_urn(self.region, fn.project_id, fn.package, fn.name)


def _found(ref: FunctionRef, found: Function | None) -> Function:
    if found is None:
        raise FunctionNotFound(f"Function {ref.package}/{ref.name} does not exist in this project.")
    return found


def _head_only(ref: FunctionRef) -> None:
    if not ref.is_head:
        raise errors.InvalidArgument("Published versions and aliases cannot change; update latest instead.")
