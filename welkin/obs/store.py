"""Object storage metadata: every query, and nothing else.

All functions take an open connection, so the service decides what one transaction holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, insert, or_, select, text, update
from sqlalchemy.engine import Connection as Conn
from sqlalchemy.engine import RowMapping

from welkin.obs import tables as t
from welkin.obs.models import Bucket, Checksum, ObjectAttributes, ObjectVersion, Part, Upload, Versioning

BUCKET_DOCUMENTS = ("policy", "cors", "tags", "lifecycle", "notification", "acl")

# Statements every small-object request runs, built once: constructing and cache-keying
# a fresh statement per call costs more than SQLite takes to run it.
_o = t.objects.c
_LATEST = select(t.objects).where(
    _o.bucket == bindparam("bucket"), _o.is_latest.is_(True), _o.key == bindparam("key")
)
_VERSION = select(t.objects).where(
    _o.bucket == bindparam("bucket"), _o.key == bindparam("key"), _o.version_id == bindparam("version_id")
)
_INSERT_VERSION = insert(t.objects)
_CLEAR_LATEST = (
    update(t.objects)
    .where(_o.bucket == bindparam("b"), _o.is_latest.is_(True), _o.key == bindparam("k"))
    .values(is_latest=False)
)
_DELETE_VERSION = delete(t.objects).where(_o.id == bindparam("id"))
_ADD_STORED = (
    update(t.buckets)
    .where(t.buckets.c.name == bindparam("b"))
    .values(stored_bytes=t.buckets.c.stored_bytes + bindparam("delta"))
)
_INSERT_TRASH = insert(t.trash)


# --- buckets ---------------------------------------------------------------------------------
def insert_bucket(conn: Conn, bucket: Bucket) -> None:
    conn.execute(
        insert(t.buckets).values(
            name=bucket.name,
            account_id=bucket.account_id,
            region=bucket.region,
            created_at=bucket.created_at,
            versioning=bucket.versioning.value,
            acl=bucket.acl,
        )
    )


def bucket(conn: Conn, name: str) -> Bucket | None:
    row = (conn.execute(select(t.buckets).where(t.buckets.c.name == name))).mappings().first()
    return _bucket(row) if row else None


def buckets_of(conn: Conn, account_id: str) -> list[Bucket]:
    query = select(t.buckets).where(t.buckets.c.account_id == account_id).order_by(t.buckets.c.name)
    return [_bucket(row) for row in (conn.execute(query)).mappings()]


def all_buckets(conn: Conn) -> list[Bucket]:
    return [_bucket(row) for row in (conn.execute(select(t.buckets))).mappings()]


def count_buckets(conn: Conn, account_id: str) -> int:
    query = select(func.count()).select_from(t.buckets).where(t.buckets.c.account_id == account_id)
    return int(conn.execute(query).scalar_one())


def stored_bytes(conn: Conn, account_id: str) -> int:
    """Bytes the account's object versions hold, in all its buckets."""
    query = select(func.coalesce(func.sum(t.buckets.c.stored_bytes), 0)).where(
        t.buckets.c.account_id == account_id
    )
    return int(conn.execute(query).scalar_one())


def _add_stored(conn: Conn, bucket: str, delta: int) -> None:
    if delta:
        conn.execute(_ADD_STORED, {"b": bucket, "delta": delta})


def delete_bucket(conn: Conn, name: str) -> None:
    conn.execute(delete(t.buckets).where(t.buckets.c.name == name))


def set_bucket_document(conn: Conn, name: str, document: str, value: str | None) -> None:
    if document not in BUCKET_DOCUMENTS:
        raise ValueError(document)
    conn.execute(update(t.buckets).where(t.buckets.c.name == name).values({document: value}))


def set_versioning(conn: Conn, name: str, state: Versioning) -> None:
    conn.execute(update(t.buckets).where(t.buckets.c.name == name).values(versioning=state.value))


def bucket_in_use(conn: Conn, name: str) -> bool:
    any_object = exists().where(t.objects.c.bucket == name)
    any_upload = exists().where(t.uploads.c.bucket == name)
    return bool((conn.execute(select(or_(any_object, any_upload)))).scalar())


