"""Bucket notifications at the service level, against SQLite and PostgreSQL: object
changes publish S3 event records on the bus, in the transaction of the change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.core.event_store import EventStore
from welkin.core.event_tables import events
from welkin.core.events import Event, EventBus
from welkin.obs import errors
from welkin.obs.conditions import Preconditions
from welkin.obs.models import Bucket, ObjectAttributes, Versioning
from welkin.obs.notifications import EVENT_TOPIC, NotificationConfig, to_json
from welkin.obs.objects import IncomingBody
from welkin.obs.service import Obs

FN = "urn:fss:local-1:acct:function:default:thumb:latest"
CONFIGS = [
    NotificationConfig("CloudFunctionConfiguration", "fn", FN, ("s3:ObjectCreated:*",), "img/", ".jpg"),
    NotificationConfig("QueueConfiguration", "removed", "arn:q", ("s3:ObjectRemoved:*",)),
]


@pytest.fixture
def bus(db: Database, clock: ManualClock) -> EventBus:
    return EventBus(db, clock, poll_interval=0.05)


@pytest.fixture
def obs(db: Database, clock: ManualClock, bus: EventBus, tmp_path: Path) -> Obs:
    return Obs.build(db, clock, tmp_path, "local-1", bus)


async def make_bucket(obs: Obs, versioning: Versioning = Versioning.UNVERSIONED) -> Bucket:
    await obs.buckets.create("acct", "pics", None, '"private"')
    await obs.buckets.set_document("pics", "notification", to_json(CONFIGS))
    if versioning is not Versioning.UNVERSIONED:
        await obs.buckets.set_versioning("pics", versioning)
    return await obs.buckets.get("pics")


def body(data: bytes) -> IncomingBody:
    async def chunks() -> AsyncIterator[bytes]:
        yield data

    return IncomingBody(chunks())


def record(event: Event) -> Any:
    records: Any = event.payload["Records"]
    return records[0]


async def published(db: Database) -> list[Event]:
    async with db.read() as conn:
        store = EventStore()
        return await store.after(conn, 0, EVENT_TOPIC, await store.head(conn), 100)


async def test_a_put_publishes_the_s3_record_with_its_target(obs: Obs, db: Database) -> None:
    bucket = await make_bucket(obs)
    obj = await obs.objects.put(bucket, "img/a b.jpg", body(b"jpeg"), ObjectAttributes(), "acct")
    await obs.objects.put(bucket, "img/a.png", body(b"png"), ObjectAttributes(), "acct")  # suffix differs
    await obs.objects.put(bucket, "doc/a.jpg", body(b"doc"), ObjectAttributes(), "acct")  # prefix differs
    (event,) = await published(db)
    assert event.topic == EVENT_TOPIC
    assert event.payload["target"] == {"kind": "CloudFunction", "arn": FN}
    assert len(event.payload["Records"]) == 1  # type: ignore[arg-type]
    first = record(event)
    assert first["eventName"] == "ObjectCreated:Put"
    assert first["eventSource"] == "aws:s3"
    assert first["eventVersion"] == "2.1"
    assert first["awsRegion"] == "local-1"
    assert first["eventTime"] == "2026-11-22T12:00:00.000Z"
    s3 = first["s3"]
    assert s3["configurationId"] == "fn"
    assert s3["bucket"] == {
        "name": "pics",
        "ownerIdentity": {"principalId": "acct"},
        "arn": "arn:aws:s3:::pics",
    }
    assert s3["object"]["key"] == "img/a+b.jpg"
    assert (s3["object"]["size"], s3["object"]["eTag"]) == (4, obj.etag)
    assert "versionId" not in s3["object"]
    assert len(s3["object"]["sequencer"]) == 20


async def test_deletes_and_delete_markers_publish_removal_events(obs: Obs, db: Database) -> None:
    bucket = await make_bucket(obs, Versioning.ENABLED)
    put = await obs.objects.put(bucket, "k", body(b"x"), ObjectAttributes(), "acct")
    marker = await obs.objects.delete(bucket, "k", None)
    await obs.objects.delete(bucket, "k", put.version_id)
    names = [(record(e)["eventName"], record(e)["s3"]["object"]["versionId"]) for e in await published(db)]
    assert names == [
        ("ObjectRemoved:DeleteMarkerCreated", marker.version_id),
        ("ObjectRemoved:Delete", put.version_id),
    ]


async def test_a_failed_write_publishes_nothing(obs: Obs, db: Database) -> None:
    bucket = await make_bucket(obs)
    await obs.objects.put(bucket, "img/x.jpg", body(b"x"), ObjectAttributes(), "acct")
    with pytest.raises(errors.PreconditionFailed):
        await obs.objects.put(
            bucket, "img/x.jpg", body(b"y"), ObjectAttributes(), "acct", Preconditions(if_none_match="*")
        )
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(events))).scalar() == 1


async def test_an_event_committed_before_a_restart_is_delivered_after_it(
    obs: Obs, db: Database, database_url: str, bus: EventBus, clock: ManualClock
) -> None:
    bucket = await make_bucket(obs)
    bus.subscribe("trigger", "obs.", lambda _event: asyncio.sleep(0))
    await bus.start()
    await until_cursor(db, "trigger")
    await bus.stop()
    await obs.objects.put(bucket, "img/late.jpg", body(b"x"), ObjectAttributes(), "acct")

    second_db = Database(database_url)
    try:
        second = EventBus(second_db, clock, poll_interval=0.05)
        got: list[Event] = []
        arrived = asyncio.Event()

        async def handler(event: Event) -> None:
            got.append(event)
            arrived.set()

        second.subscribe("trigger", "obs.", handler)
        await second.start()
        try:
            async with asyncio.timeout(10):
                await arrived.wait()
        finally:
            await second.stop()
    finally:
        await second_db.close()
    assert record(got[0])["s3"]["object"]["key"] == "img/late.jpg"


async def until_cursor(db: Database, consumer: str) -> None:
    async with asyncio.timeout(10):
        while True:
            async with db.read() as conn:
                if await EventStore().cursor(conn, consumer) is not None:
                    return
            await asyncio.sleep(0.01)


def test_configs_select_by_event_family_prefix_and_suffix() -> None:
    fn, removed = CONFIGS
    assert fn.selects("ObjectCreated:Copy", "img/x.jpg")
    assert not fn.selects("ObjectRemoved:Delete", "img/x.jpg")
    assert not fn.selects("ObjectCreated:Put", "img/x.jpeg")
    assert removed.selects("ObjectRemoved:DeleteMarkerCreated", "anything")
