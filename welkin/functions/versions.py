"""Published versions and aliases of a function.

Publishing snapshots ``latest`` (code and configuration) under a name: the one the
caller gives, else the next number (1, 2, ...). A function keeps at most
``rules.MAX_VERSIONS`` versions. An alias names a version (or ``latest``) and may
send a percentage of calls to one other version.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection as Conn

from welkin.billing.quotas import Quota
from welkin.core import errors
from welkin.functions import rules, store
from welkin.functions.errors import AliasNotFound, VersionNotFound
from welkin.functions.models import LATEST, Alias, Function, FunctionVersion
from welkin.functions.service import FunctionRegistry, Scope
from welkin.functions.urns import FunctionRef
from welkin.iam import actions


@dataclass(frozen=True)
class AliasChanges:
    version: str | None
    description: str | None
    weights: dict[str, int] | None


class VersionService:
    def __init__(self, registry: FunctionRegistry) -> None:
        self._registry = registry
        self._db = registry.db
        self._clock = registry.clock

    async def _authorized(self, scope: Scope, action: str, ref: FunctionRef) -> None:
        await self._registry.authorize(scope, action, ref.package, ref.name)

    def _function(self, conn: Conn, scope: Scope, ref: FunctionRef) -> Function:
        return self._registry.function_in(conn, scope.project.id, ref)

    def _locked(self, conn: Conn, scope: Scope, ref: FunctionRef) -> Function:
        return self._registry.locked_function_in(conn, scope.project.id, ref)

    # --- versions ----------------------------------------------------------------------------
    async def publish(
        self, scope: Scope, ref: FunctionRef, name: str | None, description: str, digest: str | None
    ) -> tuple[Function, FunctionVersion]:
        await self._authorized(scope, actions.FGS_CREATE_VERSION, ref)
        if name is not None:
            rules.version_name(name)

        def publish(conn: Conn) -> tuple[Function, FunctionVersion]:
            fn = self._locked(conn, scope, ref)
            code = fn.config.code
            if digest and digest not in (code.sha512, code.sha256):
                raise errors.InvalidArgument(
                    "digest does not match the code of latest; it changed since you read it."
                )
            if store.count_versions(conn, fn.id) >= rules.MAX_VERSIONS:
                raise errors.QuotaExceeded(
                    f"A function may have at most {rules.MAX_VERSIONS} versions; delete one first."
                )
            # A version holds its own copy of latest's code, as far as the quota counts.
            self._registry.quotas.enforce_in(conn, fn.account_id, Quota.CODE_BYTES, code.size)
            seq = store.take_version_number(conn, fn.id)
            chosen = name or str(seq)
            while name is None and store.version(conn, fn.id, chosen) is not None:
                seq = store.take_version_number(conn, fn.id)
                chosen = str(seq)
            if store.version(conn, fn.id, chosen) is not None:
                raise errors.AlreadyExists(f"Function {fn.name} already has a version {chosen}.")
            version = FunctionVersion(fn.id, chosen, seq, description, fn.config, self._clock.now())
            store.insert_version(conn, version)
            return fn, version

        return await self._registry.write(publish)

    async def versions(self, scope: Scope, ref: FunctionRef) -> tuple[Function, list[FunctionVersion]]:
        await self._authorized(scope, actions.FGS_LIST_VERSIONS, ref)

        def read(conn: Conn) -> tuple[Function, list[FunctionVersion]]:
            fn = self._function(conn, scope, ref)
            return fn, store.versions(conn, fn.id)

        return await self._db.run_read(read)

    # --- aliases -----------------------------------------------------------------------------
    def _check_target(self, conn: Conn, fn: Function, version: str) -> None:
        if version != LATEST and store.version(conn, fn.id, version) is None:
            raise VersionNotFound(f"Function {fn.name} has no version {version}.")

    async def create_alias(
        self,
        scope: Scope,
        ref: FunctionRef,
        name: str,
        version: str,
        description: str,
        weights: dict[str, int],
    ) -> tuple[Function, Alias]:
        await self._authorized(scope, actions.FGS_CREATE_ALIAS, ref)
        rules.alias_name(name)
        split = rules.weights(weights, version)

        def create(conn: Conn) -> tuple[Function, Alias]:
            fn = self._locked(conn, scope, ref)
            if store.alias(conn, fn.id, name) is not None:
                raise errors.AlreadyExists(f"Function {fn.name} already has an alias {name}.")
            for target in (version, *weights):
                self._check_target(conn, fn, target)
            alias = Alias(fn.id, name, version, description, split, self._clock.now())
            store.put_alias(conn, alias, new=True)
            return fn, alias

        return await self._registry.write(create)

    async def aliases(self, scope: Scope, ref: FunctionRef) -> tuple[Function, list[Alias]]:
        await self._authorized(scope, actions.FGS_LIST_ALIASES, ref)

        def read(conn: Conn) -> tuple[Function, list[Alias]]:
            fn = self._function(conn, scope, ref)
            return fn, store.aliases(conn, fn.id)

        return await self._db.run_read(read)

    async def alias(self, scope: Scope, ref: FunctionRef, name: str) -> tuple[Function, Alias]:
        await self._authorized(scope, actions.FGS_GET_ALIAS, ref)
        return await self._db.run_read(lambda conn: self._alias(conn, self._function(conn, scope, ref), name))

    def _alias(self, conn: Conn, fn: Function, name: str) -> tuple[Function, Alias]:
        found = store.alias(conn, fn.id, name)
        if found is None:
            raise AliasNotFound(f"Function {fn.name} has no alias {name}.")
        return fn, found

    async def update_alias(
        self, scope: Scope, ref: FunctionRef, name: str, changes: AliasChanges
    ) -> tuple[Function, Alias]:
        await self._authorized(scope, actions.FGS_UPDATE_ALIAS, ref)

        def update(conn: Conn) -> tuple[Function, Alias]:
            fn, alias = self._alias(conn, self._locked(conn, scope, ref), name)
            version = changes.version or alias.version
            weights = dict(alias.weights) if changes.weights is None else changes.weights
            split = rules.weights(weights, version)
            for target in (version, *weights):
                self._check_target(conn, fn, target)
            description = alias.description if changes.description is None else changes.description
            updated = Alias(fn.id, name, version, description, split, self._clock.now())
            store.put_alias(conn, updated, new=False)
            return fn, updated

        return await self._registry.write(update)

    async def delete_alias(self, scope: Scope, ref: FunctionRef, name: str) -> None:
        await self._authorized(scope, actions.FGS_DELETE_ALIAS, ref)

        def delete(conn: Conn) -> None:
            fn, _alias = self._alias(conn, self._locked(conn, scope, ref), name)
            store.delete_alias(conn, fn.id, name)

        await self._registry.write(delete)
