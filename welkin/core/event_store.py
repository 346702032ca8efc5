"""The event bus's queries: append to the outbox, read past a cursor, move cursors, purge.

Ordering contract: a consumer's cursor says "every event up to this seq has been
handled", so seq order must be commit order, or an event committed late with a
smaller seq would slip behind a cursor that had already passed it. SQLite gives
that for free (one writer holds the write lock from its first insert to commit);
on PostgreSQL ``append`` takes a transaction-scoped advisory lock before drawing
its seq, which queues publishers from that point until their commit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from welkin.core.event_tables import event_consumers, events

# Any fixed 64-bit number will do, as long as nothing else in Welkin uses it.
_PUBLISH_LOCK = 0x57454C4B494E4556  # "WELKINEV"


@dataclass(frozen=True)
class Event:
    """One published event, as a consumer's handler receives it."""

    seq: int
    topic: str
    payload: dict[str, object]
    published_at: datetime


class EventStore:
    def append(
        self, conn: Connection, topic: str, payloads: Sequence[Mapping[str, object]], at: datetime
    ) -> None:
        """Sync: publishers are the sync bodies of their callers' transactions. Many payloads
        go in one statement: a batch costs little more than one event."""
        if not payloads:
            return
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PUBLISH_LOCK})
        rows = [
            {"topic": topic, "payload": json.dumps(dict(p), separators=(",", ":")), "published_at": at}
            for p in payloads
        ]
        conn.execute(insert(events), rows)

    async def head(self, conn: AsyncConnection) -> int:
        """The newest committed seq, or 0 when there has never been an event."""
        newest = await conn.scalar(select(func.max(events.c.seq)))
        return int(newest or 0)

    async def cursor(self, conn: AsyncConnection, consumer: str) -> int | None:
        last = await conn.scalar(select(event_consumers.c.last_seq).where(event_consumers.c.name == consumer))
        return None if last is None else int(last)

    async def ensure_cursor(self, conn: AsyncConnection, consumer: str, at: datetime) -> int:
        """The consumer's cursor, created at the current head if it has none.

        A new consumer starts at the head rather than at 0: replaying a retained
        backlog to something that never asked for it would be a flood, not a
        delivery. A known consumer keeps its cursor, so what was published while
        it was down still reaches it.
        """
        existing = await self.cursor(conn, consumer)
        if existing is not None:
            return existing
        insert_new = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(event_consumers)
        await conn.execute(
            insert_new.values(
                name=consumer, last_seq=await self.head(conn), updated_at=at
            ).on_conflict_do_nothing(index_elements=["name"])
        )
        # Re-read: when another process registered it first, its row wins.
        return cast(int, await self.cursor(conn, consumer))

    async def after(
        self, conn: AsyncConnection, cursor: int, topic_prefix: str, upto: int, limit: int
    ) -> list[Event]:
        """Events past ``cursor`` up to ``upto`` whose topic starts with ``topic_prefix``."""
        query = (
            select(events)
            .where(events.c.seq > cursor, events.c.seq <= upto)
            .order_by(events.c.seq)
            .limit(limit)
        )
        if topic_prefix:
            # substr, not LIKE: SQLite's LIKE ignores case and would need escaping.
            query = query.where(func.substr(events.c.topic, 1, len(topic_prefix)) == topic_prefix)
        rows = (await conn.execute(query)).all()
        return [Event(row.seq, row.topic, json.loads(row.payload), row.published_at) for row in rows]

    async def advance(self, conn: AsyncConnection, consumer: str, seq: int, at: datetime) -> None:
        """Move the cursor forward to ``seq``; never backward."""
        await conn.execute(
            update(event_consumers)
            .where(event_consumers.c.name == consumer, event_consumers.c.last_seq < seq)
            .values(last_seq=seq, updated_at=at)
        )

    async def purge(self, conn: AsyncConnection, before: datetime) -> int:
        """Delete events published before ``before`` that every consumer has passed."""
        condition = events.c.published_at < before
        slowest = await conn.scalar(select(func.min(event_consumers.c.last_seq)))
        if slowest is not None:
            condition = condition & (events.c.seq <= slowest)
        result = await conn.execute(events.delete().where(condition))
        return int(result.rowcount)
