"""Object storage domain values."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

NULL_VERSION = "null"


def looks_like_version(version_id: str) -> bool:
    """Whether ``version_id`` has the shape of the ids Welkin generates."""
    return len(version_id) == 32 and all(c in "0123456789abcdef" for c in version_id)


class Versioning(enum.Enum):
    UNVERSIONED = "unversioned"
    ENABLED = "enabled"
    SUSPENDED = "suspended"


@dataclass(frozen=True)
class Bucket:
    name: str
    account_id: str
    region: str
    created_at: datetime
    versioning: Versioning
    acl: str  # JSON
    policy: str | None = None
    cors: str | None = None
    tags: str | None = None
    lifecycle: str | None = None
    notification: str | None = None


@dataclass(frozen=True)
class Checksum:
    algorithm: str  # CRC32, CRC32C, SHA1, SHA256
    value: str  # base64, as on the wire
    full_object: bool = True  # False for a multipart object's checksum of checksums


@dataclass(frozen=True)
class ObjectAttributes:
    """What a writer sets on an object besides its bytes."""

    content_type: str = "binary/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)  # Content-Encoding, Cache-Control, ...
    user_metadata: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    acl: str = '"private"'
    storage_class: str = "STANDARD"


@dataclass(frozen=True)
class ObjectVersion:
    id: str
    bucket: str
    key: str
    version_id: str
    seq: int
    is_latest: bool
    delete_marker: bool
    size: int
    etag: str  # hex, without quotes; multipart: "<hex>-<parts>"
    last_modified: datetime
    owner_id: str
    attributes: ObjectAttributes
    checksum: Checksum | None
    blob: str | None
    parts_count: int | None

    @property
    def quoted_etag(self) -> str:
        return f'"{self.etag}"'


@dataclass(frozen=True)
class Part:
    number: int
    blob: str
    size: int
    etag: str
    checksum: Checksum | None
    last_modified: datetime


@dataclass(frozen=True)
class Upload:
    id: str
    bucket: str
    key: str
    initiated: datetime
    owner_id: str
    initiator_id: str
    attributes: ObjectAttributes
    checksum_algorithm: str | None


@dataclass(frozen=True)
class ListEntry:
    """A key in a listing: an object version, or a common prefix when ``version`` is None."""

    key: str
    version: ObjectVersion | None


@dataclass(frozen=True)
class ListPage:
    entries: list[ListEntry]
    truncated: bool
    next_key: str | None  # resume after this key (a key or a common prefix)
    next_version_id: str | None = None  # for version listings
