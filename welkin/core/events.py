"""Welkin's durable in-process event bus: an outbox table and a dispatcher.

Publishing is part of the change that caused it: ``publish`` inserts the event
through the caller's open connection, so the event commits or rolls back with
that change. After commit the caller calls ``notify`` to wake the dispatcher; the
dispatcher also polls, so a missed notify only delays delivery.

Each durable consumer has a cursor row (``event_consumers``) and its own task.
Delivery is at least once and in seq order: the handler is awaited per event and
the cursor moves only after it returned, so a crash in between re-delivers that
event after restart. A handler that raises is retried with capped exponential
backoff, holding back only its own consumer. A consumer seen for the first time
starts at the newest event, not at the beginning of the retained backlog.

Old events are purged once every consumer has passed them and they are older
than the retention period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Connection

from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.core.event_store import Event, EventStore

__all__ = ["Event", "EventBus", "Handler", "RetryPolicy"]

log = logging.getLogger("welkin.events")

Handler = Callable[[Event], Awaitable[None]]

BATCH = 100


@dataclass(frozen=True)
class RetryPolicy:
    """Delay before the n-th retry of a failing handler: ``first * 2**n``, at most ``cap``."""

    first: float = 0.1
    cap: float = 30.0

    def delay(self, attempt: int) -> float:
        return min(self.cap, self.first * 2.0 ** min(attempt, 64))


@dataclass(frozen=True)
class _Subscription:
    consumer: str
    topic_prefix: str
    handler: Handler


class EventBus:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        retention: timedelta = timedelta(days=1),
        poll_interval: float = 1.0,
        purge_interval: float = 300.0,
        retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        self._db = db
        self._clock = clock
        self._store = EventStore()
        self._retention = retention
        self._poll_interval = poll_interval
        self._purge_interval = purge_interval
        self._retry = retry
        self._subscriptions: dict[str, _Subscription] = {}
        self._wakes: dict[str, asyncio.Event] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._running = False

    @property
    def retention(self) -> timedelta:
        """How long a delivered event is kept before it may be purged."""
        return self._retention

    def publish(self, conn: Connection, topic: str, payload: Mapping[str, object]) -> None:
        """Add an event to the caller's open transaction; call ``notify`` after commit.

        ``conn`` is the sync connection of a ``Database.run_write`` body.

        On PostgreSQL this queues other publishers until the transaction ends (see
        ``welkin.core.event_store``), so publish as the last step of a transaction.
        """
        self._store.append(conn, topic, [payload], self._clock.now())

    def publish_many(self, conn: Connection, topic: str, payloads: Sequence[Mapping[str, object]]) -> None:
        """``publish`` for a batch, in one statement; in order, each its own event."""
        self._store.append(conn, topic, payloads, self._clock.now())

    def notify(self, topic: str) -> None:
        """Wake the consumers of ``topic`` to look for its newly committed events.

        Only those: every consumer woken reads the store, and a write path that wakes them
        all for each commit (an object PUT tells the bus of its notifications) paid one read
        per consumer per request, whether or not it published anything they take."""
        for subscription in self._subscriptions.values():
            if topic.startswith(subscription.topic_prefix):
                self._wakes[subscription.consumer].set()

    def subscribe(self, consumer: str, topic_prefix: str, handler: Handler) -> None:
        """Register the durable consumer ``consumer`` for topics starting with ``topic_prefix``.

        The name is the cursor's identity across restarts: keep it stable. A
        subscription made while the bus runs starts delivering at once.
        """
        if consumer in self._subscriptions:
            raise ValueError(f"event consumer {consumer!r} is already subscribed")
        subscription = _Subscription(consumer, topic_prefix, handler)
        self._subscriptions[consumer] = subscription
        self._wakes[consumer] = asyncio.Event()
        if self._running:
            self._spawn(self._consume(subscription), consumer)

    async def start(self) -> None:
        if self._running:
            return
        self._running = True
        for subscription in self._subscriptions.values():
            self._spawn(self._consume(subscription), subscription.consumer)
        self._spawn(self._purge_periodically(), "purge")

    async def stop(self) -> None:
        self._running = False
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def purge(self) -> int:
        """Delete events every consumer has passed that are older than the retention."""
        async with self._db.transaction() as conn:
            return await self._store.purge(conn, self._clock.now() - self._retention)

    def _spawn(self, work: Awaitable[None], name: str) -> None:
        self._tasks.append(asyncio.ensure_future(work))
        self._tasks[-1].set_name(f"events:{name}")

    async def _consume(self, subscription: _Subscription) -> None:
        wake = self._wakes[subscription.consumer]
        cursor: int | None = None
        failures = 0
        while True:
            # Cleared before reading, so a notify that lands mid-drain causes one more pass.
            wake.clear()
            try:
                if cursor is None:
                    async with self._db.transaction() as conn:
                        cursor = await self._store.ensure_cursor(
                            conn, subscription.consumer, self._clock.now()
                        )
                cursor = await self._drain(subscription, cursor)
                failures = 0
            except Exception:
                delay = self._retry.delay(failures)
                failures += 1
                log.exception(
                    "event consumer %s failed (attempt %d); retrying in %.1fs",
                    subscription.consumer,
                    failures,
                    delay,
                )
                await asyncio.sleep(delay)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self._poll_interval)

    async def _drain(self, subscription: _Subscription, cursor: int) -> int:
        """Deliver everything committed past ``cursor``; return the new cursor."""
        while True:
            async with self._db.read() as conn:
                # Reading the head first bounds the batch to a committed prefix; when
                # the batch comes back short, nothing up to the head is left for us.
                head = await self._store.head(conn)
                batch = await self._store.after(conn, cursor, subscription.topic_prefix, head, BATCH)
            for event in batch:
                await subscription.handler(event)
                cursor = await self._advance(subscription.consumer, event.seq)
            if len(batch) < BATCH:
                if head > cursor:
                    # Skip past the other topics, so retention is not held back by them.
                    cursor = await self._advance(subscription.consumer, head)
                return cursor

    async def _advance(self, consumer: str, seq: int) -> int:
        async with self._db.transaction() as conn:
            await self._store.advance(conn, consumer, seq, self._clock.now())
        return seq

    async def _purge_periodically(self) -> None:
        while True:
            await asyncio.sleep(self._purge_interval)
            try:
                deleted = await self.purge()
            except Exception:
                log.exception("purging delivered events failed")
                continue
            if deleted:
                log.info("purged %d delivered events", deleted)
