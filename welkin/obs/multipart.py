"""Multipart uploads: parts written one by one, then joined into one object version.

Each part is a blob of its own, named after its upload. Completing an upload writes no
bytes: the new version row points at its parts, and the parts not chosen go to the
trash, all in the transaction that makes the version current.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

from sqlalchemy.engine import Connection

from welkin.core import errors as core
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.obs import checksums, errors, store
from welkin.obs.blobs import BlobStore
from welkin.obs.conditions import Preconditions
from welkin.obs.models import Bucket, Checksum, ObjectAttributes, ObjectVersion, Part, Upload
from welkin.obs.objects import NO_PRECONDITIONS, IncomingBody, ObjectService, check_key

MIN_PART_BYTES = 5 << 20  # every part but the last
MAX_PART_BYTES = 5 << 30
MAX_PART_NUMBER = 10_000
# Upload ids are lowercase hex, so this sorts after every one of them.
_AFTER_EVERY_ID = "\U0010ffff"


@dataclass(frozen=True)
class PartRef:
    """A part as CompleteMultipartUpload names it."""

    number: int
    etag: str
    checksum: str | None = None  # in the upload's checksum algorithm, when given


@dataclass(frozen=True)
class PartsPage:
    parts: list[Part]
    truncated: bool
    next_marker: int


@dataclass(frozen=True)
class UploadQuery:
    prefix: str = ""
    delimiter: str = ""
    key_marker: str = ""
    upload_id_marker: str = ""
    max_uploads: int = 1000


@dataclass(frozen=True)
class UploadsPage:
    uploads: list[Upload]
    prefixes: list[str]
    truncated: bool
    next_key: str
    next_upload_id: str


def check_part_number(number: int) -> None:
    if not 1 <= number <= MAX_PART_NUMBER:
        raise core.InvalidArgument("Part number must be an integer between 1 and 10000, inclusive")


def multipart_etag(parts: list[Part]) -> str:
    """S3's ETag of a multipart object: md5 of the parts' binary md5s, and the count."""
    joined = b"".join(bytes.fromhex(part.etag) for part in parts)
    return f"{hashlib.md5(joined, usedforsecurity=False).hexdigest()}-{len(parts)}"


def composite_checksum(algorithm: str, parts: list[Part]) -> Checksum:
    """The checksum of the parts' checksums (S3's COMPOSITE type), with the count."""
    hasher = checksums.Checksum(checksums.ChecksumAlgorithm(algorithm))
    for part in parts:
        if part.checksum is None or part.checksum.algorithm != algorithm:
            raise errors.InvalidPart(f"part {part.number} has no {algorithm} checksum")
        hasher.update(base64.b64decode(part.checksum.value))
    return Checksum(algorithm, f"{hasher.value()}-{len(parts)}", full_object=False)


def chosen_parts(refs: list[PartRef], stored: list[Part]) -> list[Part]:
    """The stored parts a completion names, checked as S3 checks them."""
    if not refs:
        raise errors.MalformedXML("You must specify at least one part")
    by_number = {part.number: part for part in stored}
    chosen: list[Part] = []
    for ref in refs:
        if chosen and ref.number <= chosen[-1].number:
            raise errors.InvalidPartOrder("The list of parts was not in ascending order.")
        part = by_number.get(ref.number)
        if part is None or part.etag != ref.etag.strip().strip('"'):
            raise errors.InvalidPart(
                "One or more of the specified parts could not be found. The part may not have "
                "been uploaded, or the specified entity tag may not match the part's entity tag."
            )
        if ref.checksum is not None and part.checksum is not None and ref.checksum != part.checksum.value:
            raise errors.InvalidPart(f"The checksum of part {ref.number} does not match the uploaded part.")
        chosen.append(part)
    for part in chosen[:-1]:
        if part.size < MIN_PART_BYTES:
            raise errors.EntityTooSmall(
                "Your proposed upload is smaller than the minimum allowed object size."
            )
    return chosen


class MultipartService:
    def __init__(self, db: Database, blobs: BlobStore, objects: ObjectService, clock: Clock) -> None:
        self._db = db
        self._blobs = blobs
        self._objects = objects
        self._clock = clock

    async def create(
        self,
        bucket: Bucket,
        key: str,
        attributes: ObjectAttributes,
        owner_id: str,
        initiator_id: str,
        checksum_algorithm: str | None,
    ) -> Upload:
        check_key(key)
        upload = Upload(
            id=secrets.token_hex(16),
            bucket=bucket.name,
            key=key,
            initiated=self._clock.now(),
            owner_id=owner_id,
            initiator_id=initiator_id,
            attributes=attributes,
            checksum_algorithm=checksum_algorithm,
        )
        await self._db.run_write(lambda conn: store.insert_upload(conn, upload))
        return upload

    async def upload(self, bucket: Bucket, key: str, upload_id: str) -> Upload:
        found = await self._db.run_read(lambda conn: store.upload(conn, bucket.name, key, upload_id))
        if found is None:
            raise _no_such_upload()
        return found

    async def upload_part(
        self, bucket: Bucket, key: str, upload_id: str, number: int, body: IncomingBody
    ) -> Part:
        check_part_number(number)
        upload = await self.upload(bucket, key, upload_id)
        algorithm = upload.checksum_algorithm
        if algorithm is not None and body.checksum_algorithm not in (None, algorithm):
            raise errors.InvalidRequest(
                f"Checksum Type mismatch occurred, expected checksum Type: {algorithm.lower()}, "
                f"actual checksum Type: {(body.checksum_algorithm or '').lower()}"
            )
        if algorithm is not None and body.checksum_algorithm is None:
            body = replace(body, checksum_algorithm=algorithm)
        written = await self._objects.receive(body, blob_name=f"{upload_id}-{number}-{secrets.token_hex(8)}")
        part = Part(
            number, written.blob.name, written.blob.size, written.md5_hex, written.checksum, self._clock.now()
        )
        await self._store_part(bucket, key, upload_id, part)
        return part

    async def copy_part(
        self,
        bucket: Bucket,
        key: str,
        upload_id: str,
        number: int,
        source: ObjectVersion,
        start: int,
        end: int,
    ) -> Part:
        """A part made of bytes ``start`` to ``end`` (exclusive) of ``source``, streamed."""
        check_part_number(number)
        upload = await self.upload(bucket, key, upload_id)
        if end - start > MAX_PART_BYTES:
            raise errors.EntityTooLarge("Your proposed upload exceeds the maximum allowed size")
        stream: AsyncIterator[bytes] = self._objects.read(source, start, end)
        body = IncomingBody(stream, checksum_algorithm=upload.checksum_algorithm, max_size=MAX_PART_BYTES)
        return await self.upload_part(bucket, key, upload_id, number, body)

    async def _store_part(self, bucket: Bucket, key: str, upload_id: str, part: Part) -> None:
        def put(conn: Connection) -> None:
            # The upload may have been completed or aborted while the part streamed in.
            if store.upload(conn, bucket.name, key, upload_id) is None:
                raise _no_such_upload()
            store.put_part(conn, upload_id, part, self._clock.now())

        try:
            await self._db.run_write(put)
        except BaseException:
            self._blobs.discard([part.blob])
            raise
        self._blobs.publish([part.blob])

    async def complete(
        self,
        bucket: Bucket,
        key: str,
        upload_id: str,
        refs: list[PartRef],
        preconditions: Preconditions = NO_PRECONDITIONS,
    ) -> ObjectVersion:
        def finish(conn: Connection) -> ObjectVersion:
            upload = store.upload(conn, bucket.name, key, upload_id)
            if upload is None:
                raise _no_such_upload()
            parts = chosen_parts(refs, store.upload_parts(conn, upload_id))
            algorithm = upload.checksum_algorithm
            obj = self._objects.new_version(
                bucket,
                key,
                sum(part.size for part in parts),
                multipart_etag(parts),
                upload.owner_id,
                upload.attributes,
                composite_checksum(algorithm, parts) if algorithm else None,
                len(parts),
            )
            self._objects.commit_version_in(
                conn, bucket, obj, preconditions, "ObjectCreated:CompleteMultipartUpload"
            )
            store.attach_parts(conn, upload_id, [part.number for part in parts], obj.id)
            store.drop_unattached_parts(conn, upload_id, self._clock.now())
            store.delete_upload(conn, upload_id)
            return obj

        obj = await self._db.run_write(finish)
        self._objects.committed()
        return obj

    async def abort(self, bucket: Bucket, key: str, upload_id: str) -> None:
        def drop(conn: Connection) -> None:
            if store.upload(conn, bucket.name, key, upload_id) is None:
                raise _no_such_upload()
            store.drop_unattached_parts(conn, upload_id, self._clock.now())
            store.delete_upload(conn, upload_id)

        await self._db.run_write(drop)

    async def list_parts(
        self, bucket: Bucket, key: str, upload_id: str, marker: int, limit: int
    ) -> PartsPage:
        def read(conn: Connection) -> list[Part]:
            if store.upload(conn, bucket.name, key, upload_id) is None:
                raise _no_such_upload()
            return store.upload_parts(conn, upload_id, marker, limit + 1)

        parts = await self._db.run_read(read)
        truncated = len(parts) > limit
        parts = parts[:limit]
        return PartsPage(parts, truncated, parts[-1].number if parts else 0)

    async def list_uploads(self, bucket: Bucket, query: UploadQuery) -> UploadsPage:
        return await self._db.run_read(lambda conn: _list_uploads(conn, bucket.name, query))


def _list_uploads(conn: Connection, bucket: str, query: UploadQuery) -> UploadsPage:
    uploads: list[Upload] = []
    prefixes: list[str] = []
    after = _start(query)
    while after is not None and len(uploads) + len(prefixes) <= query.max_uploads:
        batch = store.list_uploads(conn, bucket, after, query.prefix, 1000)
        for upload in batch:
            if len(uploads) + len(prefixes) == query.max_uploads:
                return _uploads_page(uploads, prefixes, truncated=True)
            common = _rollup(upload.key, query)
            if common is None:
                uploads.append(upload)
                after = (upload.key, upload.id)
                continue
            prefixes.append(common)
            successor = store.key_successor(common)
            after = (successor, "") if successor is not None else None
            break
        else:
            if len(batch) < 1000:
                break
    return _uploads_page(uploads, prefixes, truncated=False)


def _rollup(key: str, query: UploadQuery) -> str | None:
    if not query.delimiter:
        return None
    at = key.find(query.delimiter, len(query.prefix))
    return key[: at + len(query.delimiter)] if at >= 0 else None


def _start(query: UploadQuery) -> tuple[str, str] | None:
    marker = query.key_marker
    if not marker:
        return ("", "")
    if _rollup(marker, query) == marker:
        successor = store.key_successor(marker)
        return (successor, "") if successor is not None else None
    return (marker, query.upload_id_marker or _AFTER_EVERY_ID)


def _uploads_page(uploads: list[Upload], prefixes: list[str], truncated: bool) -> UploadsPage:
    if not truncated:
        return UploadsPage(uploads, prefixes, False, "", "")
    # The page ends with whichever came last in key order: an upload or a common prefix.
    last_upload = uploads[-1] if uploads else None
    last_prefix = prefixes[-1] if prefixes else None
    if last_upload is not None and (last_prefix is None or last_upload.key >= last_prefix):
        return UploadsPage(uploads, prefixes, True, last_upload.key, last_upload.id)
    return UploadsPage(uploads, prefixes, True, last_prefix or "", "")


def _no_such_upload() -> errors.NoSuchUpload:
    return errors.NoSuchUpload(
        "The specified upload does not exist. The upload ID may be invalid, or the upload "
        "may have been aborted or completed."
    )
