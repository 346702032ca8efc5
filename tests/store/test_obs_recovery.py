"""Start-up recovery and the trash reaper keep the blob files equal to what the metadata names."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.obs import store
from welkin.obs.models import Bucket, ObjectAttributes, Versioning
from welkin.obs.objects import IncomingBody
from welkin.obs.service import Obs

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
BIG = (1 << 20) * 2 + 17  # more than one write buffer


@pytest.fixture
async def obs(database_url: str, tmp_path: Path) -> AsyncIterator[Obs]:
    db = Database(database_url)
    service = Obs.build(db, ManualClock(NOW), tmp_path / "data", "local-1")
    yield service
    await service.stop()
    await db.close()


async def chunks(*pieces: bytes) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


async def put(obs: Obs, bucket: Bucket, key: str, body: bytes) -> str:
    half = len(body) // 2
    obj = await obs.objects.put(
        bucket, key, IncomingBody(chunks(body[:half], body[half:])), ObjectAttributes(), "acct"
    )
    assert obj.blob is not None
    return obj.blob


async def read(obs: Obs, bucket: Bucket, key: str) -> bytes:
    obj = await obs.objects.head(bucket, key, None)
    return b"".join([piece async for piece in obs.objects.read(obj, 0, obj.size)])


def files(root: Path) -> set[str]:
    return {path.name for path in root.rglob("*") if path.is_file()}


async def referenced(obs: Obs, names: set[str]) -> set[str]:
    return await obs.db.run_read(lambda conn: store.referenced_blobs(conn, sorted(names)))


async def test_recover_publishes_committed_blobs_and_drops_the_rest(obs: Obs, tmp_path: Path) -> None:
    root = tmp_path / "data" / "obs"
    bucket = await obs.buckets.create("acct", "recover", None, '"private"')
    body = os.urandom(BIG)
    committed = await put(obs, bucket, "committed", body)
    # A crash after the metadata commit but before publish leaves the blob in staging/.
    os.rename(root / "blobs" / committed[-2:] / committed, root / "staging" / committed)
    # A crash before the commit leaves a staged blob nobody names, and a half-written tmp file.
    orphan = await obs.blobs.write(chunks(b"never committed"), [], 1 << 20)
    (root / "tmp" / "half-written").write_bytes(b"x" * 100)
    assert files(root / "staging") == {committed, orphan.name}

    await obs.start()

    assert files(root / "tmp") == set()
    assert files(root / "staging") == set()
    assert files(root / "blobs") == {committed}
    assert await read(obs, bucket, "committed") == body


async def test_reaper_removes_blobs_of_overwritten_and_deleted_objects(obs: Obs, tmp_path: Path) -> None:
    blobs = tmp_path / "data" / "obs" / "blobs"
    await obs.start()
    bucket = await obs.buckets.create("acct", "reap", None, '"private"')
    first = await put(obs, bucket, "overwritten", b"first")
    second = await put(obs, bucket, "overwritten", b"second")
    gone = await put(obs, bucket, "deleted", b"doomed")
    await obs.objects.delete(bucket, "deleted", None)
    # Deleting only queues the files; readers holding them open keep reading.
    assert files(blobs) == {first, second, gone}

    assert await obs.reap() == 2

    assert files(blobs) == {second}
    assert await referenced(obs, {first, second, gone}) == {second}
    assert await read(obs, bucket, "overwritten") == b"second"


async def test_reaper_keeps_history_of_versioned_buckets(obs: Obs, tmp_path: Path) -> None:
    blobs = tmp_path / "data" / "obs" / "blobs"
    await obs.start()
    await obs.buckets.create("acct", "history", None, '"private"')
    await obs.buckets.set_versioning("history", Versioning.ENABLED)
    bucket = await obs.buckets.get("history")
    first = await put(obs, bucket, "k", b"one")
    second = await put(obs, bucket, "k", b"two")
    await obs.objects.delete(bucket, "k", None)  # only a delete marker

    assert await obs.reap() == 0
    assert files(blobs) == {first, second}
