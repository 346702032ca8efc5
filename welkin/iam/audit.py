"""The audit log: who changed what, in which account, from where, with what result.

A management call (creating, changing, deleting) is written before its answer is done with.
A data-plane call that is audited as well (invoking a function) comes in thousands a second
and must not pay a transaction each: ``record_soon`` buffers it and a background task writes
the buffer every ``interval`` seconds in one transaction (and at ``stop``). A crash loses at
most that interval of such records; reading the log writes the buffer first, so a caller
always sees its own calls.
"""

from __future__ import annotations

from datetime import datetime

from welkin.core.db import Database
from welkin.core.flusher import Flusher
from welkin.iam import actions
from welkin.iam.models import AuditEvent, Principal
from welkin.iam.permissions import PermissionService
from welkin.iam.store import IamStore

# Beyond this many buffered records (a store that keeps failing) the oldest are dropped.
_MAX_PENDING = 100_000


class AuditLog:
    def __init__(
        self, db: Database, store: IamStore, permissions: PermissionService, interval: float = 0.5
    ) -> None:
        self._db = db
        self._store = store
        self._permissions = permissions
        self._pending: list[AuditEvent] = []
        self._flusher = Flusher("audit records", self.flush, interval)
        self.dropped = 0

    async def record(self, event: AuditEvent) -> None:
        async with self._db.transaction() as conn:
            await self._store.add_audit_event(conn, event)

    def record_soon(self, event: AuditEvent) -> None:
        self._pending.append(event)
        if len(self._pending) > _MAX_PENDING:
            excess = len(self._pending) - _MAX_PENDING
            del self._pending[:excess]
            self.dropped += excess

    async def flush(self) -> int:
        batch, self._pending = self._pending, []
        if not batch:
            return 0
        try:
            async with self._db.transaction() as conn:
                for event in batch:
                    await self._store.add_audit_event(conn, event)
        except BaseException:
            self._pending[:0] = batch  # kept for the next flush
            raise
        return len(batch)

    async def start(self) -> None:
        await self._flusher.start()

    async def stop(self) -> None:
        await self._flusher.stop()

    async def events(
        self, principal: Principal, since: datetime | None, limit: int, before: datetime | None = None
    ) -> list[AuditEvent]:
        """The newest ``limit`` events from ``since`` on, and earlier than ``before`` (a page's end)."""
        await self._permissions.authorize(principal, actions.CTS_LIST_TRACES)
        await self.flush()
        async with self._db.read() as conn:
            return await self._store.audit_events(conn, principal.account_id, since, limit, before)
