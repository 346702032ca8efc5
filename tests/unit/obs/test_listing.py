"""Listing current keys on real metadata stores: every page size gives the same keys and
common prefixes as a plain model of S3's rules, and a small page reads only what it needs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection as Conn

from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.obs import listing, store
from welkin.obs.blobs import BlobStore
from welkin.obs.buckets import BucketService
from welkin.obs.models import ObjectAttributes, ObjectVersion, Versioning
from welkin.obs.objects import IncomingBody, ObjectService

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
KEYS = (
    [f"top{i:02d}" for i in range(6)]
    + [f"dir{i:02d}/file{j}" for i in range(8) for j in range(3)]
    + ["mix/a", "mix/sub/a", "mix/sub/b", "mix/zz", "z"]
)
DELETED = {"top01", "top04", "dir03/file0", "dir03/file1", "dir03/file2", "mix/sub/a", "z"}


async def empty() -> AsyncIterator[bytes]:
    yield b""


@pytest.fixture
async def db(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    """Bucket ``bkt``, versioned, holding KEYS with DELETED hidden behind delete markers."""
    db = Database(database_url)
    clock = ManualClock(T0)
    buckets = BucketService(db, clock, "local-1")
    objects = ObjectService(db, BlobStore(tmp_path / "blobs"), clock)
    await buckets.create("acct", "bkt", None, '"private"')
    await buckets.set_versioning("bkt", Versioning.ENABLED)
    bucket = await buckets.get("bkt")
    for key in KEYS:
        await objects.put(bucket, key, IncomingBody(empty()), ObjectAttributes(), "acct")
    for key in DELETED:
        await objects.delete(bucket, key, None)
    yield db
    await db.close()


def expected(prefix: str, delimiter: str) -> list[str]:
    found: set[str] = set()
    for key in KEYS:
        if key in DELETED or not key.startswith(prefix):
            continue
        at = key.find(delimiter, len(prefix)) if delimiter else -1
        found.add(key[: at + len(delimiter)] if at >= 0 else key)
    return sorted(found)


async def every_page(db: Database, prefix: str, delimiter: str, max_keys: int) -> list[str]:
    seen: list[str] = []
    after = ""
    while True:
        query = listing.ListQuery(prefix, delimiter, after, max_keys)
        page = await listing.list_current(db, "bkt", query)
        assert len(page.entries) <= max_keys
        seen += [entry.key for entry in page.entries]
        if not page.truncated:
            return seen
        assert page.next_key is not None
        after = page.next_key


@pytest.mark.parametrize(("prefix", "delimiter"), [("", ""), ("", "/"), ("mix/", "/"), ("dir0", "/")])
async def test_pages_of_any_size_hold_what_s3_would_list(db: Database, prefix: str, delimiter: str) -> None:
    for max_keys in (1, 2, 3, 7, 1000):
        assert await every_page(db, prefix, delimiter, max_keys) == expected(prefix, delimiter), max_keys


async def test_a_page_ending_at_the_last_key_is_not_truncated(db: Database) -> None:
    live = expected("", "")
    page = await listing.list_current(db, "bkt", listing.ListQuery(max_keys=len(live)))
    assert [entry.key for entry in page.entries] == live
    assert not page.truncated


async def test_a_small_page_reads_a_small_batch(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    limits: list[int] = []
    real = store.list_latest

    def counted(
        conn: Conn, bucket: str, start: str | None, inclusive: bool, prefix: str, limit: int
    ) -> list[ObjectVersion]:
        limits.append(limit)
        return real(conn, bucket, start, inclusive, prefix, limit)

    monkeypatch.setattr(store, "list_latest", counted)
    page = await listing.list_current(db, "bkt", listing.ListQuery(max_keys=2))
    assert [entry.key for entry in page.entries] == ["dir00/file0", "dir00/file1"]
    assert page.truncated
    assert limits == [3]
