"""Publishes a meter journal's records on the event bus, each record exactly once.

The records past the committed position go out as one event (``{"records": [...]}``), and
the position after them is written in the same transaction: the event and the position
commit together or not at all, so a crash at any point neither publishes a record twice
from here nor skips one. (The bus may still deliver an event twice; consumers dedupe by
the records' ids.) ``start`` publishes what an earlier process left before anything is
served, then a ``Flusher`` publishes every ``interval`` seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from welkin.core.db import Database
from welkin.core.events import EventBus
from welkin.core.flusher import Flusher
from welkin.core.meter_journal import START, JournalBatch, JournalPosition, MeterJournal
from welkin.core.meter_tables import meter_journal_offsets


@dataclass(frozen=True)
class OutboxSettings:
    journal: str  # the position's key, stable across restarts: "functions", "obs"
    topic: str
    interval: float = 0.5
    # Bounds one event (and the consumer's one transaction) after a long outage.
    max_records: int = 2000


class MeterOutbox:
    def __init__(
        self, db: Database, events: EventBus, journal: MeterJournal, settings: OutboxSettings
    ) -> None:
        self._db = db
        self._events = events
        self._journal = journal
        self._settings = settings
        # None until read from the store, and again after a failed write, which may have
        # committed all the same: the store, not memory, says where publishing stands.
        self._position: JournalPosition | None = None
        # One flush at a time: two reading from the same position would publish it twice.
        self._flushing = asyncio.Lock()
        self._flusher = Flusher(f"{settings.journal} usage records", self.flush, settings.interval)

    def append(self, record: Mapping[str, object]) -> None:
        self._journal.append(record)

    async def start(self) -> None:
        committed = await self._committed()
        await asyncio.to_thread(self._journal.open, committed)
        # An earlier process's backlog is published before anything new is served: a full
        # batch means there may be more.
        backlog = True
        while backlog:
            backlog = await self.flush() >= self._settings.max_records
        await self._flusher.start()

    async def stop(self) -> None:
        await self._flusher.stop()
        self._journal.close()

    async def flush(self) -> int:
        """Publish the records not yet published, up to ``max_records``; how many."""
        async with self._flushing:
            return await self._flush()

    async def _flush(self) -> int:
        start = self._position if self._position is not None else await self._committed()
        end = self._journal.end()
        if end <= start:  # nothing new, or the journal was never opened
            return 0
        batch = await asyncio.to_thread(self._journal.read, start, end, self._settings.max_records)
        try:
            await self._db.run_write(lambda conn: self._publish(conn, batch))
        except BaseException:
            self._position = None
            raise
        self._position = batch.end
        await asyncio.to_thread(self._journal.delete_before, batch.end)
        if batch.records:
            self._events.notify(self._settings.topic)
        return len(batch.records)

    def _publish(self, conn: Connection, batch: JournalBatch) -> None:
        values = {"segment": batch.end.segment, "offset": batch.end.offset}
        insert = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(meter_journal_offsets)
        conn.execute(
            insert.values(journal=self._settings.journal, **values).on_conflict_do_update(
                index_elements=["journal"], set_=values
            )
        )
        # Last: on PostgreSQL publishing queues other publishers until this commits.
        if batch.records:
            self._events.publish(conn, self._settings.topic, {"records": list(batch.records)})

    async def _committed(self) -> JournalPosition:
        def read(conn: Connection) -> JournalPosition:
            row = conn.execute(
                select(meter_journal_offsets.c.segment, meter_journal_offsets.c.offset).where(
                    meter_journal_offsets.c.journal == self._settings.journal
                )
            ).first()
            return START if row is None else JournalPosition(row.segment, row.offset)

        self._position = await self._db.run_read(read)
        return self._position
