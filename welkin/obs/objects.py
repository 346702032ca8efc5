"""Objects: writing, reading and deleting versions, under each bucket's versioning state.

A write streams the body into a staged blob first and commits metadata after, so the
previous version stays whole until the new one is complete; see blobs.py for the rest
of the durability contract.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import Connection as Conn

from welkin.billing.quotas import NO_LIMIT, AccountQuotas, Quota, QuotaDefaults
from welkin.core import errors as core
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.obs import checksums, errors, store
from welkin.obs.blobs import BlobStore, StagedBlob
from welkin.obs.blobwriter import Digest
from welkin.obs.conditions import Preconditions, check_write
from welkin.obs.models import (
    NULL_VERSION,
    Bucket,
    Checksum,
    ObjectAttributes,
    ObjectVersion,
    Part,
    Versioning,
    looks_like_version,
)
from welkin.obs.notifications import ObjectEvents

MAX_KEY_BYTES = 1024
NO_PRECONDITIONS = Preconditions()
MAX_OBJECT_BYTES = 5 * (1 << 40)  # S3's single-object limit
MAX_PUT_BYTES = 5 * (1 << 30)  # S3's limit for one PUT
# Bodies up to this size are read with their metadata, in one hop to a worker thread.
SMALL_BODY_BYTES = 64 * 1024


def check_key(key: str) -> None:
    if not key:
        raise core.InvalidArgument("an object key may not be empty")
    try:
        encoded = key.encode("utf-8")
    except UnicodeEncodeError:
        # A percent-encoded path that does not decode as UTF-8.
        raise core.InvalidArgument("an object key must be valid UTF-8") from None
    if len(encoded) > MAX_KEY_BYTES:
        raise errors.KeyTooLongError("Your key is too long: keys are at most 1024 bytes of UTF-8")
    if "\x00" in key:
        raise core.InvalidArgument("an object key may not contain a NUL character")


class BodyCheck(Protocol):
    """A digest the body must match, fed every byte, then ``verify`` raises if it does not."""

    def update(self, data: bytes | bytearray, /) -> None: ...

    def verify(self) -> None: ...


@dataclass(frozen=True)
class IncomingBody:
    """A body to store, and what the client said it would hash to.

    ``expected_checksum`` is called once the stream is exhausted, since an aws-chunked
    body carries its checksum in a trailer after the data. ``checks`` are fed alongside
    the MD5, off the event loop, and verified before anything is committed.
    """

    stream: AsyncIterator[bytes]
    content_md5: str | None = None  # base64, from Content-MD5
    checksum_algorithm: str | None = None
    expected_checksum: Callable[[], str | None] = lambda: None
    max_size: int = MAX_PUT_BYTES
    checks: tuple[BodyCheck, ...] = ()
    declared_size: int | None = None  # the length the client announced, when it did


@dataclass(frozen=True)
class WrittenBody:
    blob: StagedBlob
    md5_hex: str
    checksum: Checksum | None


@dataclass(frozen=True)
class FetchedObject:
    """A version to serve, with its whole body when that is small and in one blob."""

    version: ObjectVersion
    body: bytes | None  # None: stream it with ``read``


@dataclass(frozen=True)
class DeleteOutcome:
    version_id: str | None  # the version removed, or of the delete marker created
    delete_marker: bool


class ObjectService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        clock: Clock,
        events: ObjectEvents | None = None,
        quotas: AccountQuotas | None = None,
    ) -> None:
        self._db = db
        self._blobs = blobs
        self._clock = clock
        self._events = events
        self._quotas = quotas or AccountQuotas(db, clock, QuotaDefaults())
        self._quotas.count_with(Quota.STORED_BYTES, store.stored_bytes)
        self._last_seq = 0

    # --- bodies --------------------------------------------------------------------------
    async def receive(self, body: IncomingBody, blob_name: str | None = None) -> WrittenBody:
        """Stream ``body`` to a staged blob and check it against the client's digests."""
        md5 = hashlib.md5(usedforsecurity=False)
        digests: list[Digest] = [md5, *body.checks]
        hasher = (
            checksums.Checksum(checksums.ChecksumAlgorithm(body.checksum_algorithm))
            if (body.checksum_algorithm)
            else None
        )
        if hasher is not None:
            digests.append(hasher)
        staged = await self._blobs.write(body.stream, digests, body.max_size, blob_name)
        try:
            for check in body.checks:
                check.verify()
            if body.content_md5 is not None and base64.b64encode(md5.digest()).decode() != body.content_md5:
                raise errors.BadDigest("The Content-MD5 you specified did not match what we received.")
            checksum = None
            if hasher is not None and body.checksum_algorithm is not None:
                value = hasher.value()
                expected = body.expected_checksum()
                if expected is not None and expected != value:
                    raise errors.BadDigest(
                        f"The {body.checksum_algorithm} you specified did not match the calculated checksum."
                    )
                checksum = Checksum(body.checksum_algorithm, value)
        except BaseException:
            self._blobs.discard([staged.name])
            raise
        return WrittenBody(staged, md5.hexdigest(), checksum)

    # --- writes --------------------------------------------------------------------------
    async def put(
        self,
        bucket: Bucket,
        key: str,
        body: IncomingBody,
        attributes: ObjectAttributes,
        owner_id: str,
        preconditions: Preconditions = NO_PRECONDITIONS,
        event: str = "ObjectCreated:Put",
    ) -> ObjectVersion:
        check_key(key)
        if body.declared_size:
            await self._check_room(bucket, key, body.declared_size)
        object_id = secrets.token_hex(16)
        written = await self.receive(body, blob_name=object_id)
        blob = written.blob.name if written.blob.size else None
        obj = self._new_version(
            bucket, key, object_id, written.blob.size, written.md5_hex, owner_id, attributes, written.checksum
        )
        obj = replace(obj, blob=blob)
        try:
            await self.commit_version(bucket, obj, preconditions, event)
        except BaseException:
            self._blobs.discard([written.blob.name])
            raise
        if blob is None:
            self._blobs.discard([written.blob.name])
        else:
            self._blobs.publish([blob])
        return obj

    async def _check_room(self, bucket: Bucket, key: str, size: int) -> None:
        """Refuse a write the stored-bytes quota cannot take before its body is streamed in.

        Only a hint: the commit checks again, to the byte. An account with no limit pays
        one look into the quota cache.
        """
        if await self._quotas.limit(bucket.account_id, Quota.STORED_BYTES) == NO_LIMIT:
            return

        def check(conn: Conn) -> None:
            replaced = self._replaced(conn, bucket, key, store.latest(conn, bucket.name, key))
            adding = size - (replaced.size if replaced is not None else 0)
            if adding > 0:
                self._quotas.enforce_in(
                    conn, bucket.account_id, Quota.STORED_BYTES, adding, errors.InsufficientStorageSpace
                )

        await self._db.run_read(check)

    def _new_version(
        self,
        bucket: Bucket,
        key: str,
        object_id: str,
        size: int,
        etag: str,
        owner_id: str,
        attributes: ObjectAttributes,
        checksum: Checksum | None,
        parts_count: int | None = None,
    ) -> ObjectVersion:
        enabled = bucket.versioning is Versioning.ENABLED
        return ObjectVersion(
            id=object_id,
            bucket=bucket.name,
            key=key,
            version_id=secrets.token_hex(16) if enabled else NULL_VERSION,
            seq=self._next_seq(),
            is_latest=True,
            delete_marker=False,
            size=size,
            etag=etag,
            last_modified=self._clock.now(),
            owner_id=owner_id,
            attributes=attributes,
            checksum=checksum,
            blob=object_id if size else None,
            parts_count=parts_count,
        )

    async def commit_version(
        self,
        bucket: Bucket,
        obj: ObjectVersion,
        preconditions: Preconditions = NO_PRECONDITIONS,
        event: str = "ObjectCreated:Put",
    ) -> None:
        """Make ``obj`` the key's current version, in one transaction.

        ``event`` names the change for bucket notifications (ObjectCreated:Copy, ...).
        """
        await self._db.run_write(lambda conn: self.commit_version_in(conn, bucket, obj, preconditions, event))
        self.committed()

    def commit_version_in(
        self,
        conn: Conn,
        bucket: Bucket,
        obj: ObjectVersion,
        preconditions: Preconditions = NO_PRECONDITIONS,
        event: str = "ObjectCreated:Put",
    ) -> None:
        """``commit_version`` inside the caller's transaction, beside its own writes;
        the caller calls ``committed`` once the transaction is.

        A version that would take the bucket owner past its stored-bytes quota is refused
        (InsufficientStorageSpace) before anything is written; one that adds nothing (it
        replaces a version at least as large) is never refused.
        """
        store.lock_key(conn, bucket.name, obj.key)
        current = store.latest(conn, bucket.name, obj.key)
        if preconditions:
            check_write(current, preconditions)
        replaced = self._replaced(conn, bucket, obj.key, current)
        adding = obj.size - (replaced.size if replaced is not None else 0)
        if adding > 0:
            self._quotas.enforce_in(
                conn, bucket.account_id, Quota.STORED_BYTES, adding, errors.InsufficientStorageSpace
            )
        self._retire(conn, bucket, obj.key, current, replaced)
        store.insert_version(conn, obj)
        self.emit(conn, bucket, event, obj)

    def new_version(
        self,
        bucket: Bucket,
        key: str,
        size: int,
        etag: str,
        owner_id: str,
        attributes: ObjectAttributes,
        checksum: Checksum | None,
        parts_count: int,
    ) -> ObjectVersion:
        """A new current version made of parts, with no blob of its own."""
        obj = self._new_version(
            bucket, key, secrets.token_hex(16), size, etag, owner_id, attributes, checksum, parts_count
        )
        return replace(obj, blob=None)

    def emit(self, conn: Conn, bucket: Bucket, event: str, version: ObjectVersion) -> None:
        """Record a notification event in the open transaction; publish it last in it."""
        if self._events is not None:
            self._events.emit(conn, bucket, event, version)

    def committed(self) -> None:
        """Tell the notification outbox that a transaction holding events has committed."""
        if self._events is not None:
            self._events.committed()

    def _replaced(
        self, conn: Conn, bucket: Bucket, key: str, current: ObjectVersion | None
    ) -> ObjectVersion | None:
        """The version a new current version of ``key`` replaces, if any."""
        if current is None or bucket.versioning is Versioning.ENABLED:
            return None
        # Unversioned or suspended: the "null" version is replaced; others stay as history.
        if current.version_id == NULL_VERSION:
            return current
        if bucket.versioning is Versioning.SUSPENDED:
            return store.version(conn, bucket.name, key, NULL_VERSION)
        return None

    def _retire(
        self, conn: Conn, bucket: Bucket, key: str, current: ObjectVersion | None, null: ObjectVersion | None
    ) -> None:
        """Make room for a new current version of ``key``, dropping the one it replaces."""
        if current is None:
            return
        if null is not None:
            store.delete_version(conn, null, self._clock.now())
        if current is not null:
            store.clear_latest(conn, bucket.name, key)

    async def delete(self, bucket: Bucket, key: str, version_id: str | None) -> DeleteOutcome:
        """DELETE as S3 does it: a version when named, else a delete marker or the object."""
        check_key(key)
        outcome = await self._db.run_write(lambda conn: self._delete(conn, bucket, key, version_id))
        self.committed()
        return outcome

    def _delete(self, conn: Conn, bucket: Bucket, key: str, version_id: str | None) -> DeleteOutcome:
        store.lock_key(conn, bucket.name, key)
        if version_id is not None:
            return self._delete_version(conn, bucket, key, version_id)
        current = store.latest(conn, bucket.name, key)
        if bucket.versioning is Versioning.UNVERSIONED:
            if current is not None:
                store.delete_version(conn, current, self._clock.now())
                self.emit(conn, bucket, "ObjectRemoved:Delete", current)
            return DeleteOutcome(None, False)
        marker = self.add_delete_marker(conn, bucket, key, current)
        return DeleteOutcome(marker.version_id, True)

    def add_delete_marker(
        self, conn: Conn, bucket: Bucket, key: str, current: ObjectVersion | None
    ) -> ObjectVersion:
        """Hide ``key`` behind a new delete marker (versioned or suspended buckets)."""
        marker = replace(
            self._new_version(bucket, key, secrets.token_hex(16), 0, "", "", ObjectAttributes(), None),
            delete_marker=True,
            owner_id=bucket.account_id,
        )
        self._retire(conn, bucket, key, current, self._replaced(conn, bucket, key, current))
        store.insert_version(conn, marker)
        self.emit(conn, bucket, "ObjectRemoved:DeleteMarkerCreated", marker)
        return marker

    def _delete_version(self, conn: Conn, bucket: Bucket, key: str, version_id: str) -> DeleteOutcome:
        found = store.version(conn, bucket.name, key, version_id)
        if found is None:
            if version_id != NULL_VERSION and not looks_like_version(version_id):
                raise core.InvalidArgument("Invalid version id specified")
            return DeleteOutcome(version_id, False)
        store.delete_version(conn, found, self._clock.now())
        if found.is_latest:
            successor = store.newest_remaining(conn, bucket.name, key)
            if successor is not None:
                store.mark_latest(conn, successor.id)
        self.emit(conn, bucket, "ObjectRemoved:Delete", found)
        return DeleteOutcome(version_id, found.delete_marker)

    # --- reads ---------------------------------------------------------------------------
    async def head(self, bucket: Bucket, key: str, version_id: str | None) -> ObjectVersion:
        """The version to serve; NoSuchKey/NoSuchVersion, or 405 for a delete marker by id."""
        check_key(key)
        obj = await self._db.run_read(lambda conn: _lookup(conn, bucket.name, key, version_id))
        return _servable(obj, version_id)

    async def fetch(self, bucket: Bucket, key: str, version_id: str | None) -> FetchedObject:
        """``head``, and a small body read in the same call to the database's thread.

        On PostgreSQL that call runs on the event loop, where ``BlobStore.open`` always
        opens blobs: a read of at most SMALL_BODY_BYTES adds no other kind of wait.
        """
        check_key(key)

        def lookup(conn: Conn) -> tuple[ObjectVersion | None, bytes | None]:
            obj = _lookup(conn, bucket.name, key, version_id)
            if obj is None or obj.delete_marker or obj.parts_count or obj.size > SMALL_BODY_BYTES:
                return obj, None
            return obj, self._blobs.read(obj.blob, obj.size) if obj.blob is not None else b""

        obj, body = await self._db.run_read(lookup)
        return FetchedObject(_servable(obj, version_id), body)

    async def set_acl(self, obj: ObjectVersion, acl: str) -> None:
        """Replace one version's stored ACL (JSON, see :mod:`welkin.obs.acl_documents`)."""
        await self._db.run_write(lambda conn: store.set_object_field(conn, obj.id, {"acl": acl}))

    async def set_tags(self, obj: ObjectVersion, tags: dict[str, str]) -> None:
        """Replace one version's tag set."""
        values = {"tags": json.dumps(tags)}
        await self._db.run_write(lambda conn: store.set_object_field(conn, obj.id, values))

    async def parts_of(self, obj: ObjectVersion) -> list[Part]:
        return await self._db.run_read(lambda conn: store.object_parts(conn, obj.id))

    async def read(self, obj: ObjectVersion, start: int, end: int) -> AsyncIterator[bytes]:
        """Bytes ``start`` to ``end`` (exclusive) of ``obj``'s body, streamed."""
        if start >= end:
            return
        if obj.parts_count:
            offset = 0
            for part in await self.parts_of(obj):
                lo, hi = max(start, offset), min(end, offset + part.size)
                if lo < hi:
                    async for chunk in self._read_blob(part.blob, lo - offset, hi - offset):
                        yield chunk
                offset += part.size
            return
        if obj.blob is not None:
            async for chunk in self._read_blob(obj.blob, start, end):
                yield chunk

    async def _read_blob(self, name: str, start: int, end: int) -> AsyncIterator[bytes]:
        reader = self._blobs.open(name)
        try:
            async for chunk in reader.stream(start, end):
                yield chunk
        finally:
            reader.close()

    def _next_seq(self) -> int:
        # Strictly increasing even if the clock stalls or steps back.
        self._last_seq = max(time.time_ns(), self._last_seq + 1)
        return self._last_seq


