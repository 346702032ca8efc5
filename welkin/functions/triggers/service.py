"""Trigger management under IAM's FunctionGraph trigger actions.

A trigger belongs to a function (and the qualifier of the URN it was made on, which
picks the version or alias it invokes); it is deleted with the function. Every call
is authorized on the function's resource before anything is looked up, as the
registry does, so a function one may not see and one that does not exist look alike.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime

from sqlalchemy.engine import Connection as Conn

from welkin.core import errors
from welkin.core.body import Body
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.functions.errors import FunctionNotFound
from welkin.functions.models import LATEST
from welkin.functions.service import FunctionRegistry, Scope
from welkin.functions.triggers import event_data, schedule, store
from welkin.functions.triggers.bucket_link import BucketLink
from welkin.functions.triggers.models import Trigger, TriggerStatus, TriggerType
from welkin.functions.triggers.routes import HTTP_TYPES, HttpRoutes
from welkin.functions.urns import FunctionRef, function_urn
from welkin.iam import actions

log = logging.getLogger(__name__)
MAX_TRIGGERS_PER_FUNCTION = 100


class TriggerNotFound(errors.NotFound):
    """A trigger id that the function does not have."""


def trigger_type(code: str) -> TriggerType:
    try:
        return TriggerType(code)
    except ValueError:
        offered = ", ".join(t.value for t in TriggerType)
        raise errors.InvalidArgument(
            f"trigger_type_code {code!r} is not offered; Welkin has {offered}."
        ) from None


def first_tick(trigger: Trigger, now: datetime) -> datetime | None:
    if trigger.type is not TriggerType.TIMER or not trigger.active:
        return None
    data = trigger.event_data
    return schedule.parse(data["schedule_type"], data["schedule"]).next_after(now)


class TriggerService:
    def __init__(
        self, db: Database, clock: Clock, registry: FunctionRegistry, buckets: BucketLink, routes: HttpRoutes
    ) -> None:
        self._db = db
        self._clock = clock
        self._registry = registry
        self._buckets = buckets
        self._routes = routes

    async def _authorize(self, scope: Scope, action: str, ref: FunctionRef) -> None:
        await self._registry.authorize(scope, action, ref.package, ref.name)

    async def of_function(self, project_id: str, ref: FunctionRef) -> list[Trigger]:
        """The function's triggers, none when there is no such function. No authorization: for
        DeleteFunction, which has checked its own before it asks."""

        def read(conn: Conn) -> list[Trigger]:
            return store.of_function(conn, self._registry.function_in(conn, project_id, ref).id)

        try:
            return await self._db.run_read(read)
        except FunctionNotFound:
            return []

    async def forget(self, project_id: str, dropped: list[Trigger]) -> None:
        """Triggers whose rows are gone (deleted, or with their function): their HTTP routes
        and the entries OBS triggers keep in their buckets go too. A bucket that cannot be
        changed now keeps an entry that invokes nothing; that is logged, not raised, as the
        triggers are gone already."""
        self._routes.forget(project_id)
        for gone in dropped:
            if gone.type is TriggerType.OBS:
                try:
                    await self._buckets.detach(gone)
                except Exception:
                    log.exception("removing the bucket entry of deleted OBS trigger %s failed", gone.id)

    async def create(
        self, scope: Scope, ref: FunctionRef, kind: TriggerType, status: TriggerStatus, data: Body
    ) -> Trigger:
        await self._authorize(scope, actions.FGS_CREATE_TRIGGER, ref)
        now = self._clock.now()
        validated = event_data.validate(kind, data, ref.name, now)

        def insert(conn: Conn) -> Trigger:
            target = self._registry.target_in(conn, scope.project.id, ref)  # the qualifier must exist
            if len(store.of_function(conn, target.function.id)) >= MAX_TRIGGERS_PER_FUNCTION:
                raise errors.QuotaExceeded(f"A function has at most {MAX_TRIGGERS_PER_FUNCTION} triggers.")
            qualifier = None if ref.qualifier in (None, LATEST) else ref.qualifier
            fn = target.function
            made = Trigger(
                str(uuid.uuid4()), fn.id, fn.account_id, fn.project_id, fn.package, fn.name,
                qualifier, kind, status, validated, now, now,
            )  # fmt: skip
            made = replace(made, next_fire_at=first_tick(made, now))
            if kind.is_http:
                _no_route_clash(store.of_kind(conn, HTTP_TYPES, fn.project_id), made)
            store.insert_trigger(conn, made)
            return made

        made = await self._db.run_write(insert)
        self._routes.forget(made.project_id)
        if kind is TriggerType.OBS:
            try:
                urn = function_urn(self._registry.region, made.project_id, made.package, made.function_name)
                await self._buckets.attach(scope.principal, made, urn)
            except Exception:
                await self._db.run_write(lambda conn: store.delete_trigger(conn, made.id))
                raise
        return made

    async def list(self, scope: Scope, ref: FunctionRef) -> list[Trigger]:
        await self._authorize(scope, actions.FGS_LIST_TRIGGERS, ref)

        def read(conn: Conn) -> list[Trigger]:
            return store.of_function(conn, self._registry.function_in(conn, scope.project.id, ref).id)

        return await self._db.run_read(read)

    async def show(self, scope: Scope, ref: FunctionRef, kind: TriggerType, trigger_id: str) -> Trigger:
        await self._authorize(scope, actions.FGS_GET_TRIGGER, ref)
        return await self._db.run_read(lambda conn: self._found(conn, scope, ref, kind, trigger_id))

    async def set_status(
        self, scope: Scope, ref: FunctionRef, kind: TriggerType, trigger_id: str, status: TriggerStatus
    ) -> Trigger:
        await self._authorize(scope, actions.FGS_UPDATE_TRIGGER, ref)
        now = self._clock.now()

        def change(conn: Conn) -> Trigger:
            found = self._found(conn, scope, ref, kind, trigger_id)
            if found.status is status:
                return found
            # Enabling a timer starts its schedule afresh: ticks missed while disabled are not run.
            changed = replace(found, status=status, updated_at=now)
            changed = replace(changed, next_fire_at=first_tick(changed, now))
            store.set_status(conn, found.id, status, now, changed.next_fire_at)
            return changed

        changed = await self._db.run_write(change)
        self._routes.forget(changed.project_id)
        return changed

    async def delete(self, scope: Scope, ref: FunctionRef, kind: TriggerType, trigger_id: str) -> None:
        await self._authorize(scope, actions.FGS_DELETE_TRIGGER, ref)

        def drop(conn: Conn) -> Trigger:
            found = self._found(conn, scope, ref, kind, trigger_id)
            store.delete_trigger(conn, found.id)
            return found

        gone = await self._db.run_write(drop)
        self._routes.forget(gone.project_id)
        if gone.type is TriggerType.OBS:
            await self._buckets.detach(gone)

    async def delete_all(self, scope: Scope, ref: FunctionRef) -> None:
        await self._authorize(scope, actions.FGS_DELETE_TRIGGER, ref)

        def drop(conn: Conn) -> list[Trigger]:
            found = store.of_function(conn, self._registry.function_in(conn, scope.project.id, ref).id)
            for trigger in found:
                store.delete_trigger(conn, trigger.id)
            return found

        await self.forget(scope.project.id, await self._db.run_write(drop))

    def _found(
        self, conn: Conn, scope: Scope, ref: FunctionRef, kind: TriggerType, trigger_id: str
    ) -> Trigger:
        fn = self._registry.function_in(conn, scope.project.id, ref)
        found = store.trigger(conn, trigger_id)
        if found is None or found.function_id != fn.id or found.type is not kind:
            raise TriggerNotFound(f"Function {fn.name} has no {kind.value} trigger {trigger_id}.")
        return found


def _no_route_clash(existing: list[Trigger], made: Trigger) -> None:
    path, method = made.event_data["path"], made.event_data["req_method"]
    for other in existing:
        same_method = (
            "ANY" in (method, other.event_data["req_method"]) or method == other.event_data["req_method"]
        )
        if other.event_data["path"] == path and same_method:
            raise errors.Conflict(
                f"An HTTP trigger of {other.function_name} already serves {method} {path} in this project."
            )
