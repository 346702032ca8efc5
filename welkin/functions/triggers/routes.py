"""A project's HTTP triggers, kept briefly in memory: reading them costs a database read per request.

Changes made through the trigger service drop the project's entry at once; a change
that bypasses it (a function deleted with its triggers) is seen within ``ttl``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.functions.triggers import store
from welkin.functions.triggers.models import Trigger, TriggerType

HTTP_TYPES = (TriggerType.APIG, TriggerType.DEDICATEDGATEWAY)
_MAX_PROJECTS = 10_000


class HttpRoutes:
    def __init__(self, db: Database, clock: Clock, ttl: timedelta = timedelta(seconds=1)) -> None:
        self._db = db
        self._clock = clock
        self._ttl = ttl
        self._cached: dict[str, tuple[datetime, list[Trigger]]] = {}

    async def of_project(self, project_id: str) -> list[Trigger]:
        now = self._clock.now()
        hit = self._cached.get(project_id)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        found = await self._db.run_read(lambda conn: store.of_kind(conn, HTTP_TYPES, project_id))
        if len(self._cached) >= _MAX_PROJECTS:
            self._cached.clear()
        self._cached[project_id] = (now, found)
        return found

    def forget(self, project_id: str) -> None:
        self._cached.pop(project_id, None)
