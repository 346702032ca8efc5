"""Object storage tables.

Object keys sort byte-wise (UTF-8 order), as S3 lists them: SQLite's default collation
already does; PostgreSQL needs the "C" collation on the key columns.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text

from welkin.core.db import UtcDateTime, metadata

MAX_KEY_CHARS = 1024


def _key_type() -> String:
    return String(MAX_KEY_CHARS).with_variant(String(MAX_KEY_CHARS, collation="C"), "postgresql")


buckets = Table(
    "obs_buckets",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("account_id", String(32), nullable=False, index=True),
    Column("region", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("versioning", String(16), nullable=False),  # unversioned | enabled | suspended
    Column("acl", Text, nullable=False),  # JSON: canned ACL or grant list
    # Sub-resource documents, as JSON text; NULL when never set.
    Column("policy", Text, nullable=True),
    Column("cors", Text, nullable=True),
    Column("tags", Text, nullable=True),
    Column("lifecycle", Text, nullable=True),
    Column("notification", Text, nullable=True),
    # Bytes the bucket's object versions hold, kept in the transactions that add and drop
    # them: an account's stored-bytes quota is checked against the sum over its buckets.
    Column("stored_bytes", BigInteger, nullable=False, server_default="0"),
)

objects = Table(
    "obs_objects",
    metadata,
    # Also the name of the object's blob when it has exactly one.
    Column("id", String(32), primary_key=True),
    Column("bucket", String(63), nullable=False),
    Column("key", _key_type(), nullable=False),
    Column("version_id", String(32), nullable=False),  # "null" for the unversioned version
    Column("seq", BigInteger, nullable=False),  # orders a key's versions, newest highest
    Column("is_latest", Boolean, nullable=False),
    Column("delete_marker", Boolean, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("etag", String(64), nullable=False),
    Column("last_modified", UtcDateTime, nullable=False),
    Column("owner_id", String(32), nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("headers", Text, nullable=False),  # JSON: stored content headers
    Column("user_metadata", Text, nullable=False),  # JSON: x-amz-meta-*
    Column("checksum", Text, nullable=True),  # JSON: {"algorithm": ..., "value": ..., "type": ...}
    Column("tags", Text, nullable=False),  # JSON object
    Column("acl", Text, nullable=False),
    Column("storage_class", String(32), nullable=False),
    Column("blob", String(64), nullable=True),  # NULL: empty, delete marker, or multipart
    Column("parts_count", Integer, nullable=True),  # set for objects made by multipart upload
    Index("ix_obs_objects_version", "bucket", "key", "version_id", unique=True),
    Index("ix_obs_objects_listing", "bucket", "is_latest", "key"),
    Index("ix_obs_objects_history", "bucket", "key", "seq"),
    Index("ix_obs_objects_blob", "blob"),
)

uploads = Table(
    "obs_uploads",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("bucket", String(63), nullable=False),
    Column("key", _key_type(), nullable=False),
    Column("initiated", UtcDateTime, nullable=False),
    Column("owner_id", String(32), nullable=False),
    Column("initiator_id", String(32), nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("headers", Text, nullable=False),
    Column("user_metadata", Text, nullable=False),
    Column("checksum_algorithm", String(16), nullable=True),
    Column("tags", Text, nullable=False),
    Column("acl", Text, nullable=False),
    Column("storage_class", String(32), nullable=False),
    Index("ix_obs_uploads_listing", "bucket", "key", "initiated"),
)

# Parts of uploads in progress, and, once completed, of the object they make up
# (object_id set, upload_id kept for the record).
parts = Table(
    "obs_parts",
    metadata,
    Column("upload_id", String(64), primary_key=True),
    Column("part_number", Integer, primary_key=True),
    Column("object_id", String(32), nullable=True, index=True),
    Column("blob", String(80), nullable=False, index=True),
    Column("size", BigInteger, nullable=False),
    Column("etag", String(64), nullable=False),
    Column("checksum", Text, nullable=True),
    Column("last_modified", UtcDateTime, nullable=False),
)

# Blobs whose rows are gone, to be unlinked off the request path; written in the same
# transaction that drops the row, so a crash never leaks a blob.
trash = Table(
    "obs_trash",
    metadata,
    Column("blob", String(80), primary_key=True),
    Column("queued_at", UtcDateTime, nullable=False),
)

# The last UTC hour whose storage was sampled for billing (its start), moved on in the
# transaction that publishes the hour's records.
storage_sampled = Table(
    "obs_storage_sampled",
    metadata,
    Column("sampler", String(32), primary_key=True),
    Column("hour", UtcDateTime, nullable=False),
)
