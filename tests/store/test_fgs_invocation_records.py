"""Invocation logs and per-minute function metrics over a real database (SQLite and PostgreSQL):
the store's contract, then the buffered writers over it (reads see what waits, writes
prune, a new writer on the same database, as after a restart, reads everything back)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from tests.store.conftest import T0
from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.functions import histogram
from welkin.functions import invocation_store as store
from welkin.functions.invocation_logs import InvocationLogs, LogRetention
from welkin.functions.invocation_models import InvocationLog, MetricsSnapshot, MinuteFigures
from welkin.functions.metrics import FunctionMetrics

URN = "urn:fss:local-1:proj_1:function:default:fn"
OTHER = "urn:fss:local-1:proj_1:function:default:fn2"
ELSEWHERE = "urn:fss:local-1:projX1:function:default:fn"  # "_" must not match any character
MINUTE = int(T0.timestamp()) // 60


def entry(seq: int, urn: str = URN, text: str = "hello\n", minutes: int = 0) -> InvocationLog:
    at = T0 + timedelta(minutes=minutes)
    return InvocationLog(seq, urn, "latest", f"req-{seq}", "api", at, 1.5, "", text, False)


async def test_logs_are_read_back_oldest_first_by_position_and_request(db: Database) -> None:
    odd = "nul \x00 and \ufffd and é\n"

    def add(conn: Connection) -> None:
        store.add_logs(conn, [entry(1), entry(2, OTHER), entry(3, text=odd), entry(4)])

    await db.run_write(add)
    assert await db.run_read(store.last_seq) == 4
    found = await db.run_read(lambda conn: store.recent_logs(conn, URN, 10, 0, None))
    assert [e.seq for e in found] == [1, 3, 4]
    assert found[1].text == odd
    assert found[0] == entry(1)
    last_two = await db.run_read(lambda conn: store.recent_logs(conn, URN, 2, 0, None))
    assert [e.seq for e in last_two] == [3, 4]
    after = await db.run_read(lambda conn: store.recent_logs(conn, URN, 10, 3, None))
    assert [e.seq for e in after] == [4]
    one = await db.run_read(lambda conn: store.recent_logs(conn, URN, 10, 0, "req-3"))
    assert [e.seq for e in one] == [3]


async def test_logs_are_pruned_per_function_and_by_age(db: Database) -> None:
    await db.run_write(lambda conn: store.add_logs(conn, [entry(i, minutes=i) for i in range(1, 6)]))
    await db.run_write(lambda conn: store.add_logs(conn, [entry(6, OTHER)]))
    assert await db.run_write(lambda conn: store.keep_last_logs(conn, URN, 3)) == 2
    assert await db.run_write(lambda conn: store.keep_last_logs(conn, URN, 3)) == 0
    assert await db.run_write(lambda conn: store.keep_last_logs(conn, "nothing", 3)) == 0
    kept = await db.run_read(lambda conn: store.recent_logs(conn, URN, 10, 0, None))
    assert [e.seq for e in kept] == [3, 4, 5]
    assert await db.run_write(lambda conn: store.delete_logs_before(conn, T0 + timedelta(minutes=4))) == 2
    assert [e.seq for e in await db.run_read(lambda conn: store.recent_logs(conn, URN, 10, 0, None))] == [
        4,
        5,
    ]


def figures(duration: float, count: int = 1) -> MinuteFigures:
    return MinuteFigures(
        count=count,
        duration_total_ms=duration * count,
        max_duration_ms=duration,
        min_duration_ms=duration,
        gb_seconds=0.5 * count,
        durations={histogram.bucket(duration): count},
    )


async def test_minutes_sum_what_is_added_and_are_read_per_function_or_project(db: Database) -> None:
    await db.run_write(lambda conn: store.add_minutes(conn, {(URN, MINUTE): figures(10.0)}))
    await db.run_write(
        lambda conn: store.add_minutes(
            conn,
            {
                (URN, MINUTE): figures(2.0, 2),
                (URN, MINUTE + 1): MinuteFigures(throttles=1),
                (OTHER, MINUTE): figures(4.0),
                (ELSEWHERE, MINUTE): figures(4.0),
            },
        )
    )
    mine = await db.run_read(lambda conn: store.function_minutes_since(conn, URN, MINUTE))
    first = mine[(URN, MINUTE)]
    assert (first.count, first.min_duration_ms, first.max_duration_ms, first.gb_seconds) == (
        3,
        2.0,
        10.0,
        1.5,
    )
    assert first.durations == {histogram.bucket(2.0): 2, histogram.bucket(10.0): 1}
    assert mine[(URN, MINUTE + 1)].throttles == 1
    later = await db.run_read(lambda conn: store.function_minutes_since(conn, URN, MINUTE + 1))
    assert list(later) == [(URN, MINUTE + 1)]
    project = await db.run_read(
        lambda conn: store.project_minutes_since(conn, "urn:fss:local-1:proj_1:function:", MINUTE)
    )
    assert sorted(project) == [(URN, MINUTE), (URN, MINUTE + 1), (OTHER, MINUTE)]
    assert project[(URN, MINUTE)] == replace(first, durations={})  # sums only, for a whole month
    assert await db.run_write(lambda conn: store.delete_minutes_before(conn, MINUTE + 1)) == 3
    assert list(await db.run_read(lambda conn: store.function_minutes_since(conn, URN, 0))) == [
        (URN, MINUTE + 1)
    ]


async def test_buffered_logs_are_read_at_once_written_pruned_and_found_after_a_restart(
    db: Database, clock: ManualClock
) -> None:
    logs = InvocationLogs(db, clock, LogRetention(per_function=3, max_bytes=10))
    await logs.start()
    try:
        for i in range(5):
            logs.add(URN, "latest", f"r{i}", "api", clock.now(), 1.0, "", b"x" * 20 + str(i).encode(), False)
        logs.add(OTHER, "1", "o", "timer", clock.now(), 2.0, "Runtime.UserCodeError", b"boom", False)
        # Before any write: the buffer answers.
        waiting = await logs.recent(URN, 10)
        assert [e.request_id for e in waiting] == ["r0", "r1", "r2", "r3", "r4"]
        assert waiting[-1].text == "xxxxxxxxx4"
        assert waiting[-1].truncated
        await logs.flush()
        kept = await logs.recent(URN, 10)
        assert [e.request_id for e in kept] == ["r2", "r3", "r4"]
        assert [e.request_id for e in await logs.recent(URN, 10, after_seq=kept[0].seq)] == ["r3", "r4"]
        assert [e.request_id for e in await logs.recent(URN, 10, request_id="r3")] == ["r3"]
        assert await logs.recent(URN + "x", 10) == []
        assert await logs.recent(URN, 0) == []
    finally:
        await logs.stop()
    # The next server on the same store reads them back and numbers on after them.
    again = InvocationLogs(db, clock, LogRetention(per_function=3, max_age=timedelta(hours=1)))
    await again.start()
    try:
        [failed] = await again.recent(OTHER, 10)
        assert (failed.status, failed.error_code, failed.text, failed.source) == (
            "failed",
            "Runtime.UserCodeError",
            "boom",
            "timer",
        )
        newer = again.add(URN, "latest", "r5", "api", clock.now(), 1.0, "", b"", False)
        assert newer.seq == 7
        clock.advance(timedelta(hours=2))
        await again.flush()  # its first write prunes by age: everything is older than an hour now
        assert await again.recent(URN, 10) == []
    finally:
        await again.stop()


async def test_a_full_buffer_lets_the_oldest_go_and_counts_them(db: Database, clock: ManualClock) -> None:
    logs = InvocationLogs(db, clock, LogRetention(max_buffered=3, max_buffered_bytes=1 << 20))
    for i in range(5):
        logs.add(URN, "latest", f"r{i}", "api", clock.now(), 1.0, "", b"", False)
    assert logs.dropped == 2
    assert [e.request_id for e in await logs.recent(URN, 10)] == ["r2", "r3", "r4"]
    big = InvocationLogs(db, clock, LogRetention(max_bytes=100, max_buffered_bytes=250))
    for i in range(4):
        big.add(URN, "latest", f"b{i}", "api", clock.now(), 1.0, "", b"y" * 100, False)
    assert big.dropped == 2


async def test_metrics_wait_in_memory_are_summed_into_minutes_and_survive_a_restart(
    db: Database, clock: ManualClock
) -> None:
    metrics = FunctionMetrics(db, clock, retention=timedelta(days=1))
    for i in range(100):
        cold = 12.0 if i == 0 else None
        error = "function" if i % 10 == 0 else None
        metrics.invoked(URN, T0 + timedelta(seconds=i), float(i + 1), error, cold, 0.001)
    metrics.throttled(URN, T0)
    metrics.invoked(OTHER, T0, 5.0, "system", None, 0.002)
    metrics.invoked(ELSEWHERE, T0, 5.0, None, None, 0.002)

    async def check(m: FunctionMetrics) -> None:
        minutes = await m.function_minutes(URN, T0)
        assert list(minutes) == [MINUTE, MINUTE + 1]
        snap = MetricsSnapshot.of(minutes.values(), 3)
        assert (snap.invocations, snap.errors, snap.function_errors, snap.throttles) == (100, 10, 10, 1)
        assert (snap.cold_starts, snap.cold_start_p50_ms, snap.instances) == (1, 12.0, 3)
        assert 51.0 <= snap.duration_p50_ms <= 51.0 * 1.05
        assert snap.duration_p99_ms == 100.0
        project = await m.project_minutes("urn:fss:local-1:proj_1:function:", T0)
        assert sum(p.count for p in project.values()) == 101
        assert sum(p.system_errors for p in project.values()) == 1
        assert sum(p.gb_seconds for p in project.values()) == pytest.approx(0.102)
        assert await m.function_minutes(URN, T0 + timedelta(minutes=2)) == {}

    await check(metrics)  # from memory
    assert await metrics.flush() == 4
    await check(metrics)  # from the store, not counted twice
    metrics.invoked(URN, T0 + timedelta(minutes=5), 1.0, None, None, 0.0)
    await metrics.stop()  # writes what waits
    restarted = FunctionMetrics(db, clock, retention=timedelta(days=1))
    assert len(await restarted.function_minutes(URN, T0)) == 3
    clock.advance(timedelta(days=1, minutes=3))
    await restarted.flush()  # prunes minutes older than a day
    assert list(await restarted.function_minutes(URN, T0)) == [MINUTE + 5]


async def test_metrics_waiting_beyond_their_bound_drop_the_oldest_minutes_and_count_them(
    db: Database, clock: ManualClock
) -> None:
    metrics = FunctionMetrics(db, clock, max_waiting=2)
    for minute in range(4):
        metrics.invoked(URN, T0 + timedelta(minutes=minute), 1.0, None, None, 0.0)
    assert metrics.dropped == 2
    assert list(await metrics.function_minutes(URN, T0)) == [MINUTE + 2, MINUTE + 3]


async def rename(db: Database, old: str, new: str) -> None:
    await db.run_write(lambda conn: conn.exec_driver_sql(f"ALTER TABLE {old} RENAME TO {new}"))


async def test_writes_that_fail_keep_everything_for_the_next_one(db: Database, clock: ManualClock) -> None:
    logs = InvocationLogs(db, clock)
    metrics = FunctionMetrics(db, clock)
    # The store fails for real: the tables are gone for a while.
    await rename(db, "fgs_invocation_logs", "parked_logs")
    await rename(db, "fgs_function_minutes", "parked_minutes")
    logs.add(URN, "latest", "r1", "api", clock.now(), 1.0, "", b"one", False)
    metrics.invoked(URN, clock.now(), 1.0, None, None, 0.0)
    with pytest.raises(DBAPIError):
        await logs.flush()
    with pytest.raises(DBAPIError):
        await metrics.flush()
    logs.add(URN, "latest", "r2", "api", clock.now(), 1.0, "", b"two", False)
    metrics.invoked(URN, clock.now(), 3.0, None, None, 0.0)
    await rename(db, "parked_logs", "fgs_invocation_logs")
    await rename(db, "parked_minutes", "fgs_function_minutes")
    assert await logs.flush() == 2
    assert await metrics.flush() == 1
    stored = await db.run_read(lambda conn: store.recent_logs(conn, URN, 10, 0, None))
    assert [e.text for e in stored] == ["one", "two"]
    [minute] = (await db.run_read(lambda conn: store.function_minutes_since(conn, URN, 0))).values()
    assert (minute.count, minute.min_duration_ms, minute.max_duration_ms) == (2, 1.0, 3.0)
