"""Account quotas and the counters they are checked against, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from welkin.billing.quotas import NO_LIMIT, AccountQuotas, Quota, QuotaDefaults
from welkin.core import errors
from welkin.core.clock import ManualClock
from welkin.core.db import Database, sync_url
from welkin.core.migrate import alembic_config
from welkin.obs import errors as s3
from welkin.obs import store
from welkin.obs.models import Bucket, ObjectAttributes, Versioning
from welkin.obs.multipart import MultipartService, PartRef
from welkin.obs.objects import IncomingBody
from welkin.obs.service import Obs

ACCOUNT = "acct"


async def chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


def body(size: int) -> IncomingBody:
    return IncomingBody(chunks(b"x" * size))


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture
def quotas(db: Database, clock: ManualClock) -> AccountQuotas:
    return AccountQuotas(db, clock, QuotaDefaults(buckets=3, stored_bytes=NO_LIMIT))


@pytest.fixture
def obs(db: Database, clock: ManualClock, tmp_path: Path, quotas: AccountQuotas) -> Obs:
    return Obs.build(db, clock, tmp_path, "local-1", quotas=quotas)


async def stored(db: Database) -> int:
    return await db.run_read(lambda conn: store.stored_bytes(conn, ACCOUNT))


async def test_limits_default_set_reset_and_unlimited(quotas: AccountQuotas) -> None:
    assert await quotas.limit(ACCOUNT, Quota.BUCKETS) == 3
    assert await quotas.limit(ACCOUNT, Quota.FUNCTIONS) == 400
    await quotas.set_limits(ACCOUNT, {Quota.BUCKETS: 7, Quota.STORED_BYTES: 1000})
    # The cache is told at once, without waiting for its time to live.
    assert await quotas.limit(ACCOUNT, Quota.BUCKETS) == 7
    assert await quotas.limit(ACCOUNT, Quota.STORED_BYTES) == 1000
    assert await quotas.limit("other", Quota.BUCKETS) == 3
    await quotas.set_limits(ACCOUNT, {Quota.BUCKETS: None, Quota.CONCURRENT_INSTANCES: NO_LIMIT})
    assert await quotas.limit(ACCOUNT, Quota.BUCKETS) == 3
    assert await quotas.limit(ACCOUNT, Quota.STORED_BYTES) == 1000
    assert await quotas.concurrency(ACCOUNT) > 1_000_000
    with pytest.raises(errors.InvalidArgument):
        await quotas.set_limits(ACCOUNT, {Quota.BUCKETS: -2})
    statuses = {s.quota: s for s in await quotas.statuses(ACCOUNT)}
    assert statuses[Quota.STORED_BYTES].limit == 1000
    assert (statuses[Quota.BUCKETS].limit, statuses[Quota.BUCKETS].default) == (3, 3)


async def test_a_change_by_another_process_is_seen_within_the_ttl(
    db: Database, clock: ManualClock, quotas: AccountQuotas
) -> None:
    other = AccountQuotas(db, clock, QuotaDefaults(buckets=3))
    assert await other.limit(ACCOUNT, Quota.BUCKETS) == 3
    await quotas.set_limits(ACCOUNT, {Quota.BUCKETS: 9})
    assert await other.limit(ACCOUNT, Quota.BUCKETS) == 3  # cached
    clock.advance(timedelta(seconds=1))
    assert await other.limit(ACCOUNT, Quota.BUCKETS) == 9


async def test_buckets_past_the_quota_are_refused_and_not_created(obs: Obs, db: Database) -> None:
    for n in range(3):
        await obs.buckets.create(ACCOUNT, f"bucket-{n}", None, '"private"')
    with pytest.raises(s3.TooManyBuckets, match="buckets quota is 3"):
        await obs.buckets.create(ACCOUNT, "bucket-3", None, '"private"')
    assert [b.name for b in await obs.buckets.list_owned(ACCOUNT)] == ["bucket-0", "bucket-1", "bucket-2"]
    # Another account is not affected, and deleting one makes room again.
    await obs.buckets.create("other", "theirs", None, '"private"')
    await obs.buckets.delete("bucket-0")
    await obs.buckets.create(ACCOUNT, "bucket-3", None, '"private"')


async def test_stored_bytes_follow_puts_overwrites_versions_and_deletes(obs: Obs, db: Database) -> None:
    plain = await obs.buckets.create(ACCOUNT, "plain", None, '"private"')
    await obs.objects.put(plain, "a", body(100), ObjectAttributes(), ACCOUNT)
    await obs.objects.put(plain, "b", body(50), ObjectAttributes(), ACCOUNT)
    assert await stored(db) == 150
    await obs.objects.put(plain, "a", body(10), ObjectAttributes(), ACCOUNT)  # replaces 100
    assert await stored(db) == 60
    await obs.objects.delete(plain, "b", None)
    assert await stored(db) == 10

    await obs.buckets.create(ACCOUNT, "kept", None, '"private"')
    await obs.buckets.set_versioning("kept", Versioning.ENABLED)
    kept = await obs.buckets.get("kept")
    first = await obs.objects.put(kept, "k", body(30), ObjectAttributes(), ACCOUNT)
    await obs.objects.put(kept, "k", body(40), ObjectAttributes(), ACCOUNT)
    await obs.objects.delete(kept, "k", None)  # a delete marker holds nothing
    assert await stored(db) == 80
    await obs.objects.delete(kept, "k", first.version_id)
    assert await stored(db) == 50


async def test_a_write_past_the_stored_bytes_quota_changes_nothing(
    obs: Obs, db: Database, quotas: AccountQuotas, tmp_path: Path
) -> None:
    bucket = await obs.buckets.create(ACCOUNT, "full", None, '"private"')
    await obs.objects.put(bucket, "old", body(60), ObjectAttributes(), ACCOUNT)
    await quotas.set_limits(ACCOUNT, {Quota.STORED_BYTES: 100})
    blobs_before = files_under(tmp_path / "obs")

    with pytest.raises(s3.InsufficientStorageSpace, match="stored_bytes quota is 100 bytes"):
        await obs.objects.put(bucket, "new", body(41), ObjectAttributes(), ACCOUNT)
    # Growing an object past the quota is refused too; shrinking or a same-size write is not.
    with pytest.raises(s3.InsufficientStorageSpace):
        await obs.objects.put(bucket, "old", body(101), ObjectAttributes(), ACCOUNT)
    assert files_under(tmp_path / "obs") == blobs_before
    assert (await obs.objects.head(bucket, "old", None)).size == 60
    with pytest.raises(s3.NoSuchKey):
        await obs.objects.head(bucket, "new", None)
    assert await stored(db) == 60

    await obs.objects.put(bucket, "new", body(40), ObjectAttributes(), ACCOUNT)
    assert await stored(db) == 100
    await quotas.set_limits(ACCOUNT, {Quota.STORED_BYTES: 50})  # now over it: may still shrink
    await obs.objects.put(bucket, "old", body(5), ObjectAttributes(), ACCOUNT)
    assert await stored(db) == 45


async def test_an_announced_length_past_the_quota_is_refused_before_the_body(
    obs: Obs, quotas: AccountQuotas
) -> None:
    bucket = await obs.buckets.create(ACCOUNT, "announced", None, '"private"')
    await obs.objects.put(bucket, "old", body(60), ObjectAttributes(), ACCOUNT)
    await quotas.set_limits(ACCOUNT, {Quota.STORED_BYTES: 100})

    async def never_read() -> AsyncIterator[bytes]:
        raise AssertionError("the body was read")
        yield b""

    with pytest.raises(s3.InsufficientStorageSpace):
        await obs.objects.put(
            bucket, "new", IncomingBody(never_read(), declared_size=41), ObjectAttributes(), ACCOUNT
        )
    # What it replaces is counted: an overwrite announcing as much as fits goes ahead.
    replacing = IncomingBody(chunks(b"y" * 100), declared_size=100)
    await obs.objects.put(bucket, "old", replacing, ObjectAttributes(), ACCOUNT)


async def test_completing_a_multipart_upload_past_the_quota_keeps_the_upload(
    obs: Obs, db: Database, clock: ManualClock, quotas: AccountQuotas
) -> None:
    bucket = await obs.buckets.create(ACCOUNT, "parts", None, '"private"')
    multipart = MultipartService(db, obs.blobs, obs.objects, clock)
    upload = await multipart.create(bucket, "big", ObjectAttributes(), ACCOUNT, ACCOUNT, None)
    part = await multipart.upload_part(bucket, "big", upload.id, 1, body(70))
    await quotas.set_limits(ACCOUNT, {Quota.STORED_BYTES: 69})
    refs = [PartRef(1, part.etag)]
    with pytest.raises(s3.InsufficientStorageSpace):
        await multipart.complete(bucket, "big", upload.id, refs)
    assert await stored(db) == 0
    await quotas.set_limits(ACCOUNT, {Quota.STORED_BYTES: None})
    done = await multipart.complete(bucket, "big", upload.id, refs)
    assert done.size == 70
    assert await stored(db) == 70


async def test_racing_writes_cannot_pass_the_quota_together(
    obs: Obs, db: Database, quotas: AccountQuotas
) -> None:
    buckets: list[Bucket] = [
        await obs.buckets.create(ACCOUNT, name, None, '"private"') for name in ("race-a", "race-b")
    ]
    await quotas.set_limits(ACCOUNT, {Quota.STORED_BYTES: 100})

    async def put(n: int) -> bool:
        try:
            await obs.objects.put(buckets[n % 2], f"k{n}", body(30), ObjectAttributes(), ACCOUNT)
        except s3.InsufficientStorageSpace:
            return False
        return True

    results = await asyncio.gather(*(put(n) for n in range(10)))
    assert sum(results) == 3
    assert await stored(db) == 90


def test_the_migration_fills_counters_and_frees_the_operator(database_url: str) -> None:
    """From the migration before with data already there: bucket counters from their objects,
    and the operator's account without limits on what it holds; down and up again."""
    config = alembic_config(database_url)
    command.downgrade(config, "0012_invoices")
    engine = create_engine(sync_url(database_url))
    now = "2026-11-30 00:00:00+00:00"
    with engine.begin() as conn:
        for account_id, operator in (("op", True), ("tenant", False)):
            conn.execute(
                text(
                    "INSERT INTO iam_accounts (id, name, enabled, is_operator, description, created_at) "
                    "VALUES (:id, :id, true, :op, '', :now)"
                ),
                {"id": account_id, "op": operator, "now": now},
            )
        conn.execute(
            text(
                "INSERT INTO obs_buckets (name, account_id, region, created_at, versioning, acl) "
                "VALUES ('old', 'tenant', 'local-1', :now, 'unversioned', '\"private\"')"
            ),
            {"now": now},
        )
        for n, size in enumerate((100, 23)):
            conn.execute(
                text(
                    "INSERT INTO obs_objects (id, bucket, key, version_id, seq, is_latest, delete_marker, "
                    "size, etag, last_modified, owner_id, content_type, headers, user_metadata, tags, "
                    "acl, storage_class) VALUES (:id, 'old', :key, 'null', 1, true, false, :size, 'e', "
                    ":now, 'tenant', 't', '{}', '{}', '{}', '\"private\"', 'STANDARD')"
                ),
                {"id": f"o{n}", "key": f"k{n}", "size": size, "now": now},
            )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        assert store.stored_bytes(conn, "tenant") == 123
        rows = conn.execute(text('SELECT account_id, quota, "limit" FROM account_quotas')).all()
    engine.dispose()
    assert sorted(rows) == sorted(
        ("op", q, NO_LIMIT) for q in ("functions", "code_bytes", "buckets", "stored_bytes")
    )
