"""The meter outbox on SQLite and PostgreSQL: the journal's records go out once each, as one
event per flush, whatever fails or restarts in between."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy.engine import Connection

from tests.store.conftest import T0
from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.core.event_store import EventStore
from welkin.core.events import EventBus
from welkin.core.meter_journal import MeterJournal
from welkin.core.meter_outbox import MeterOutbox, OutboxSettings

T = TypeVar("T")
SETTINGS = OutboxSettings("test", "test.usage", interval=3600, max_records=3)


class CommitsThenFails(Database):
    """A store whose next write commits and then reports a failure, as a dropped connection can."""

    fail_next = False

    async def run_write(self, fn: Callable[[Connection], T]) -> T:
        result = await super().run_write(fn)
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("connection lost after commit")
        return result


async def published(db: Database) -> list[list[int]]:
    store = EventStore()
    async with db.read() as conn:
        events = await store.after(conn, 0, SETTINGS.topic, await store.head(conn), 1000)
    return [[r["n"] for r in e.payload["records"]] for e in events]  # type: ignore[attr-defined,index]


def outbox(db: Database, journal: MeterJournal) -> MeterOutbox:
    return MeterOutbox(db, EventBus(db, ManualClock(T0)), journal, SETTINGS)


async def test_each_flush_publishes_its_records_as_one_event(db: Database, tmp_path: Path) -> None:
    meter = outbox(db, MeterJournal(tmp_path / "journal"))
    await meter.start()
    meter.append({"n": 1})
    meter.append({"n": 2})
    assert await meter.flush() == 2
    assert await meter.flush() == 0
    meter.append({"n": 3})
    await meter.stop()
    assert await published(db) == [[1, 2], [3]]


async def test_a_restart_publishes_what_the_last_process_left_and_nothing_twice(
    db: Database, tmp_path: Path
) -> None:
    killed = MeterJournal(tmp_path / "journal")
    first = outbox(db, killed)
    await first.start()
    for n in range(5):
        first.append({"n": n})
    await first.flush()  # three published; then the process is killed
    killed.close()

    journal = MeterJournal(tmp_path / "journal")
    second = outbox(db, journal)
    await second.start()  # publishes the backlog before it returns
    assert await published(db) == [[0, 1, 2], [3, 4]]
    second.append({"n": 5})
    await second.stop()
    assert await published(db) == [[0, 1, 2], [3, 4], [5]]
    assert len(journal.segments()) == 1  # the first process's segment is gone


async def test_a_write_that_committed_but_reported_failure_is_not_published_again(
    database_url: str, tmp_path: Path
) -> None:
    db = CommitsThenFails(database_url)
    meter = outbox(db, MeterJournal(tmp_path / "journal"))
    await meter.start()
    meter.append({"n": 1})
    db.fail_next = True
    with pytest.raises(ConnectionError):
        await meter.flush()
    meter.append({"n": 2})
    await meter.flush()
    await meter.stop()
    assert await published(db) == [[1], [2]]
    await db.close()


async def test_flushes_asked_for_at_once_publish_each_record_once(db: Database, tmp_path: Path) -> None:
    meter = outbox(db, MeterJournal(tmp_path / "journal"))
    await meter.start()
    meter.append({"n": 1})
    meter.append({"n": 2})
    assert sorted(await asyncio.gather(meter.flush(), meter.flush())) == [0, 2]
    await meter.stop()
    assert await published(db) == [[1, 2]]
