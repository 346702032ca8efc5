"""The lifecycle job against SQLite and PostgreSQL, driven by a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection

from tests.store.conftest import T0
from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.obs import lifecycle_rules, store
from welkin.obs.lifecycle import LifecycleJob
from welkin.obs.lifecycle_rules import Rule, RuleFilter
from welkin.obs.models import Bucket, ObjectAttributes, ObjectVersion, Part, Upload, Versioning
from welkin.obs.objects import IncomingBody
from welkin.obs.service import Obs

DAY = timedelta(days=1)


@pytest.fixture
def obs(db: Database, clock: ManualClock, tmp_path: Path) -> Obs:
    return Obs.build(db, clock, tmp_path, "local-1")


@pytest.fixture
def job(obs: Obs, db: Database, clock: ManualClock) -> LifecycleJob:
    # A page of two makes every walk cross page boundaries, also within one key.
    return LifecycleJob(db, obs.buckets, obs.objects, clock, page=2)


async def make_bucket(obs: Obs, rules: list[Rule], versioning: Versioning = Versioning.UNVERSIONED) -> Bucket:
    await obs.buckets.create("acct", "life", None, '"private"')
    await obs.buckets.set_document("life", "lifecycle", lifecycle_rules.to_json(rules))
    if versioning is not Versioning.UNVERSIONED:
        await obs.buckets.set_versioning("life", versioning)
    return await obs.buckets.get("life")


async def put(obs: Obs, bucket: Bucket, key: str, tags: dict[str, str] | None = None) -> ObjectVersion:
    async def chunks() -> AsyncIterator[bytes]:
        yield key.encode()

    return await obs.objects.put(
        bucket, key, IncomingBody(chunks()), ObjectAttributes(tags=tags or {}), "acct"
    )


async def versions(db: Database) -> list[tuple[str, str, bool, bool]]:
    """(key, version id, is latest, is delete marker), in listing order."""
    found = await db.run_read(lambda conn: store.list_versions(conn, "life", None, "", 1000))
    return [(v.key, v.version_id, v.is_latest, v.delete_marker) for v in found]


async def test_expiration_days_deletes_unversioned_objects_after_the_rounded_day(
    obs: Obs, db: Database, job: LifecycleJob
) -> None:
    bucket = await make_bucket(obs, [Rule("r", True, RuleFilter("logs/"), expiration_days=30)])
    for key in ("logs/a", "logs/b", "logs/c", "keep/a"):
        await put(obs, bucket, key)
    assert (await job.run_once(T0 + 30 * DAY)).expired == 0  # due only at the next midnight
    report = await job.run_once(T0 + 31 * DAY)
    assert report.expired == 3
    assert await versions(db) == [("keep/a", "null", True, False)]


async def test_expiration_date_and_tag_filters(obs: Obs, db: Database, job: LifecycleJob) -> None:
    date = datetime(2027, 1, 1, tzinfo=UTC).isoformat()
    rule = Rule("r", True, RuleFilter("", {"class": "tmp"}), expiration_date=date)
    bucket = await make_bucket(obs, [rule, Rule("off", False, RuleFilter(), expiration_days=1)])
    await put(obs, bucket, "a", {"class": "tmp"})
    await put(obs, bucket, "b", {"class": "keep"})
    assert (await job.run_once(datetime(2026, 12, 31, tzinfo=UTC))).expired == 0
    assert (await job.run_once(datetime(2027, 1, 1, tzinfo=UTC))).expired == 1
    assert [v[0] for v in await versions(db)] == ["b"]


async def test_expiring_a_versioned_object_adds_a_delete_marker_later_removed(
    obs: Obs, db: Database, job: LifecycleJob
) -> None:
    rules = [
        Rule("current", True, RuleFilter(), expiration_days=1),
        Rule("history", True, RuleFilter(), noncurrent_days=1),
    ]
    bucket = await make_bucket(obs, rules, Versioning.ENABLED)
    first = await put(obs, bucket, "k")
    report = await job.run_once(T0 + 2 * DAY)
    assert report.expired == 1
    listed = await versions(db)
    assert [(latest, marker) for _, _, latest, marker in listed] == [(True, True), (False, False)]
    assert listed[1][1] == first.version_id
    # The marker was written "now" by the clock (T0); the old version became noncurrent then.
    report = await job.run_once(T0 + 3 * DAY)
    assert report.noncurrent_removed == 1
    assert report.markers_removed == 0  # removed on the next pass, once it is alone
    report = await job.run_once(T0 + 3 * DAY)
    assert report.markers_removed == 1
    assert await versions(db) == []


async def test_noncurrent_versions_expire_from_when_their_successor_was_written(
    obs: Obs, db: Database, job: LifecycleJob, clock: ManualClock
) -> None:
    rule = Rule("r", True, RuleFilter(), noncurrent_days=2, newer_noncurrent_versions=1)
    bucket = await make_bucket(obs, [rule], Versioning.ENABLED)
    made = []
    for _ in range(4):
        made.append(await put(obs, bucket, "k"))
        clock.advance(DAY)
    await put(obs, bucket, "other")
    # made[0] became noncurrent at T0+1d, made[1] at T0+2d, made[2] at T0+3d.
    report = await job.run_once(T0 + 4 * DAY)  # due: made[0] (T0+1d+2d, rounded up)
    assert report.noncurrent_removed == 1
    report = await job.run_once(T0 + 30 * DAY)  # made[2] is kept as the newest noncurrent one
    assert report.noncurrent_removed == 1
    listed = [v[1] for v in await versions(db) if v[0] == "k"]
    assert listed == [made[3].version_id, made[2].version_id]


async def test_expired_object_delete_markers_go_only_when_alone(
    obs: Obs, db: Database, job: LifecycleJob
) -> None:
    rule = Rule("r", True, RuleFilter(), expired_object_delete_marker=True)
    bucket = await make_bucket(obs, [rule], Versioning.ENABLED)
    await put(obs, bucket, "hidden")
    await obs.objects.delete(bucket, "hidden", None)
    lone = await put(obs, bucket, "lone")
    await obs.objects.delete(bucket, "lone", None)
    await obs.objects.delete(bucket, "lone", lone.version_id)
    report = await job.run_once(T0 + DAY)
    assert report.markers_removed == 1
    assert [(k, marker) for k, _, _, marker in await versions(db)] == [("hidden", True), ("hidden", False)]


async def test_incomplete_uploads_are_aborted_after_their_days(
    obs: Obs, db: Database, job: LifecycleJob
) -> None:
    rule = Rule("r", True, RuleFilter("tmp/"), abort_upload_days=2)
    await make_bucket(obs, [rule])

    def start_uploads(conn: Connection) -> None:
        for n, key in enumerate(["tmp/a", "tmp/b", "tmp/c", "keep/a"]):
            upload = Upload(f"u{n}", "life", key, T0, "acct", "acct", ObjectAttributes(), None)
            store.insert_upload(conn, upload)
            store.put_part(conn, upload.id, Part(1, f"blob-{n}", 1, "e", None, T0), T0)

    await db.run_write(start_uploads)
    assert (await job.run_once(T0 + DAY)).uploads_aborted == 0
    assert (await job.run_once(T0 + 3 * DAY)).uploads_aborted == 3
    left = await db.run_read(lambda conn: store.list_uploads(conn, "life", None, "", 10))
    assert [u.key for u in left] == ["keep/a"]
    trash = await db.run_read(lambda conn: store.trash_batch(conn, 10))
    assert set(trash) == {"blob-0", "blob-1", "blob-2"}


async def test_a_bucket_without_rules_is_left_alone(obs: Obs, db: Database, job: LifecycleJob) -> None:
    await obs.buckets.create("acct", "life", None, '"private"')
    await put(obs, await obs.buckets.get("life"), "k")
    assert (await job.run_once(T0 + 1000 * DAY)).expired == 0
    assert len(await versions(db)) == 1