def _lookup(conn: Conn, bucket: str, key: str, version_id: str | None) -> ObjectVersion | None:
    if version_id is None:
        return store.latest(conn, bucket, key)
    return store.version(conn, bucket, key, version_id)


def _servable(obj: ObjectVersion | None, version_id: str | None) -> ObjectVersion:
    """``obj`` if it can be served; NoSuchKey/NoSuchVersion, or 405 for a delete marker by id."""
    if obj is None:
        if version_id is not None:
            if version_id != NULL_VERSION and not looks_like_version(version_id):
                raise core.InvalidArgument("Invalid version id specified")
            raise errors.NoSuchVersion("The specified version does not exist.")
        raise errors.NoSuchKey("The specified key does not exist.")
    if obj.delete_marker:
        if version_id is not None:
            raise DeleteMarkerAccessed(obj)
        raise DeletedObject(obj)
    return obj


class DeletedObject(errors.NoSuchKey):
    """The current version is a delete marker (404, with x-amz-delete-marker: true)."""

    def __init__(self, marker: ObjectVersion) -> None:
        super().__init__("The specified key does not exist.")
        self.marker = marker


class DeleteMarkerAccessed(core.WelkinError):
    """GET/HEAD of a delete marker by version id (405, as S3 answers)."""

    code = "MethodNotAllowed"
    status = 405

    def __init__(self, marker: ObjectVersion) -> None:
        super().__init__("The specified method is not allowed against this resource.")
        self.marker = marker


def last_modified_http(when: datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S GMT")
