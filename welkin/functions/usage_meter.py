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

import asyncio
import contextlib
import logging
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from sqlalchemy.engine import Connection

from welkin.core.db import Database
from welkin.core.events import EventBus

TOPIC = "functions.usage"
log = logging.getLogger(__name__)


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
        self._interval = interval
        self._pending: list[UsageRecord] = []
        self._task: asyncio.Task[None] | None = None

    def record(self, record: UsageRecord) -> None:
        self._pending.append(record)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._flush_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def flush(self) -> int:
        batch, self._pending = self._pending, []
        if not batch:
            return 0
        payloads: list[Mapping[str, object]] = [asdict(r) for r in batch]

        def publish(conn: Connection) -> None:
            for payload in payloads:
                self._events.publish(conn, TOPIC, payload)

        try:
            await self._db.run_write(publish)
        except BaseException:
            self._pending[:0] = batch  # kept for the next flush
            raise
        self._events.notify()
        return len(batch)

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.flush()
            except Exception:
                log.exception("publishing function usage records failed; retrying")
