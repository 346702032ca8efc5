"""The event bus against SQLite and PostgreSQL: outbox atomicity, at-least-once
delivery in order, durable cursors across restarts, prefix filtering, retention."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Connection

from tests.store.conftest import T0
from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.core.event_store import EventStore
from welkin.core.event_tables import event_consumers, events
from welkin.core.events import Event, EventBus, RetryPolicy

FAST_RETRY = RetryPolicy(first=0.01, cap=0.04)


class Recorder:
    """A handler that keeps what it got, and fails while ``failing`` says so."""

    def __init__(self, failing: Callable[[Event], bool] = lambda _event: False) -> None:
        self.events: list[Event] = []
        self.attempts: list[int] = []
        self.failing = failing

    async def __call__(self, event: Event) -> None:
        self.attempts.append(event.seq)
        if self.failing(event):
            raise RuntimeError(f"handler refuses {event.topic}")
        self.events.append(event)

    @property
    def topics(self) -> list[str]:
        return [event.topic for event in self.events]


@pytest.fixture
async def new_bus(db: Database, clock: ManualClock) -> AsyncIterator[Callable[[], EventBus]]:
    buses: list[EventBus] = []

    def make() -> EventBus:
        bus = EventBus(db, clock, poll_interval=0.05, retry=FAST_RETRY)
        buses.append(bus)
        return bus

    yield make
    for bus in buses:
        await bus.stop()


async def until(condition: Callable[[], Awaitable[bool] | bool]) -> None:
    async with asyncio.timeout(10):
        while True:
            result = condition()
            if not isinstance(result, bool):
                result = await result
            if result:
                return
            await asyncio.sleep(0.01)


async def cursor(db: Database, consumer: str) -> int | None:
    async with db.read() as conn:
        return await EventStore().cursor(conn, consumer)


async def acknowledged(db: Database, consumer: str, seq: int) -> None:
    """Wait for the cursor: it moves just after the handler returns, not with it."""

    async def reached() -> bool:
        return await cursor(db, consumer) == seq

    await until(reached)


async def registered(db: Database, *consumers: str) -> None:
    async def all_have_cursors() -> bool:
        return all([await cursor(db, name) is not None for name in consumers])

    await until(all_have_cursors)


async def publish(db: Database, bus: EventBus, *topics: str) -> None:
    def body(conn: Connection) -> None:
        for topic in topics:
            bus.publish(conn, topic, {"topic": topic, "size": len(topic)})

    await db.run_write(body)
    for topic in topics:
        bus.notify(topic)


async def publish_then_fail(db: Database, bus: EventBus) -> None:
    def body(conn: Connection) -> None:
        bus.publish(conn, "rolled.back", {})
        raise RuntimeError("abort")

    await db.run_write(body)


async def stored_seqs(db: Database) -> list[int]:
    async with db.read() as conn:
        return list((await conn.scalars(select(events.c.seq).order_by(events.c.seq))).all())


async def test_committed_events_arrive_once_in_order_and_rolled_back_ones_never(
    db: Database, new_bus: Callable[[], EventBus]
) -> None:
    bus = new_bus()
    got = Recorder()
    bus.subscribe("fn", "", got)
    await bus.start()
    await registered(db, "fn")

    with pytest.raises(RuntimeError, match="abort"):
        await publish_then_fail(db, bus)
    await publish(db, bus, "a", "b")
    await publish(db, bus, "c")
    await until(lambda: len(got.events) == 3)

    assert got.topics == ["a", "b", "c"]
    assert got.events[0].payload == {"topic": "a", "size": 1}
    assert got.events[0].published_at == T0
    assert [e.seq for e in got.events] == sorted({e.seq for e in got.events})
    await publish(db, bus, "d")
    await until(lambda: len(got.events) == 4)
    assert got.topics == ["a", "b", "c", "d"]
    await acknowledged(db, "fn", got.events[-1].seq)


async def test_a_batch_is_published_as_events_of_its_own_in_order(
    db: Database, new_bus: Callable[[], EventBus]
) -> None:
    bus = new_bus()
    got = Recorder()
    bus.subscribe("batch", "", got)
    await bus.start()
    await registered(db, "batch")
    payloads = [{"n": n} for n in range(5)]
    await db.run_write(lambda conn: bus.publish_many(conn, "usage", payloads))
    await db.run_write(lambda conn: bus.publish_many(conn, "usage", []))
    bus.notify("usage")
    await until(lambda: len(got.events) == 5)
    assert [e.payload for e in got.events] == payloads
    assert len({e.seq for e in got.events}) == 5
    assert [e.seq for e in got.events] == sorted(e.seq for e in got.events)


async def test_a_failing_handler_is_retried_then_the_cursor_moves_on(
    db: Database, new_bus: Callable[[], EventBus], caplog: pytest.LogCaptureFixture
) -> None:
    bus = new_bus()
    failures = {"left": 2}

    def fail_twice(event: Event) -> bool:
        if event.topic == "flaky" and failures["left"]:
            failures["left"] -= 1
            return True
        return False

    got = Recorder(fail_twice)
    bus.subscribe("fn", "", got)
    await bus.start()
    await registered(db, "fn")
    await publish(db, bus, "flaky", "after")
    await until(lambda: len(got.events) == 2)

    flaky_seq = got.events[0].seq
    assert got.topics == ["flaky", "after"]
    assert got.attempts == [flaky_seq, flaky_seq, flaky_seq, got.events[1].seq]
    await acknowledged(db, "fn", got.events[1].seq)
    assert "event consumer fn failed" in caplog.text


async def test_a_restart_delivers_the_backlog_and_nothing_already_acknowledged(
    db: Database, database_url: str, new_bus: Callable[[], EventBus], clock: ManualClock
) -> None:
    first = new_bus()
    before = Recorder()
    first.subscribe("fn", "", before)
    await first.start()
    await registered(db, "fn")
    await publish(db, first, "one")
    await until(lambda: before.topics == ["one"])
    # Stopping before the cursor moved would (rightly) deliver "one" again.
    await acknowledged(db, "fn", before.events[0].seq)
    await first.stop()

    # Published while no dispatcher runs, as by a process that only writes.
    await publish(db, new_bus(), "two", "three")

    second_db = Database(database_url)
    try:
        second = EventBus(second_db, clock, poll_interval=0.05, retry=FAST_RETRY)
        after = Recorder()
        second.subscribe("fn", "", after)
        await second.start()
        try:
            await until(lambda: len(after.events) == 2)
            await asyncio.sleep(0.1)
        finally:
            await second.stop()
    finally:
        await second_db.close()
    assert after.topics == ["two", "three"]


async def test_a_new_consumer_starts_at_the_newest_event(
    db: Database, new_bus: Callable[[], EventBus]
) -> None:
    bus = new_bus()
    await publish(db, bus, "old")
    got = Recorder()
    bus.subscribe("late", "", got)
    await bus.start()
    await registered(db, "late")
    await publish(db, bus, "new")
    await until(lambda: len(got.events) == 1)
    assert got.topics == ["new"]


async def test_consumers_progress_independently(db: Database, new_bus: Callable[[], EventBus]) -> None:
    bus = new_bus()
    blocked = {"on": True}
    stuck = Recorder(lambda _event: blocked["on"])
    quick = Recorder()
    bus.subscribe("stuck", "", stuck)
    bus.subscribe("quick", "", quick)
    await bus.start()
    await registered(db, "stuck", "quick")
    await publish(db, bus, "x", "y")
    await until(lambda: quick.topics == ["x", "y"])

    assert stuck.events == []
    assert await cursor(db, "stuck") == quick.events[0].seq - 1
    blocked["on"] = False
    await until(lambda: stuck.topics == ["x", "y"])
    assert quick.topics == ["x", "y"]


async def test_only_topics_with_the_prefix_are_delivered(
    db: Database, new_bus: Callable[[], EventBus]
) -> None:
    bus = new_bus()
    created = Recorder()
    bus.subscribe("on-create", "ObjectCreated:", created)
    await bus.start()
    await registered(db, "on-create")
    await publish(
        db,
        bus,
        "ObjectCreated:Put",
        "ObjectRemoved:Delete",
        "objectcreated:put",
        "ObjectCreated_Put",
        "ObjectCreated:Copy",
        "ObjectRemoved:DeleteMarkerCreated",
    )
    await until(lambda: len(created.events) == 2)
    assert created.topics == ["ObjectCreated:Put", "ObjectCreated:Copy"]
    # The cursor passes the other topics too, so they do not hold back retention.
    await acknowledged(db, "on-create", (await stored_seqs(db))[-1])


async def test_retention_deletes_only_old_events_every_consumer_has_passed(
    db: Database, new_bus: Callable[[], EventBus], clock: ManualClock
) -> None:
    # Only this test's consumers: the cursors migrations make for Welkin's own (billing's)
    # would hold retention back, their consumers not running here.
    await db.run_write(lambda conn: conn.execute(event_consumers.delete()))
    bus = new_bus()
    ahead = Recorder()
    behind = Recorder(lambda event: event.topic == "second")
    bus.subscribe("ahead", "", ahead)
    bus.subscribe("behind", "", behind)
    await bus.start()
    await registered(db, "ahead", "behind")
    await publish(db, bus, "first", "second")
    await until(lambda: len(ahead.events) == 2 and len(behind.events) == 1)
    first, second = (event.seq for event in ahead.events)
    await acknowledged(db, "behind", first)

    assert await bus.purge() == 0  # nothing is past the retention yet
    clock.advance(timedelta(days=1, seconds=1))
    await publish(db, bus, "third")
    await until(lambda: len(ahead.events) == 3)
    third = ahead.events[-1].seq

    assert await bus.purge() == 1
    assert await stored_seqs(db) == [second, third]
    assert first < second < third


async def test_a_second_publisher_waits_for_the_first_to_commit(
    db: Database, new_bus: Callable[[], EventBus]
) -> None:
    # Seq order must be commit order, or a cursor could pass a seq that commits later.
    bus = new_bus()
    async with db.transaction() as conn:
        # The async engine's transaction stays open across the await below.
        await conn.run_sync(lambda sync: bus.publish(sync, "first", {}))
        second = asyncio.create_task(publish(db, bus, "second"))
        await asyncio.sleep(0.2)
        assert not second.done()
    await second
    async with db.read() as conn:
        rows = (await conn.execute(select(events.c.topic).order_by(events.c.seq))).all()
    assert [row.topic for row in rows] == ["first", "second"]


async def test_a_notify_wakes_only_the_consumers_of_its_topic(db: Database, clock: ManualClock) -> None:
    bus = EventBus(db, clock, poll_interval=60)  # no polling to hide a missed wake
    objects, usage = Recorder(), Recorder()
    bus.subscribe("objects", "obs.events", objects)
    bus.subscribe("usage", "functions.usage", usage)
    await bus.start()
    try:
        await registered(db, "objects", "usage")
        await db.run_write(lambda conn: bus.publish(conn, "functions.usage", {"n": 1}))
        bus.notify("obs.events")  # another topic's commit: the usage consumer sleeps on
        await asyncio.sleep(0.3)
        assert usage.events == []
        bus.notify("functions.usage")
        await until(lambda: len(usage.events) == 1)
    finally:
        await bus.stop()
