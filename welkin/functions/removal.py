"""DeleteFunction, with what hangs off a function outside its own rows.

The registry deletes the function with its versions and aliases, and the database takes its
triggers and reservations along (ON DELETE CASCADE). Two things live elsewhere and are
removed here after it: the entries its OBS triggers keep in their buckets' notification
configurations, and the instances the pool keeps started for its reservations. Deleting one
version drops that version's reservation.
"""

from __future__ import annotations

from welkin.functions.reserved import ReservedInstances
from welkin.functions.service import FunctionRegistry, Scope
from welkin.functions.triggers.service import TriggerService
from welkin.functions.urns import FunctionRef
from welkin.iam import actions


class FunctionRemoval:
    def __init__(
        self, registry: FunctionRegistry, triggers: TriggerService, reserved: ReservedInstances
    ) -> None:
        self._registry = registry
        self._triggers = triggers
        self._reserved = reserved

    async def delete(self, scope: Scope, ref: FunctionRef) -> None:
        if not ref.is_head:
            await self._registry.delete(scope, ref)  # one version (or a refusal)
            await self._reserved.drop(scope.project.id, ref)
            return
        # Asked before the delete, which takes the rows; authorized first, so that a function
        # the caller may not see and one that does not exist still look alike.
        await self._registry.authorize(scope, actions.FGS_DELETE_FUNCTION, ref.package, ref.name)
        triggers = await self._triggers.of_function(scope.project.id, ref)
        await self._registry.delete(scope, ref)
        await self._triggers.forget(scope.project.id, triggers)
        self._reserved.changed()
