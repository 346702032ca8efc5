"""Billing's usage consumer on SQLite and PostgreSQL: each record counted once however often
its event comes, summed per hour, malformed records kept aside without stalling the bus."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from tests.store.conftest import T0
from welkin.billing.meter import (
    FGS_RESOURCE,
    FGS_SERVICE,
    OBS_RESOURCE,
    OBS_SERVICE,
    BillingMeter,
    function_usages,
    obs_usages,
)
from welkin.billing.tables import billing_counted_records, billing_rejected, billing_usage_hourly
from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.core.events import Event, EventBus, RetryPolicy

FUNCTION = "urn:fss:xx-welkin-1:p1:function:default:fn"
URN = f"{FUNCTION}:latest"  # the version that ran qualifies the resource
V2 = f"{FUNCTION}:2"
OTHER = "urn:fss:xx-welkin-1:p1:function:default:other"
OTHER_URN = f"{OTHER}:latest"
REGION = "xx-welkin-1"


def record(record_id: str, at: str = "2026-11-22T12:15:00+00:00", **changes: object) -> dict[str, object]:
    made: dict[str, object] = {
        "record_id": record_id,
        "account_id": "acct",
        "project_id": "p1",
        "function_urn": FUNCTION,
        "version": "latest",
        "request_id": "same-for-retries",
        "source": "async",
        "duration_ms": 120,
        "memory_mb": 256,
        "at": at,
    }
    made.update(changes)
    return made


def event(seq: int, *records: object) -> Event:
    return Event(seq, "functions.usage", {"records": list(records)}, T0)


async def hourly(db: Database) -> dict[tuple[str, datetime, str, str], int]:
    def read(conn: Connection) -> dict[tuple[str, datetime, str, str], int]:
        rows = conn.execute(select(billing_usage_hourly)).all()
        assert {(r.service, r.resource_type, r.region) for r in rows} <= {(FGS_SERVICE, FGS_RESOURCE, REGION)}
        return {(r.account_id, r.hour, r.resource_id, r.usage_type): r.quantity for r in rows}

    return await db.run_read(read)


async def count(db: Database, table: object) -> int:
    return await db.run_read(lambda conn: int(conn.scalar(select(func.count()).select_from(table)) or 0))  # type: ignore[arg-type]


def meter(db: Database, clock: ManualClock) -> BillingMeter:
    return BillingMeter(db, clock, REGION, function_usages)


async def deliver_once(bus: EventBus, consumer: str, topic: str, billing: BillingMeter) -> None:
    """Run ``billing`` as ``consumer`` of ``topic`` on a real bus until it has handled an event."""
    handled = asyncio.Event()

    async def handle(delivered: Event) -> None:
        await billing.handle(delivered)
        handled.set()

    bus.subscribe(consumer, topic, handle)
    await bus.start()
    try:
        async with asyncio.timeout(10):
            await handled.wait()
    finally:
        await bus.stop()


async def test_records_are_summed_per_hour_function_version_and_usage_type(
    db: Database, clock: ManualClock
) -> None:
    billing = meter(db, clock)
    await billing.handle(
        event(
            1,
            record("a"),
            record("b", duration_ms=1, memory_mb=128),
            record("c", at="2026-11-22T13:59:59.999+00:00"),
            record("d", function_urn=OTHER),
            record("v", version="2"),
        )
    )
    await billing.handle(event(2, record("e", at="2026-11-22T20:15:00+08:00")))  # 12:15 UTC

    noon, one = datetime(2026, 11, 22, 12, tzinfo=UTC), datetime(2026, 11, 22, 13, tzinfo=UTC)
    assert await hourly(db) == {
        ("acct", noon, URN, "fgs_requests"): 3,
        ("acct", noon, URN, "fgs_duration"): 256 * 120 + 128 * 1 + 256 * 120,
        ("acct", one, URN, "fgs_requests"): 1,
        ("acct", one, URN, "fgs_duration"): 256 * 120,
        ("acct", noon, OTHER_URN, "fgs_requests"): 1,
        ("acct", noon, OTHER_URN, "fgs_duration"): 256 * 120,
        ("acct", noon, V2, "fgs_requests"): 1,
        ("acct", noon, V2, "fgs_duration"): 256 * 120,
    }


async def test_a_redelivered_event_or_a_repeated_record_adds_nothing(
    db: Database, clock: ManualClock
) -> None:
    billing = meter(db, clock)
    first = event(1, record("a"), record("b"))
    await billing.handle(first)
    before = await hourly(db)

    await billing.handle(first)  # the bus's at-least-once redelivery
    await billing.handle(event(2, record("b"), record("c")))  # "b" again, in a later event
    await billing.handle(event(3, record("d"), record("d")))  # twice in one event

    noon = datetime(2026, 11, 22, 12, tzinfo=UTC)
    assert before[("acct", noon, URN, "fgs_requests")] == 2
    assert (await hourly(db))[("acct", noon, URN, "fgs_requests")] == 4
    assert (await hourly(db))[("acct", noon, URN, "fgs_duration")] == 4 * 256 * 120
    assert await count(db, billing_counted_records) == 4  # one per record


async def test_malformed_records_are_kept_aside_once_and_the_rest_still_count(
    db: Database, clock: ManualClock
) -> None:
    billing = meter(db, clock)
    bad = event(
        7,
        record("ok"),
        record("no-duration", duration_ms=None),
        record("float", duration_ms=1.5),
        record("bool", memory_mb=True),
        record("naive", at="2026-11-22T12:00:00"),
        record("", duration_ms=5),
        record("year-one", at="0001-01-01T00:00:00+05:00"),
        "not an object",
    )
    await billing.handle(bad)
    await billing.handle(bad)
    await billing.handle(Event(8, "functions.usage", {"what": "no records"}, T0))

    def rejected(conn: Connection) -> list[tuple[int, int, str]]:
        rows = conn.execute(select(billing_rejected).order_by("event_seq", "position")).all()
        return [(r.event_seq, r.position, r.reason) for r in rows]

    reasons = await db.run_read(rejected)
    assert [(seq, position) for seq, position, _ in reasons] == [(7, n) for n in range(1, 8)] + [(8, -1)]
    assert "duration_ms" in reasons[0][2]
    assert "offset from UTC" in reasons[3][2]
    assert "ISO 8601" in reasons[5][2]
    assert sum(q for (_, _, _, kind), q in (await hourly(db)).items() if kind == "fgs_requests") == 1


async def test_usage_published_before_billing_first_ran_is_billed(db: Database, clock: ManualClock) -> None:
    # The migration made billing's cursor; a cursor made by the consumer would start past this.
    bus = EventBus(db, clock, poll_interval=0.05)
    await db.run_write(lambda conn: bus.publish(conn, "functions.usage", {"records": [record("early")]}))
    await deliver_once(bus, "billing.functions", "functions.usage", meter(db, clock))
    assert sum((await hourly(db)).values()) == 1 + 256 * 120


async def test_an_event_handled_but_not_acknowledged_is_counted_once(
    db: Database, clock: ManualClock
) -> None:
    # A crash after billing's transaction and before the bus moved its cursor: the bus
    # delivers the event again, as a raising handler makes it do here.
    bus = EventBus(db, clock, poll_interval=0.05, retry=RetryPolicy(first=0.01, cap=0.02))
    billing, deliveries = meter(db, clock), asyncio.Queue[int]()

    async def handle_then_fail_once(delivered: Event) -> None:
        await billing.handle(delivered)
        deliveries.put_nowait(delivered.seq)
        if deliveries.qsize() == 1:
            raise ConnectionError("killed before the cursor moved")

    bus.subscribe("billing.functions", "functions.usage", handle_then_fail_once)
    await db.run_write(lambda conn: bus.publish(conn, "functions.usage", {"records": [record("once")]}))
    await bus.start()
    try:
        async with asyncio.timeout(10):
            first, again = await deliveries.get(), await deliveries.get()
    finally:
        await bus.stop()
    assert first == again
    assert sum((await hourly(db)).values()) == 1 + 256 * 120


async def test_obs_request_records_count_once_by_class_with_their_bytes_out(
    db: Database, clock: ManualClock
) -> None:
    def obs_record(record_id: str, request_class: str, bytes_out: int = 0) -> dict[str, object]:
        return {
            "record_id": record_id,
            "account_id": "owner",
            "bucket": "photos",
            "kind": "request",
            "class": request_class,
            "bytes_out": bytes_out,
            "at": "2026-11-22T12:15:00+00:00",
        }

    billing = BillingMeter(db, clock, REGION, obs_usages)
    first = Event(1, "obs.usage", {"records": [obs_record("a", "write"), obs_record("b", "read", 500)]}, T0)
    await billing.handle(first)
    await billing.handle(first)
    await billing.handle(Event(2, "obs.usage", {"records": [obs_record("b", "read", 500)]}, T0))
    await billing.handle(Event(3, "obs.usage", {"records": [obs_record("c", "read", 250)]}, T0))

    def read(conn: Connection) -> dict[str, int]:
        rows = conn.execute(select(billing_usage_hourly)).all()
        assert {(r.account_id, r.service, r.resource_type, r.resource_id) for r in rows} == {
            ("owner", OBS_SERVICE, OBS_RESOURCE, "photos")
        }
        return {r.usage_type: r.quantity for r in rows}

    assert await db.run_read(read) == {
        "obs_requests_write": 1,
        "obs_requests_read": 2,
        "obs_traffic_out": 750,
    }


async def test_obs_usage_published_before_billing_first_ran_is_billed(
    db: Database, clock: ManualClock
) -> None:
    # Migration 0010 made billing.obs's cursor, as 0009 did billing.functions's.
    bus = EventBus(db, clock, poll_interval=0.05)
    early = {
        "record_id": "early",
        "account_id": "owner",
        "bucket": "photos",
        "kind": "request",
        "class": "write",
        "bytes_out": 0,
        "at": "2026-11-22T12:15:00+00:00",
    }
    await db.run_write(lambda conn: bus.publish(conn, "obs.usage", {"records": [early]}))
    await deliver_once(bus, "billing.obs", "obs.usage", BillingMeter(db, clock, REGION, obs_usages))
    quantity = await db.run_read(lambda conn: conn.scalar(select(func.sum(billing_usage_hourly.c.quantity))))
    assert quantity == 1