def lock_key(conn: Conn, bucket: str, key: str) -> None:
    """Serialise writers of one key until the transaction ends.

    SQLite's writers are serialised already; on PostgreSQL two transactions could both
    see no current version and both insert one, so each first takes an advisory lock
    on the key (transaction-scoped: released by commit or rollback).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": f"{bucket}/{key}"}
        )


# --- object versions -------------------------------------------------------------------------
def latest(conn: Conn, bucket: str, key: str) -> ObjectVersion | None:
    row = conn.execute(_LATEST, {"bucket": bucket, "key": key}).mappings().first()
    return _version(row) if row else None


def version(conn: Conn, bucket: str, key: str, version_id: str) -> ObjectVersion | None:
    params = {"bucket": bucket, "key": key, "version_id": version_id}
    row = conn.execute(_VERSION, params).mappings().first()
    return _version(row) if row else None


def newest_remaining(conn: Conn, bucket: str, key: str) -> ObjectVersion | None:
    query = (
        select(t.objects)
        .where(t.objects.c.bucket == bucket, t.objects.c.key == key)
        .order_by(t.objects.c.seq.desc())
        .limit(1)
    )
    row = (conn.execute(query)).mappings().first()
    return _version(row) if row else None


def insert_version(conn: Conn, obj: ObjectVersion) -> None:
    attrs = obj.attributes
    conn.execute(
        _INSERT_VERSION,
        dict(
            id=obj.id,
            bucket=obj.bucket,
            key=obj.key,
            version_id=obj.version_id,
            seq=obj.seq,
            is_latest=obj.is_latest,
            delete_marker=obj.delete_marker,
            size=obj.size,
            etag=obj.etag,
            last_modified=obj.last_modified,
            owner_id=obj.owner_id,
            content_type=attrs.content_type,
            headers=json.dumps(attrs.headers),
            user_metadata=json.dumps(attrs.user_metadata),
            checksum=_checksum_json(obj.checksum),
            tags=json.dumps(attrs.tags),
            acl=attrs.acl,
            storage_class=attrs.storage_class,
            blob=obj.blob,
            parts_count=obj.parts_count,
        ),
    )
    _add_stored(conn, obj.bucket, obj.size)


def clear_latest(conn: Conn, bucket: str, key: str) -> None:
    conn.execute(_CLEAR_LATEST, {"b": bucket, "k": key})


def mark_latest(conn: Conn, object_id: str) -> None:
    conn.execute(update(t.objects).where(t.objects.c.id == object_id).values(is_latest=True))


def delete_version(conn: Conn, obj: ObjectVersion, now: datetime) -> None:
    """Drop one version row and hand its blobs (its own or its parts') to the trash."""
    conn.execute(_DELETE_VERSION, {"id": obj.id})
    _add_stored(conn, obj.bucket, -obj.size)
    blobs = [obj.blob] if obj.blob else []
    if obj.parts_count:
        query = select(t.parts.c.blob).where(t.parts.c.object_id == obj.id)
        blobs += list((conn.execute(query)).scalars())
        conn.execute(delete(t.parts).where(t.parts.c.object_id == obj.id))
    to_trash(conn, blobs, now)


def set_object_field(conn: Conn, object_id: str, values: Mapping[str, Any]) -> None:
    conn.execute(update(t.objects).where(t.objects.c.id == object_id).values(**values))


def object_parts(conn: Conn, object_id: str) -> list[Part]:
    query = select(t.parts).where(t.parts.c.object_id == object_id).order_by(t.parts.c.part_number)
    return [_part(row) for row in (conn.execute(query)).mappings()]


def list_latest(
    conn: Conn, bucket: str, start: str | None, inclusive: bool, prefix: str, limit: int
) -> list[ObjectVersion]:
    """Current versions (delete markers too) under ``prefix`` from ``start`` on, in key order."""
    c = t.objects.c
    query = select(t.objects).where(c.bucket == bucket, c.is_latest.is_(True), *_key_range(None, prefix))
    if start is not None:
        query = query.where(c.key >= start if inclusive else c.key > start)
    query = query.order_by(c.key).limit(limit)
    return [_version(row) for row in (conn.execute(query)).mappings()]


def list_versions(
    conn: Conn, bucket: str, after: tuple[str, int] | None, prefix: str, limit: int
) -> list[ObjectVersion]:
    """All versions in (key, newest first) order, after the (key, seq) position."""
    c = t.objects.c
    query = select(t.objects).where(c.bucket == bucket, *_key_range(None, prefix))
    if after is not None:
        key, seq = after
        query = query.where(or_(c.key > key, and_(c.key == key, c.seq < seq)))
    query = query.order_by(c.key, c.seq.desc()).limit(limit)
    return [_version(row) for row in (conn.execute(query)).mappings()]


def _key_range(after: str | None, prefix: str) -> list[Any]:
    c = t.objects.c
    clauses: list[Any] = []
    if prefix:
        clauses.append(c.key >= prefix)
        upper = key_successor(prefix)
        if upper is not None:
            clauses.append(c.key < upper)
    if after is not None:
        clauses.append(c.key > after)
    return clauses


def key_successor(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix``."""
    chars = list(prefix)
    while chars:
        code = ord(chars.pop()) + 1
        if 0xD800 <= code <= 0xDFFF:
            code = 0xE000
        if code <= 0x10FFFF:
            return "".join(chars) + chr(code)
    return None


# --- uploads and parts -----------------------------------------------------------------------
def insert_upload(conn: Conn, upload: Upload) -> None:
    attrs = upload.attributes
    conn.execute(
        insert(t.uploads).values(
            id=upload.id,
            bucket=upload.bucket,
            key=upload.key,
            initiated=upload.initiated,
            owner_id=upload.owner_id,
            initiator_id=upload.initiator_id,
            content_type=attrs.content_type,
            headers=json.dumps(attrs.headers),
            user_metadata=json.dumps(attrs.user_metadata),
            checksum_algorithm=upload.checksum_algorithm,
            tags=json.dumps(attrs.tags),
            acl=attrs.acl,
            storage_class=attrs.storage_class,
        )
    )


def upload(conn: Conn, bucket: str, key: str, upload_id: str) -> Upload | None:
    c = t.uploads.c
    query = select(t.uploads).where(c.id == upload_id, c.bucket == bucket, c.key == key)
    row = (conn.execute(query)).mappings().first()
    return _upload(row) if row else None


def list_uploads(
    conn: Conn, bucket: str, after: tuple[str, str] | None, prefix: str, limit: int
) -> list[Upload]:
    c = t.uploads.c
    query = select(t.uploads).where(c.bucket == bucket)
    if prefix:
        query = query.where(c.key >= prefix)
        upper = key_successor(prefix)
        if upper is not None:
            query = query.where(c.key < upper)
    if after is not None:
        key, upload_id = after
        query = query.where(or_(c.key > key, and_(c.key == key, c.id > upload_id)))
    query = query.order_by(c.key, c.id).limit(limit)
    return [_upload(row) for row in (conn.execute(query)).mappings()]


def delete_upload(conn: Conn, upload_id: str) -> None:
    conn.execute(delete(t.uploads).where(t.uploads.c.id == upload_id))


def upload_parts(conn: Conn, upload_id: str, after: int = 0, limit: int = 10_000) -> list[Part]:
    c = t.parts.c
    query = (
        select(t.parts)
        .where(c.upload_id == upload_id, c.object_id.is_(None), c.part_number > after)
        .order_by(c.part_number)
        .limit(limit)
    )
    return [_part(row) for row in (conn.execute(query)).mappings()]


def put_part(conn: Conn, upload_id: str, part: Part, now: datetime) -> None:
    """Insert or replace a part; a replaced part's blob goes to the trash."""
    c = t.parts.c
    old = (
        conn.execute(select(c.blob).where(c.upload_id == upload_id, c.part_number == part.number))
    ).scalar()
    if old is not None:
        conn.execute(delete(t.parts).where(c.upload_id == upload_id, c.part_number == part.number))
        to_trash(conn, [old], now)
    conn.execute(
        insert(t.parts).values(
            upload_id=upload_id,
            part_number=part.number,
            object_id=None,
            blob=part.blob,
            size=part.size,
            etag=part.etag,
            checksum=_checksum_json(part.checksum),
            last_modified=part.last_modified,
        )
    )


def attach_parts(conn: Conn, upload_id: str, numbers: list[int], object_id: str) -> None:
    c = t.parts.c
    conn.execute(
        update(t.parts)
        .where(c.upload_id == upload_id, c.part_number.in_(numbers))
        .values(object_id=object_id)
    )


def drop_unattached_parts(conn: Conn, upload_id: str, now: datetime) -> None:
    c = t.parts.c
    where = (c.upload_id == upload_id, c.object_id.is_(None))
    blobs = list((conn.execute(select(c.blob).where(*where))).scalars())
    conn.execute(delete(t.parts).where(*where))
    to_trash(conn, blobs, now)


# --- blobs -----------------------------------------------------------------------------------
def to_trash(conn: Conn, blobs: Iterable[str], now: datetime) -> None:
    rows = [{"blob": blob, "queued_at": now} for blob in blobs]
    if rows:
        conn.execute(_INSERT_TRASH, rows)


def trash_batch(conn: Conn, limit: int) -> list[str]:
    query = select(t.trash.c.blob).order_by(t.trash.c.queued_at).limit(limit)
    return list((conn.execute(query)).scalars())


def forget_trash(conn: Conn, blobs: list[str]) -> None:
    conn.execute(delete(t.trash).where(t.trash.c.blob.in_(blobs)))


def referenced_blobs(conn: Conn, names: list[str]) -> set[str]:
    found = set((conn.execute(select(t.objects.c.blob).where(t.objects.c.blob.in_(names)))).scalars())
    found |= set((conn.execute(select(t.parts.c.blob).where(t.parts.c.blob.in_(names)))).scalars())
    return {name for name in found if name is not None}


def count_objects(conn: Conn, bucket: str) -> int:
    query = select(func.count()).select_from(t.objects).where(t.objects.c.bucket == bucket)
    return int((conn.execute(query)).scalar() or 0)


def count_current_objects(conn: Conn, account_id: str) -> int:
    """The objects (current versions, not delete markers) in all of the account's buckets."""
    o, b = t.objects, t.buckets
    query = (
        select(func.count())
        .select_from(o.join(b, o.c.bucket == b.c.name))
        .where(b.c.account_id == account_id, o.c.is_latest.is_(True), o.c.delete_marker.is_(False))
    )
    return int((conn.execute(query)).scalar() or 0)


# --- rows to values --------------------------------------------------------------------------
def _bucket(row: RowMapping) -> Bucket:
    return Bucket(
        name=row["name"],
        account_id=row["account_id"],
        region=row["region"],
        created_at=row["created_at"],
        versioning=Versioning(row["versioning"]),
        acl=row["acl"],
        policy=row["policy"],
        cors=row["cors"],
        tags=row["tags"],
        lifecycle=row["lifecycle"],
        notification=row["notification"],
    )


def _attributes(row: RowMapping) -> ObjectAttributes:
    return ObjectAttributes(
        content_type=row["content_type"],
        headers=json.loads(row["headers"]),
        user_metadata=json.loads(row["user_metadata"]),
        tags=json.loads(row["tags"]),
        acl=row["acl"],
        storage_class=row["storage_class"],
    )


def _version(row: RowMapping) -> ObjectVersion:
    return ObjectVersion(
        id=row["id"],
        bucket=row["bucket"],
        key=row["key"],
        version_id=row["version_id"],
        seq=row["seq"],
        is_latest=row["is_latest"],
        delete_marker=row["delete_marker"],
        size=row["size"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        owner_id=row["owner_id"],
        attributes=_attributes(row),
        checksum=_checksum(row["checksum"]),
        blob=row["blob"],
        parts_count=row["parts_count"],
    )


def _upload(row: RowMapping) -> Upload:
    return Upload(
        id=row["id"],
        bucket=row["bucket"],
        key=row["key"],
        initiated=row["initiated"],
        owner_id=row["owner_id"],
        initiator_id=row["initiator_id"],
        attributes=_attributes(row),
        checksum_algorithm=row["checksum_algorithm"],
    )


def _part(row: RowMapping) -> Part:
    return Part(
        number=row["part_number"],
        blob=row["blob"],
        size=row["size"],
        etag=row["etag"],
        checksum=_checksum(row["checksum"]),
        last_modified=row["last_modified"],
    )


def _checksum_json(checksum: Checksum | None) -> str | None:
    if checksum is None:
        return None
    return json.dumps(
        {"algorithm": checksum.algorithm, "value": checksum.value, "full": checksum.full_object}
    )


def _checksum(raw: str | None) -> Checksum | None:
    if raw is None:
        return None
    data = json.loads(raw)
    return Checksum(data["algorithm"], data["value"], data["full"])
