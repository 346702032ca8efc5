"""MultipartService on real metadata stores and a real blob directory: completion under each
versioning state, what goes to the trash, and the rules a completion is checked against."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.obs import errors, tables
from welkin.obs.blobs import BlobStore
from welkin.obs.buckets import BucketService
from welkin.obs.models import Bucket, Checksum, ObjectAttributes, Part, Versioning
from welkin.obs.multipart import (
    MIN_PART_BYTES,
    MultipartService,
    PartRef,
    UploadQuery,
    chosen_parts,
    composite_checksum,
    multipart_etag,
)
from welkin.obs.objects import IncomingBody, ObjectService

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def part(number: int, size: int, data: bytes = b"x") -> Part:
    return Part(number, f"blob{number}", size, md5_hex(data), None, T0)


async def chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


class Rig:
    def __init__(self, db: Database, root: Path) -> None:
        clock = ManualClock(T0)
        self.db = db
        self.blobs = BlobStore(root)
        self.buckets = BucketService(db, clock, "local-1")
        self.objects = ObjectService(db, self.blobs, clock)
        self.multipart = MultipartService(db, self.blobs, self.objects, clock)

    async def bucket(self, versioning: Versioning) -> Bucket:
        await self.buckets.create("acct", "bkt", None, '"private"')
        if versioning is not Versioning.UNVERSIONED:
            await self.buckets.set_versioning("bkt", versioning)
        return await self.buckets.get("bkt")

    async def upload(self, bucket: Bucket, bodies: list[bytes], key: str = "k") -> tuple[str, list[PartRef]]:
        upload = await self.multipart.create(bucket, key, ObjectAttributes(), "acct", "user", None)
        refs = []
        for number, body in enumerate(bodies, start=1):
            stored = await self.multipart.upload_part(
                bucket, key, upload.id, number, IncomingBody(chunks(body))
            )
            refs.append(PartRef(number, f'"{stored.etag}"'))
        return upload.id, refs

    async def trash(self) -> list[str]:
        async with self.db.read() as conn:
            return list((await conn.execute(select(tables.trash.c.blob))).scalars())

    async def read(self, bucket: Bucket, key: str, version_id: str | None = None) -> bytes:
        obj = await self.objects.head(bucket, key, version_id)
        return b"".join([chunk async for chunk in self.objects.read(obj, 0, obj.size)])


@pytest.fixture
async def rig(database_url: str, tmp_path: Path) -> AsyncIterator[Rig]:
    db = Database(database_url)
    yield Rig(db, tmp_path / "blobs")
    await db.close()


def test_etag_is_md5_of_part_md5s() -> None:
    parts = [part(1, 1, b"a"), part(2, 1, b"b")]
    expected = md5_hex(hashlib.md5(b"a").digest() + hashlib.md5(b"b").digest())  # noqa: S324
    assert multipart_etag(parts) == f"{expected}-2"


def test_composite_checksum_hashes_the_part_checksums() -> None:
    sums = [hashlib.sha256(b"a").digest(), hashlib.sha256(b"b").digest()]
    parts = [
        Part(n, "b", 1, "00", Checksum("SHA256", base64.b64encode(raw).decode()), T0)
        for n, raw in enumerate(sums, start=1)
    ]
    expected = base64.b64encode(hashlib.sha256(b"".join(sums)).digest()).decode()
    assert composite_checksum("SHA256", parts) == Checksum("SHA256", f"{expected}-2", full_object=False)
    with pytest.raises(errors.InvalidPart):
        composite_checksum("CRC32", parts)


def test_chosen_parts_rules() -> None:
    stored = [part(1, MIN_PART_BYTES), part(2, 10), part(3, 10)]
    etag = f'"{md5_hex(b"x")}"'
    assert [p.number for p in chosen_parts([PartRef(1, etag), PartRef(3, etag)], stored)] == [1, 3]
    with pytest.raises(errors.InvalidPartOrder):
        chosen_parts([PartRef(2, etag), PartRef(1, etag)], stored)
    with pytest.raises(errors.InvalidPartOrder):
        chosen_parts([PartRef(1, etag), PartRef(1, etag)], stored)
    with pytest.raises(errors.InvalidPart):
        chosen_parts([PartRef(4, etag)], stored)
    with pytest.raises(errors.InvalidPart):
        chosen_parts([PartRef(1, '"00"')], stored)
    with pytest.raises(errors.EntityTooSmall):
        chosen_parts([PartRef(2, etag), PartRef(3, etag)], stored)
    with pytest.raises(errors.MalformedXML):
        chosen_parts([], stored)


async def test_completion_trashes_unchosen_parts_and_the_replaced_object(rig: Rig) -> None:
    bucket = await rig.bucket(Versioning.UNVERSIONED)
    await rig.objects.put(bucket, "k", IncomingBody(chunks(b"old")), ObjectAttributes(), "acct")
    upload_id, refs = await rig.upload(bucket, [b"kept", b"dropped"])
    obj = await rig.multipart.complete(bucket, "k", upload_id, refs[:1])
    assert (obj.parts_count, obj.size, obj.blob) == (1, 4, None)
    assert await rig.read(bucket, "k") == b"kept"
    trashed = await rig.trash()
    assert len(trashed) == 2  # the old object's blob and the part left out
    assert any(name.startswith(f"{upload_id}-2-") for name in trashed)
    with pytest.raises(errors.NoSuchUpload):
        await rig.multipart.complete(bucket, "k", upload_id, refs[:1])
    await rig.objects.delete(bucket, "k", None)
    assert any(name.startswith(f"{upload_id}-1-") for name in await rig.trash())


async def test_completion_under_versioning(rig: Rig) -> None:
    bucket = await rig.bucket(Versioning.ENABLED)
    first = await rig.objects.put(bucket, "k", IncomingBody(chunks(b"v1")), ObjectAttributes(), "acct")
    upload_id, refs = await rig.upload(bucket, [b"v2"])
    second = await rig.multipart.complete(bucket, "k", upload_id, refs)
    assert second.version_id != first.version_id
    assert await rig.read(bucket, "k") == b"v2"
    assert await rig.read(bucket, "k", first.version_id) == b"v1"
    assert await rig.trash() == []


async def test_completion_when_suspended_replaces_the_null_version(rig: Rig) -> None:
    bucket = await rig.bucket(Versioning.SUSPENDED)
    await rig.objects.put(bucket, "k", IncomingBody(chunks(b"null")), ObjectAttributes(), "acct")
    upload_id, refs = await rig.upload(bucket, [b"new"])
    obj = await rig.multipart.complete(bucket, "k", upload_id, refs)
    assert obj.version_id == "null"
    assert await rig.read(bucket, "k", "null") == b"new"
    assert len(await rig.trash()) == 1


async def test_abort_trashes_every_part(rig: Rig) -> None:
    bucket = await rig.bucket(Versioning.UNVERSIONED)
    upload_id, _ = await rig.upload(bucket, [b"a", b"b"])
    await rig.multipart.abort(bucket, "k", upload_id)
    assert len(await rig.trash()) == 2
    with pytest.raises(errors.NoSuchUpload):
        await rig.multipart.abort(bucket, "k", upload_id)


async def test_list_uploads_rolls_up_prefixes_and_resumes(rig: Rig) -> None:
    bucket = await rig.bucket(Versioning.UNVERSIONED)
    for key in ("a/1", "a/2", "b", "c/1"):
        await rig.upload(bucket, [], key)
    page = await rig.multipart.list_uploads(bucket, UploadQuery(delimiter="/", max_uploads=2))
    assert ([u.key for u in page.uploads], page.prefixes, page.truncated) == (["b"], ["a/"], True)
    assert page.next_key == "b"
    rest = await rig.multipart.list_uploads(
        bucket, UploadQuery(delimiter="/", key_marker=page.next_key, upload_id_marker=page.next_upload_id)
    )
    assert (rest.uploads, rest.prefixes, rest.truncated) == ([], ["c/"], False)
    after_prefix = await rig.multipart.list_uploads(bucket, UploadQuery(delimiter="/", key_marker="a/"))
    assert [u.key for u in after_prefix.uploads] == ["b"]
