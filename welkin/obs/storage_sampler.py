"""Samples what each bucket stores, once per UTC hour, and publishes it for billing.

For every hour that has ended and was not sampled yet, each bucket's bytes per storage class
become one record on topic ``obs.usage``::

    {"record_id", "account_id", "bucket", "kind": "storage", "storage_class",
     "byte_hours", "hour"}

The bytes are every object version that is not a delete marker, each counted as at least
``min_object_bytes`` (Huawei bills a small object as 64 KB), plus the parts of multipart
uploads not yet completed or aborted. Over one hour, byte-hours equal the bytes.

Exactly once without a journal: the records are derived from the store, their ids are made
of the account, bucket, class and hour, and they are published in the transaction that
moves the last sampled hour on. A crash before the commit publishes nothing; a crash after
leaves nothing to do; billing drops a repeated id all the same.

Hours missed while the server was down are sampled at its start with the sizes of now:
nothing could change while it was down. A bucket is not sampled for hours that ended
before it was made, and a deleted bucket no longer is; empty buckets yield no record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.core.events import EventBus
from welkin.core.flusher import Flusher
from welkin.obs import tables as t
from welkin.obs.usage_meter import TOPIC

HOUR = timedelta(hours=1)
_SAMPLER = "storage"


@dataclass(frozen=True)
class StorageSettings:
    min_object_bytes: int = 65536
    records_per_event: int = 1000
    # How often the background task looks at the clock; the hour is the clock's, not this.
    check_interval: float = 5.0
    # False in a region that does not meter: hours are passed over, not sampled, so that
    # metering turned on later does not bill the hours it was off.
    metering: bool = True


@dataclass(frozen=True)
class BucketStorage:
    account_id: str
    bucket: str
    created_at: datetime
    storage_class: str
    bytes: int


def hour_of(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def due_hours(last_sampled: datetime | None, now: datetime) -> list[datetime]:
    """The hours that have ended by ``now`` and come after ``last_sampled``; with nothing
    sampled yet, only the last hour that ended (a new region owes nothing before it)."""
    newest = hour_of(now) - HOUR
    first = newest if last_sampled is None else last_sampled + HOUR
    hours = []
    while first <= newest:
        hours.append(first)
        first += HOUR
    return hours


def storage_record_id(account_id: str, bucket: str, storage_class: str, hour: datetime) -> str:
    return f"obs.storage:{account_id}:{bucket}:{storage_class}:{hour:%Y%m%dT%H}"


def storage_records(stored: Iterable[BucketStorage], hour: datetime) -> list[dict[str, object]]:
    """The records of one hour: each bucket and class holding bytes and made before it ended."""
    return [
        {
            "record_id": storage_record_id(s.account_id, s.bucket, s.storage_class, hour),
            "account_id": s.account_id,
            "bucket": s.bucket,
            "kind": "storage",
            "storage_class": s.storage_class,
            "byte_hours": s.bytes,  # bytes held for the whole hour
            "hour": hour.isoformat(),
        }
        for s in stored
        if s.bytes > 0 and s.created_at < hour + HOUR
    ]


def bucket_storage(conn: Connection, min_object_bytes: int) -> list[BucketStorage]:
    """Bytes stored per bucket and storage class, small objects rounded up."""
    o, u, p, b = t.objects.c, t.uploads.c, t.parts.c, t.buckets.c
    billed_size = case((o.size < min_object_bytes, min_object_bytes), else_=o.size)
    versions = (
        select(o.bucket, o.storage_class, func.sum(billed_size).label("bytes"))
        .where(o.delete_marker.is_(False))
        .group_by(o.bucket, o.storage_class)
    )
    # Parts of a completed upload belong to its object, counted above.
    pending = (
        select(u.bucket, u.storage_class, func.sum(p.size).label("bytes"))
        .select_from(t.parts.join(t.uploads, p.upload_id == u.id))
        .where(p.object_id.is_(None))
        .group_by(u.bucket, u.storage_class)
    )
    totals: dict[tuple[str, str], int] = {}
    for query in (versions, pending):
        for row in conn.execute(query):
            key = (row.bucket, row.storage_class)
            totals[key] = totals.get(key, 0) + int(row.bytes or 0)
    owners = {
        row.name: (row.account_id, row.created_at)
        for row in conn.execute(select(b.name, b.account_id, b.created_at))
    }
    return [
        BucketStorage(owners[bucket][0], bucket, owners[bucket][1], storage_class, size)
        for (bucket, storage_class), size in sorted(totals.items())
        if bucket in owners
    ]


class StorageSampler:
    def __init__(self, db: Database, events: EventBus, clock: Clock, settings: StorageSettings) -> None:
        self._db = db
        self._events = events
        self._clock = clock
        self._settings = settings
        self._lock = asyncio.Lock()
        # Its throttled logging, for a store that is down for an hour; its last round at
        # stop samples an hour that has just ended.
        self._flusher = Flusher("bucket storage samples", self.catch_up, settings.check_interval)

    async def start(self) -> None:
        """Sample the hours missed while the server was down, then keep sampling."""
        await self.catch_up()
        await self._flusher.start()

    async def stop(self) -> None:
        await self._flusher.stop()

    async def catch_up(self) -> int:
        """Every hour that has ended: sampled, or passed over in a region that does not meter."""
        return await (self.sample_due() if self._settings.metering else self.skip_due())

    async def sample_due(self) -> int:
        """Sample every hour that has ended and was not sampled; how many records were published."""
        async with self._lock:
            last = await self._db.run_read(_last_sampled)
            hours = due_hours(last, self._clock.now())
            if not hours:
                return 0
            stored = await self._db.run_read(
                lambda conn: bucket_storage(conn, self._settings.min_object_bytes)
            )
            published = 0
            # One transaction per hour: a long outage makes many small ones, not one huge one.
            for hour in hours:
                records = storage_records(stored, hour)
                await self._db.run_write(partial(self._publish, hour=hour, records=records))
                published += len(records)
            if published:
                self._events.notify(TOPIC)
            return published

    async def skip_due(self) -> int:
        """Move the last sampled hour past every hour that has ended, publishing nothing;
        how many hours were passed over."""
        async with self._lock:
            last = await self._db.run_read(_last_sampled)
            hours = due_hours(last, self._clock.now())
            if hours:
                await self._db.run_write(partial(self._publish, hour=hours[-1], records=[]))
            return len(hours)

    def _publish(self, conn: Connection, hour: datetime, records: list[dict[str, object]]) -> None:
        insert = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(t.storage_sampled)
        conn.execute(
            insert.values(sampler=_SAMPLER, hour=hour).on_conflict_do_update(
                index_elements=["sampler"], set_={"hour": hour}
            )
        )
        size = self._settings.records_per_event
        batches = [{"records": records[i : i + size]} for i in range(0, len(records), size)]
        # Last: on PostgreSQL publishing queues other publishers until this commits.
        if batches:
            self._events.publish_many(conn, TOPIC, batches)


def _last_sampled(conn: Connection) -> datetime | None:
    c = t.storage_sampled.c
    hour: datetime | None = conn.scalar(select(c.hour).where(c.sampler == _SAMPLER))
    return hour
