"""The durable queue of asynchronous invocations over a real database (SQLite and PostgreSQL):
claiming, retrying, settling, the restart rule, listing, and async settings."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy.engine import Connection

from tests.store.conftest import T0
from welkin.core.db import Database
from welkin.functions import async_store as store
from welkin.functions.async_models import AsyncConfig, AsyncInvocation, AsyncStatus, Destination

ITEM = AsyncInvocation(
    "req-1",
    "acct",
    "proj",
    "default",
    "fn",
    "",
    "async",
    b'{"a": 1}',
    AsyncStatus.WAIT,
    0,
    T0,
    T0,
    None,
    None,
    0,
    "",
)


async def test_due_rows_are_claimed_once_and_come_back_after_a_restart(db: Database) -> None:
    later = replace(ITEM, request_id="req-2", next_at=T0 + timedelta(seconds=30))

    def add_both(conn: Connection) -> None:
        store.add(conn, ITEM)
        store.add(conn, later)

    await db.run_write(add_both)
    claimed = await db.run_write(lambda conn: store.claim_due(conn, T0, 10))
    assert [c.request_id for c in claimed] == ["req-1"]
    assert await db.run_write(lambda conn: store.claim_due(conn, T0, 10)) == []
    # A server that stopped mid-run runs it again: at least once.
    assert await db.run_write(lambda conn: store.requeue_running(conn, T0)) == 1
    again = await db.run_write(lambda conn: store.claim_due(conn, T0, 10))
    assert [c.request_id for c in again] == ["req-1"]
    assert again[0].event == b'{"a": 1}'


async def test_a_retry_waits_and_a_settled_row_is_listed(db: Database) -> None:
    await db.run_write(lambda conn: store.add(conn, ITEM))
    await db.run_write(lambda conn: store.claim_due(conn, T0, 1))
    retry_at = T0 + timedelta(seconds=2)
    await db.run_write(
        lambda conn: store.settle(conn, "req-1", AsyncStatus.WAIT, 1, retry_at, None, 500, "boom")
    )
    assert await db.run_write(lambda conn: store.claim_due(conn, T0, 1)) == []
    [item] = await db.run_write(lambda conn: store.claim_due(conn, retry_at, 1))
    assert (item.attempts, item.error_message, item.started_at) == (1, "boom", T0)
    end = T0 + timedelta(seconds=3)
    await db.run_write(lambda conn: store.settle(conn, "req-1", AsyncStatus.SUCCESS, 2, None, end, 0, ""))
    found, total = await db.run_read(
        lambda conn: store.invocations(conn, "proj", "default", "fn", None, AsyncStatus.SUCCESS, 0, 10)
    )
    assert total == 1
    assert (found[0].status, found[0].attempts, found[0].ended_at) == (AsyncStatus.SUCCESS, 2, end)
    none, _ = await db.run_read(
        lambda conn: store.invocations(conn, "proj", "default", "fn", "other", None, 0, 10)
    )
    assert none == []


async def test_async_settings_round_trip(db: Database) -> None:
    assert await db.run_read(lambda conn: store.config(conn, "proj", "default", "fn")) is None
    sink = Destination.parse(
        "FunctionGraph", '{"func_urn": "urn:fss:local-1:proj:function:default:sink"}', "x"
    )
    config = AsyncConfig(2, 600, on_success=sink)
    saved = await db.run_write(lambda conn: store.put_config(conn, "proj", "default", "fn", config, T0))
    assert (saved.max_retry_attempts, saved.max_event_age_s, saved.on_success) == (2, 600, sink)
    later = T0 + timedelta(minutes=1)
    changed = await db.run_write(
        lambda conn: store.put_config(conn, "proj", "default", "fn", AsyncConfig(), later)
    )
    assert (changed.created_at, changed.last_modified, changed.on_success) == (T0, later, None)
    assert await db.run_write(lambda conn: store.delete_config(conn, "proj", "default", "fn"))
    assert not await db.run_write(lambda conn: store.delete_config(conn, "proj", "default", "fn"))


async def test_only_a_waiting_row_is_cancelled_and_a_cancelled_one_is_never_claimed(db: Database) -> None:
    running = replace(ITEM, request_id="req-run")

    def add_both(conn: Connection) -> None:
        store.add(conn, ITEM)
        store.add(conn, running)

    await db.run_write(add_both)
    await db.run_write(lambda conn: store.claim_due(conn, T0, 10))
    await db.run_write(
        lambda conn: store.settle(conn, "req-1", AsyncStatus.WAIT, 1, T0, None, 500, "boom")
    )  # req-1 waits for its retry; req-run is still RUNNING
    later = T0 + timedelta(seconds=1)
    assert await db.run_write(lambda conn: store.cancel(conn, "req-1", later, 4208, "canceled"))
    assert not await db.run_write(lambda conn: store.cancel(conn, "req-run", later, 4208, "canceled"))
    assert await db.run_write(lambda conn: store.claim_due(conn, later, 10)) == []
    cancelled = await db.run_read(lambda conn: store.invocation(conn, "req-1"))
    assert cancelled is not None
    assert (cancelled.status, cancelled.error_code, cancelled.ended_at) == (AsyncStatus.FAIL, 4208, later)
    assert await db.run_read(lambda conn: store.invocation(conn, "nothing")) is None
