"""Reserved instances: how many instances of a function FunctionGraph keeps started for it.

    reserved = ReservedInstances(db, clock, registry, invoker, ReservedSettings(region_limit=400))
    await reserved.set_count(scope, ref, 2, idle_mode=False)   # latest, a version or an alias
    await reserved.start()   # a pass now (what was reserved before a restart), then one every pass_s

A reservation is a row of the metadata store; the pool holds the instances. Each pass maps
every reservation onto the instance spec of the version it names *now* (an alias: the version
it points to; a weighted second version gets none) and tells the pool to keep that many
started, so a version whose code or configuration changed gets fresh instances within a pass,
and an alias that moves takes its reservation along. Two reservations that land on one version
add up. A reservation of a function that is disabled (``max_instance_num`` 0) or whose version
or alias is gone keeps nothing started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from sqlalchemy.engine import Connection as Conn

from welkin.core import errors
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.functions import reserved_store as store
from welkin.functions.invoker import Invoker
from welkin.functions.models import LATEST
from welkin.functions.reserved_store import Reservation
from welkin.functions.service import FunctionRegistry, Scope, Target
from welkin.functions.spec import InstanceSpec
from welkin.functions.urns import FunctionRef
from welkin.iam import actions

log = logging.getLogger(__name__)
MAX_COUNT = 1000  # the most max_instance_num allows


@dataclass(frozen=True)
class ReservedSettings:
    region_limit: int  # functions_max_instances: the region's instances, reserved or not
    pass_s: float = 2.0  # how soon a code or configuration change reaches the reserved instances


def qualifier_of(target: Target, ref: FunctionRef) -> str:
    """How a reservation names what the URN named: ``latest``, a version, or ``!alias``."""
    if ref.is_head:
        return LATEST
    return f"!{target.alias.name}" if target.alias is not None else target.version


class ReservedInstances:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        registry: FunctionRegistry,
        invoker: Invoker,
        settings: ReservedSettings,
    ) -> None:
        self._db = db
        self._clock = clock
        self._registry = registry
        self._invoker = invoker
        self._settings = settings
        self._held: set[tuple[str, str]] = set()  # (function_urn, version) the pool keeps for us
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- the API's side ---------------------------------------------------------------------------

    async def set_count(self, scope: Scope, ref: FunctionRef, count: int, idle_mode: bool) -> Reservation:
        """Reserve ``count`` instances of what ``ref`` names (0 ends the reservation)."""
        await self._registry.authorize(scope, actions.FGS_UPDATE_CONFIG, ref.package, ref.name)
        if not 0 <= count <= MAX_COUNT:
            raise errors.InvalidArgument(f"count must be between 0 and {MAX_COUNT}.")
        now = self._clock.now()
        region_limit = self._settings.region_limit

        def write(conn: Conn) -> Reservation:
            target = self._registry.target_in(conn, scope.project.id, ref)
            fn = target.function
            qualifier = qualifier_of(target, ref)
            made = Reservation(fn.id, qualifier, fn.project_id, fn.package, fn.name, count, idle_mode, now)
            if count == 0:
                store.remove(conn, fn.id, qualifier)
                return made
            most = target.config.max_instance_num
            if most == 0:
                raise errors.InvalidArgument(
                    f"Function {fn.name} is disabled (max_instance_num is 0): it cannot keep instances."
                )
            bound = most if most > 0 else region_limit
            if count > bound:
                raise errors.InvalidArgument(
                    f"count {count} is above the most instances {fn.name}:{target.version} may have "
                    f"({bound}, its max_instance_num); raise max_instance_num first."
                )
            elsewhere = store.reserved_elsewhere(conn, fn.id, qualifier)
            if elsewhere + count > region_limit:
                raise errors.QuotaExceeded(
                    f"The region keeps at most {region_limit} instances and {elsewhere} are reserved "
                    f"already; at most {max(0, region_limit - elsewhere)} more can be."
                )
            store.put(conn, made)
            return made

        made = await self._db.run_write(write)
        self._wake.set()  # start (or let go) the instances now, not at the next pass
        return made

    async def list(
        self, scope: Scope, ref: FunctionRef | None, offset: int, limit: int
    ) -> tuple[list[Reservation], int]:
        """The project's reservations; of one function (a qualified URN: of that qualifier)."""
        if ref is None:
            await self._registry.authorize(scope, actions.FGS_LIST_FUNCTIONS)
        else:
            await self._registry.authorize(scope, actions.FGS_GET_CONFIG, ref.package, ref.name)
        project_id = scope.project.id

        def read(conn: Conn) -> tuple[list[Reservation], int]:
            if ref is None:
                return store.of_project(conn, project_id, None, None, offset, limit)
            target = self._registry.target_in(conn, project_id, ref)
            qualifier = None if ref.qualifier is None else qualifier_of(target, ref)
            return store.of_project(conn, project_id, target.function.id, qualifier, offset, limit)

        return await self._db.run_read(read)

    async def drop(self, project_id: str, ref: FunctionRef) -> None:
        """After DeleteFunction of one version: that version's reservation goes too."""

        def remove(conn: Conn) -> None:
            fn = self._registry.function_in(conn, project_id, ref)
            store.remove(conn, fn.id, ref.qualifier or LATEST)

        with contextlib.suppress(errors.NotFound):
            await self._db.run_write(remove)
        self._wake.set()

    def changed(self) -> None:
        """Something reservations depend on went (a function): run a pass now."""
        self._wake.set()

    # -- keeping the instances started --------------------------------------------------------------

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.run_pass()
            except Exception:
                log.exception("keeping reserved function instances started failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._settings.pass_s)

    async def run_pass(self) -> None:
        """Tell the pool what to keep started, from the reservations as they are now."""
        wanted: dict[tuple[str, str], tuple[InstanceSpec, int]] = {}
        for reservation in await self._db.run_read(store.every):
            spec = await self._spec(reservation)
            if spec is None:
                continue
            key = (spec.function_urn, spec.version)
            _, before = wanted.get(key, (spec, 0))
            wanted[key] = (spec, before + reservation.count)
        pool = self._invoker.pool
        for function_urn, version in self._held - wanted.keys():
            pool.unreserve(function_urn, version)
        for spec, count in wanted.values():
            pool.reserve(spec, count)
        self._held = set(wanted)

    async def _spec(self, reservation: Reservation) -> InstanceSpec | None:
        ref = FunctionRef(reservation.package, reservation.name, reservation.qualifier)
        registry = self._registry
        try:
            target = await self._db.run_read(
                lambda conn: registry.target_in(conn, reservation.project_id, ref)
            )
            if target.config.max_instance_num == 0:
                return None
            sha256, runtime = target.config.code.sha256, target.config.runtime
            layer = await registry.deps.ensure(registry.code.code_dir(sha256), sha256, runtime)
            return self._invoker.instance_spec(registry.spec_of(target, layer))
        except errors.NotFound:
            return None  # the version or alias it named is gone
        except errors.WelkinError as exc:
            log.warning(
                "reserved instances of %s/%s:%s cannot start: %s",
                reservation.package,
                reservation.name,
                reservation.qualifier,
                exc.message,
            )
            return None
