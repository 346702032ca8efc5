"""Storage sampling against SQLite and PostgreSQL with a manual clock: every hour sampled
once, missed hours filled in after an outage, and billing's totals exactly the bytes stored,
however often a sample or an event comes again."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Connection

from tests.store.conftest import T0
from welkin.billing.meter import OBS_RESOURCE, OBS_SERVICE, BillingMeter, obs_usages
from welkin.billing.tables import billing_usage_hourly
from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.core.event_store import Event
from welkin.core.event_tables import events
from welkin.core.events import EventBus
from welkin.obs.models import Bucket, ObjectAttributes, Versioning
from welkin.obs.multipart import MultipartService
from welkin.obs.objects import IncomingBody
from welkin.obs.service import Obs
from welkin.obs.storage_sampler import StorageSampler, StorageSettings
from welkin.obs.tables import storage_sampled
from welkin.obs.usage_meter import TOPIC

H = timedelta(hours=1)
REGION = "local-1"
MIN = 65536


@pytest.fixture
def obs(db: Database, clock: ManualClock, tmp_path: Path) -> Obs:
    return Obs.build(db, clock, tmp_path, REGION)


@pytest.fixture
def sampler(db: Database, clock: ManualClock) -> StorageSampler:
    # Two records per event: a few buckets already span several events.
    return StorageSampler(db, EventBus(db, clock), clock, StorageSettings(MIN, records_per_event=2))


async def put(obs: Obs, bucket: Bucket, key: str, size: int) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"x" * size

    await obs.objects.put(bucket, key, IncomingBody(chunks()), ObjectAttributes(), bucket.account_id)


async def published(db: Database) -> list[Event]:
    def read(conn: Connection) -> list[Event]:
        rows = conn.execute(select(events).where(events.c.topic == TOPIC).order_by(events.c.seq)).all()
        return [Event(r.seq, r.topic, json.loads(r.payload), r.published_at) for r in rows]

    return await db.run_read(read)


async def records(db: Database) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    for event in await published(db):
        batch = event.payload["records"]
        assert isinstance(batch, list)
        found.extend(batch)
    return found


async def hourly(db: Database) -> dict[tuple[str, datetime, str], int]:
    def read(conn: Connection) -> dict[tuple[str, datetime, str], int]:
        rows = conn.execute(select(billing_usage_hourly)).all()
        assert {(r.service, r.resource_type, r.usage_type) for r in rows} <= {
            (OBS_SERVICE, OBS_RESOURCE, "obs_storage_standard")
        }
        return {(r.account_id, r.hour, r.resource_id): r.quantity for r in rows}

    return await db.run_read(read)


async def bill(db: Database, clock: ManualClock) -> None:
    billing = BillingMeter(db, clock, REGION, obs_usages)
    for event in await published(db):
        await billing.handle(event)


async def test_bytes_stored_count_versions_small_objects_and_unfinished_uploads(
    obs: Obs, db: Database, clock: ManualClock, sampler: StorageSampler, tmp_path: Path
) -> None:
    photos = await obs.buckets.create("acct-a", "photos", None, '"private"')
    await obs.buckets.set_versioning("photos", Versioning.ENABLED)
    photos = await obs.buckets.get("photos")
    await put(obs, photos, "tiny", 10)  # billed as 64 KB
    await put(obs, photos, "empty", 0)  # so is an empty one
    await put(obs, photos, "big", 100_000)
    await put(obs, photos, "big", 200_000)  # the old version still counts
    await obs.objects.delete(photos, "tiny", None)  # a delete marker: the version stays, it is free
    uploads = MultipartService(db, obs.blobs, obs.objects, clock)
    upload = await uploads.create(photos, "movie", ObjectAttributes(), "acct-a", "acct-a", None)
    for number in (1, 2):

        async def part() -> AsyncIterator[bytes]:
            yield b"p" * 70_000

        await uploads.upload_part(photos, "movie", upload.id, number, IncomingBody(part()))
    logs = await obs.buckets.create("acct-b", "logs", None, '"private"')
    await put(obs, logs, "a", 1_000_000)
    await obs.buckets.create("acct-b", "empty", None, '"private"')

    clock.advance(2 * H + 5 * timedelta(minutes=1))  # 14:05; buckets made at 12:00
    assert await sampler.sample_due() == 2
    await bill(db, clock)

    thirteen = T0 + H
    assert await hourly(db) == {
        ("acct-a", thirteen, "photos"): MIN + MIN + 100_000 + 200_000 + 2 * 70_000,
        ("acct-b", thirteen, "logs"): 1_000_000,
    }
    ids = {r["record_id"] for r in await records(db)}
    assert ids == {
        "obs.storage:acct-a:photos:STANDARD:20261122T13",
        "obs.storage:acct-b:logs:STANDARD:20261122T13",
    }


async def test_each_hour_is_sampled_once_and_an_outage_is_filled_in(
    obs: Obs, db: Database, clock: ManualClock, sampler: StorageSampler
) -> None:
    bucket = await obs.buckets.create("acct", "data", None, '"private"')
    await put(obs, bucket, "k", 1 << 20)
    clock.advance(H)  # 13:00: hour 12 has ended
    assert await sampler.sample_due() == 1
    assert await sampler.sample_due() == 0  # again within the hour: nothing
    clock.advance(59 * timedelta(minutes=1))
    assert await sampler.sample_due() == 0
    clock.advance(timedelta(minutes=1))  # 14:00
    assert await sampler.sample_due() == 1

    # Down from 14:00 until 19:30 on the next day: every hour ended meanwhile counts once.
    clock.advance(29 * H + 30 * timedelta(minutes=1))
    restarted = StorageSampler(db, EventBus(db, clock), clock, StorageSettings(MIN, records_per_event=2))
    assert await restarted.sample_due() == 29
    assert await restarted.sample_due() == 0

    await bill(db, clock)
    totals = await hourly(db)
    assert sorted(hour for _acct, hour, _bucket in totals) == [T0 + n * H for n in range(31)]
    assert set(totals.values()) == {1 << 20}


async def test_samples_and_events_that_come_again_add_nothing(
    obs: Obs, db: Database, clock: ManualClock, sampler: StorageSampler
) -> None:
    for name in ("bk1", "bk2", "bk3"):
        bucket = await obs.buckets.create("acct", name, None, '"private"')
        await put(obs, bucket, "k", 1000)
    clock.advance(H)
    assert await sampler.sample_due() == 3
    assert len(await published(db)) == 2  # three records, two per event

    # A crash after publishing but before the hour was recorded would sample it again.
    await db.run_write(lambda conn: conn.execute(storage_sampled.delete()))
    assert await sampler.sample_due() == 3
    assert len(await published(db)) == 4

    await bill(db, clock)
    await bill(db, clock)  # and every event delivered twice over
    assert await hourly(db) == {("acct", T0, name): MIN for name in ("bk1", "bk2", "bk3")}


async def test_a_deleted_bucket_is_sampled_no_more(
    obs: Obs, db: Database, clock: ManualClock, sampler: StorageSampler
) -> None:
    bucket = await obs.buckets.create("acct", "gone", None, '"private"')
    await put(obs, bucket, "k", 1000)
    clock.advance(H)
    assert await sampler.sample_due() == 1
    await obs.objects.delete(bucket, "k", None)
    await obs.buckets.delete("gone")
    clock.advance(H)
    assert await sampler.sample_due() == 0


async def test_a_region_that_does_not_meter_passes_its_hours_over(
    obs: Obs, db: Database, clock: ManualClock
) -> None:
    bucket = await obs.buckets.create("acct", "data", None, '"private"')
    await put(obs, bucket, "k", 1 << 20)
    metered = StorageSampler(db, EventBus(db, clock), clock, StorageSettings(MIN))
    clock.advance(H)  # 13:00
    assert await metered.catch_up() == 1
    clock.advance(4 * H)  # 17:00: four hours ended while the region did not meter
    unmetered = StorageSampler(db, EventBus(db, clock), clock, StorageSettings(MIN, metering=False))
    assert await unmetered.catch_up() == 4
    assert await unmetered.catch_up() == 0
    assert len(await records(db)) == 1

    # Metering turned on two hours later: only the hours since count, not the unmetered ones.
    clock.advance(2 * H)
    metered = StorageSampler(db, EventBus(db, clock), clock, StorageSettings(MIN))
    assert await metered.catch_up() == 2
    await bill(db, clock)
    assert sorted(hour for _acct, hour, _bucket in await hourly(db)) == [T0, T0 + 5 * H, T0 + 6 * H]
