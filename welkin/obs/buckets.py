"""Buckets: naming, ownership, versioning state and their configuration documents."""

from __future__ import annotations

import ipaddress
import re

from sqlalchemy.engine import Connection

from welkin.billing.quotas import AccountQuotas, Quota, QuotaDefaults
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.obs import errors, store
from welkin.obs.models import Bucket, Versioning

_NAME_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", re.ASCII)
# First path segments the region's other APIs answer on: a bucket by these names could
# never be reached path-style.
_RESERVED = frozenset({"health", "welkin", "console", "static", "api"})
_RESERVED_RE = re.compile(r"v\d+(\.\d+)?", re.ASCII)


def check_bucket_name(name: str) -> None:
    """S3's naming rules, plus the names Welkin's own APIs live under."""
    if not _NAME_RE.fullmatch(name):
        raise errors.InvalidBucketName(
            f"{name!r}: a bucket name has 3 to 63 lower-case letters, digits, dots and hyphens, "
            "and starts and ends with a letter or digit"
        )
    if ".." in name or ".-" in name or "-." in name:
        raise errors.InvalidBucketName(f"{name!r}: dots may not be next to each other or to a hyphen")
    if name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3")):
        raise errors.InvalidBucketName(f"{name!r} uses a reserved prefix or suffix")
    if _looks_like_ipv4(name):
        raise errors.InvalidBucketName(f"{name!r}: a bucket name may not look like an IP address")
    if name in _RESERVED or _RESERVED_RE.fullmatch(name):
        raise errors.InvalidBucketName(f"{name!r} is reserved for the region's own APIs")


def _looks_like_ipv4(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


class BucketService:
    """Buckets of one region. Bucket rows are cached: they are read on every request."""

    def __init__(self, db: Database, clock: Clock, region: str, quotas: AccountQuotas | None = None) -> None:
        self._db = db
        self._clock = clock
        self._region = region
        self._cache: dict[str, Bucket] = {}
        self._quotas = quotas or AccountQuotas(db, clock, QuotaDefaults())
        self._quotas.count_with(Quota.BUCKETS, store.count_buckets)

    async def create(self, account_id: str, name: str, location: str | None, acl: str) -> Bucket:
        check_bucket_name(name)
        if location not in (None, "", self._region):
            raise errors.InvalidLocationConstraint(
                f"this endpoint serves region {self._region!r}, not {location!r}"
            )
        bucket = Bucket(name, account_id, self._region, self._clock.now(), Versioning.UNVERSIONED, acl)

        def insert(conn: Connection) -> None:
            existing = store.bucket(conn, name)
            if existing is not None:
                if existing.account_id == account_id:
                    raise errors.BucketAlreadyOwnedByYou(f"you already own bucket {name!r}")
                raise errors.BucketAlreadyExists(f"bucket name {name!r} is taken; choose another")
            self._quotas.enforce_in(conn, account_id, Quota.BUCKETS, 1, errors.TooManyBuckets)
            store.insert_bucket(conn, bucket)

        await self._db.run_write(insert)
        self._cache.pop(name, None)
        return bucket

    async def get(self, name: str) -> Bucket:
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        found = await self._db.run_read(lambda conn: store.bucket(conn, name))
        if found is None:
            raise errors.NoSuchBucket(f"bucket {name!r} does not exist")
        self._cache[name] = found
        return found

    async def list_owned(self, account_id: str) -> list[Bucket]:
        return await self._db.run_read(lambda conn: store.buckets_of(conn, account_id))

    async def count_objects(self, account_id: str) -> int:
        """The current objects in the account's buckets: a COUNT over all of them, slow on
        millions of keys, so not for every request."""
        return await self._db.run_read(lambda conn: store.count_current_objects(conn, account_id))

    async def delete(self, name: str) -> None:

        def drop(conn: Connection) -> None:
            if store.bucket(conn, name) is None:
                raise errors.NoSuchBucket(f"bucket {name!r} does not exist")
            if store.bucket_in_use(conn, name):
                raise errors.BucketNotEmpty(
                    f"bucket {name!r} still holds objects, versions or multipart uploads"
                )
            store.delete_bucket(conn, name)

        await self._db.run_write(drop)
        self._cache.pop(name, None)

    async def set_versioning(self, name: str, state: Versioning) -> None:
        if state is Versioning.UNVERSIONED:
            raise errors.MalformedXML("versioning can be Enabled or Suspended, never turned off again")
        await self._db.run_write(lambda conn: store.set_versioning(conn, name, state))
        self._cache.pop(name, None)

    async def set_document(self, name: str, document: str, value: str | None) -> None:
        """Store (or with None, remove) one of the bucket's JSON documents: policy, cors, ..."""
        await self._db.run_write(lambda conn: store.set_bucket_document(conn, name, document, value))
        self._cache.pop(name, None)
