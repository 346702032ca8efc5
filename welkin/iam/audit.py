"""The audit log: who changed what, in which account, from where, with what result."""

from __future__ import annotations

from datetime import datetime

from welkin.core.db import Database
from welkin.iam import actions
from welkin.iam.models import AuditEvent, Principal
from welkin.iam.permissions import PermissionService
from welkin.iam.store import IamStore


class AuditLog:
    def __init__(self, db: Database, store: IamStore, permissions: PermissionService) -> None:
        self._db = db
        self._store = store
        self._permissions = permissions

    async def record(self, event: AuditEvent) -> None:
        async with self._db.transaction() as conn:
            await self._store.add_audit_event(conn, event)

    async def events(self, principal: Principal, since: datetime | None, limit: int) -> list[AuditEvent]:
        await self._permissions.authorize(principal, actions.CTS_LIST_TRACES)
        async with self._db.read() as conn:
            return await self._store.audit_events(conn, principal.account_id, since, limit)
