"""The logs of invocations, per function, kept in the metadata store and retrievable by request
id or by position (``seq``), so that they survive a restart of the server.

An invocation only appends its log to a buffer in memory (``add`` never waits on the
database); a background task writes the buffer in batches every ``interval`` seconds, sooner
once ``flush_at`` logs wait, and a last time when the server stops. Readers see the store and
the buffer together, so a log is retrievable the moment its invocation ends.

Bounds: each log is cut to its last ``max_bytes``; the store keeps each function's last
``per_function`` logs and none older than ``max_age`` (pruned by the writer as it goes);
the buffer holds at most ``max_buffered`` logs or ``max_buffered_bytes`` of text, so a store
that stays down costs bounded memory: beyond that the oldest waiting logs are dropped, and
counted in ``dropped``. A crash loses what was buffered (at most ``interval`` seconds').
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from itertools import islice

from sqlalchemy.engine import Connection

from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.core.flusher import Flusher
from welkin.functions import invocation_store as store
from welkin.functions.invocation_models import InvocationLog

log = logging.getLogger(__name__)
_PRUNE_BY_AGE_EVERY = timedelta(minutes=1)
_BATCH = 500  # logs per transaction


@dataclass(frozen=True)
class LogRetention:
    per_function: int = 200
    max_age: timedelta = timedelta(days=7)
    max_bytes: int = 64 << 10  # of one log: its end is kept, where the error is
    max_buffered: int = 20_000
    max_buffered_bytes: int = 32 << 20


class InvocationLogs:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        retention: LogRetention | None = None,
        interval: float = 0.5,
        flush_at: int = _BATCH,
    ) -> None:
        self._db = db
        self._clock = clock
        self._retention = retention or LogRetention()
        self._flush_at = flush_at
        self._buffer: deque[InvocationLog] = deque()
        self._buffered_bytes = 0
        self._seq = 0
        self._pruned_at: datetime | None = None
        self._flushing = asyncio.Lock()
        self._flusher = Flusher("invocation logs", self.flush, interval)
        self.dropped = 0  # logs the buffer had to let go while the store was failing
        self._dropped_told = 0

    @property
    def max_bytes(self) -> int:
        return self._retention.max_bytes

    async def start(self) -> None:
        """Go on numbering after the logs kept; then write in the background."""
        self._seq = max(self._seq, await self._db.run_read(store.last_seq))
        await self._flusher.start()

    async def stop(self) -> None:
        await self._flusher.stop()

    def add(
        self,
        function_urn: str,
        version: str,
        request_id: str,
        source: str,
        at: datetime,
        duration_ms: float,
        error_code: str,
        log: bytes,
        truncated: bool,
    ) -> InvocationLog:
        self._seq += 1
        kept = log[-self._retention.max_bytes :]
        entry = InvocationLog(
            self._seq,
            function_urn,
            version,
            request_id,
            source,
            at,
            duration_ms,
            error_code,
            kept.decode("utf-8", "replace"),
            truncated or len(kept) < len(log),
        )
        self._buffer.append(entry)
        self._buffered_bytes += len(entry.text)
        if len(self._buffer) > self._retention.max_buffered or (
            self._buffered_bytes > self._retention.max_buffered_bytes
        ):
            self._let_go_oldest()
        if len(self._buffer) == self._flush_at:
            self._flusher.wake()
        return entry

    def _let_go_oldest(self) -> None:
        while len(self._buffer) > 1 and (
            len(self._buffer) > self._retention.max_buffered
            or self._buffered_bytes > self._retention.max_buffered_bytes
        ):
            self._buffered_bytes -= len(self._buffer.popleft().text)
            self.dropped += 1

    async def recent(
        self, function_urn: str, limit: int, after_seq: int = 0, request_id: str | None = None
    ) -> list[InvocationLog]:
        """Oldest first: the last ``limit`` after ``after_seq`` (of one request, when given)."""
        if limit <= 0:
            return []
        # Look at the buffer before the store: a log the writer takes out of the buffer meanwhile
        # is committed before it goes, so it is in one or the other (or both: one copy kept).
        waiting = [
            e
            for e in self._buffer
            if e.function_urn == function_urn
            and e.seq > after_seq
            and (request_id is None or e.request_id == request_id)
        ]
        stored = await self._db.run_read(
            lambda conn: store.recent_logs(conn, function_urn, limit, after_seq, request_id)
        )
        found = {e.seq: e for e in stored}
        found.update((e.seq, e) for e in waiting)
        return [found[seq] for seq in sorted(found)[-limit:]]

    async def flush(self) -> int:
        """Write what waits, in batches; prune as it goes. Raises if the store fails: what was
        not written stays buffered for the next try."""
        async with self._flushing:  # one writer at a time, or a batch would be written twice
            return await self._flush()

    async def _flush(self) -> int:
        written = 0
        while True:
            batch = list(islice(self._buffer, _BATCH))
            now = self._clock.now()
            by_age = self._pruned_at is None or now - self._pruned_at >= _PRUNE_BY_AGE_EVERY
            if not batch and not by_age:
                self._tell_dropped()
                return written
            await self._db.run_write(partial(self._write, batch=batch, now=now, by_age=by_age))
            if by_age:
                self._pruned_at = now
            if not batch:
                self._tell_dropped()
                return written
            last = batch[-1].seq
            while self._buffer and self._buffer[0].seq <= last:
                self._buffered_bytes -= len(self._buffer.popleft().text)
            written += len(batch)

    def _tell_dropped(self) -> None:
        if self.dropped > self._dropped_told:
            log.warning(
                "%d invocation logs were dropped: the metadata store did not take them in time",
                self.dropped - self._dropped_told,
            )
            self._dropped_told = self.dropped

    def _write(self, conn: Connection, batch: list[InvocationLog], now: datetime, by_age: bool) -> None:
        store.add_logs(conn, batch)
        for urn in {e.function_urn for e in batch}:
            store.keep_last_logs(conn, urn, self._retention.per_function)
        if by_age:
            store.delete_logs_before(conn, now - self._retention.max_age)
