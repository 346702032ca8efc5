"""DeleteFunction and DeleteVersionAlias, with what hangs off a function outside its own rows.

The registry deletes the function with its versions and aliases, and the database takes its
triggers and reservations along (ON DELETE CASCADE). Two things live elsewhere and are
removed here after it: the entries its OBS triggers keep in their buckets' notification
configurations, and its instances in the pool (reserved or not: they end at once rather than
after the keep-alive). Deleting one version drops that version's reservation and instances;
deleting an alias, the alias's reservation.
"""

from __future__ import annotations

from welkin.functions.pool import FunctionPool
from welkin.functions.reserved import ReservedInstances
from welkin.functions.service import FunctionRegistry, Scope
from welkin.functions.triggers.service import TriggerService
from welkin.functions.urns import FunctionRef, function_urn
from welkin.functions.versions import VersionService
from welkin.iam import actions


class FunctionRemoval:
    def __init__(
        self,
        registry: FunctionRegistry,
        versions: VersionService,
        triggers: TriggerService,
        reserved: ReservedInstances,
        pool: FunctionPool,
    ) -> None:
        self._registry = registry
        self._versions = versions
        self._triggers = triggers
        self._reserved = reserved
        self._pool = pool

    async def delete(self, scope: Scope, ref: FunctionRef) -> None:
        if not ref.is_head:
            await self._registry.delete(scope, ref)  # one version (or a refusal)
            await self._reserved.drop(scope.project.id, ref)
            self._pool.retire(self._urn(scope, ref), ref.qualifier)
            return
        # Asked before the delete, which takes the rows; authorized first, so that a function
        # the caller may not see and one that does not exist still look alike.
        await self._registry.authorize(scope, actions.FGS_DELETE_FUNCTION, ref.package, ref.name)
        triggers = await self._triggers.of_function(scope.project.id, ref)
        await self._registry.delete(scope, ref)
        await self._triggers.forget(scope.project.id, triggers)
        self._reserved.changed()
        self._pool.retire(self._urn(scope, ref))

    async def delete_alias(self, scope: Scope, ref: FunctionRef, name: str) -> None:
        await self._versions.delete_alias(scope, ref, name)
        await self._reserved.drop(scope.project.id, FunctionRef(ref.package, ref.name, f"!{name}"))

    def _urn(self, scope: Scope, ref: FunctionRef) -> str:
        return function_urn(self._registry.region, scope.project.id, ref.package, ref.name)
