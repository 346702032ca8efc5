"""Usage records of invocations, published on the event bus for billing to meter.

Topic ``functions.usage``; one record per invocation::

    {"account_id", "project_id", "function_urn", "version", "request_id", "source",
     "duration_ms", "memory_mb", "gb_seconds", "at"}

Records are batched: an invocation only appends to a buffer, and a background task writes
everything buffered in one transaction, so a warm invoke never waits on a database write.
The price is that a crash loses the records of at most the last ``interval`` seconds;
``stop`` flushes what is left.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from sqlalchemy.engine import Connection

from welkin.core.db import Database
from welkin.core.events import EventBus
from welkin.core.flusher import Flusher

TOPIC = "functions.usage"


@dataclass(frozen=True)
class UsageRecord:
    account_id: str
    project_id: str
    function_urn: str  # unqualified
    version: str
    request_id: str
    source: str
    duration_ms: int  # billed: rounded up to the millisecond
    memory_mb: int
    gb_seconds: float
    at: str  # ISO 8601, UTC

    @classmethod
    def of(
        cls,
        account_id: str,
        project_id: str,
        function_urn: str,
        version: str,
        request_id: str,
        source: str,
        duration_ms: float,
        memory_mb: int,
        at: str,
    ) -> UsageRecord:
        billed = max(1, math.ceil(duration_ms))
        gb_seconds = round(memory_mb / 1024 * billed / 1000, 9)
        return cls(
            account_id,
            project_id,
            function_urn,
            version,
            request_id,
            source,
            billed,
            memory_mb,
            gb_seconds,
            at,
        )


class UsageMeter:
    def __init__(self, db: Database, events: EventBus, interval: float = 0.5) -> None:
        self._db = db
        self._events = events
        self._pending: list[UsageRecord] = []
        self._flusher = Flusher("function usage records", self.flush, interval)

    def record(self, record: UsageRecord) -> None:
        self._pending.append(record)

    async def start(self) -> None:
        await self._flusher.start()

    async def stop(self) -> None:
        await self._flusher.stop()

    async def flush(self) -> int:
        batch, self._pending = self._pending, []
        if not batch:
            return 0
        payloads: list[Mapping[str, object]] = [asdict(r) for r in batch]

        def publish(conn: Connection) -> None:
            self._events.publish_many(conn, TOPIC, payloads)

        try:
            await self._db.run_write(publish)
        except BaseException:
            self._pending[:0] = batch  # kept for the next flush
            raise
        self._events.notify()
        return len(batch)
