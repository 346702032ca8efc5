"""The object a copy reads: x-amz-copy-source, its version and its preconditions.

Whether the requester may read it is the edge's to check (Authorizer, for operations
that read a source), before the handler runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from welkin.core import errors as core
from welkin.obs import errors
from welkin.obs.buckets import BucketService
from welkin.obs.conditions import check_copy_source
from welkin.obs.models import ObjectVersion
from welkin.obs.objects import DeletedObject, DeleteMarkerAccessed, ObjectService
from welkin.obs.s3api.request import S3Request, preconditions


@dataclass(frozen=True)
class SourceRef:
    bucket: str
    key: str
    version_id: str | None


def parse_copy_source(header: str) -> SourceRef:
    """``[/]bucket/key[?versionId=id]``, the bucket and key URL-encoded."""
    path, _, query = header.strip().partition("?")
    version_id = None
    if query:
        name, _, value = query.partition("=")
        if name != "versionId" or not value:
            raise core.InvalidArgument("Copy Source must mention the source bucket and key: bucket/key")
        version_id = unquote(value)
    try:
        bucket, _, key = unquote(path, errors="strict").lstrip("/").partition("/")
    except UnicodeDecodeError:
        raise core.InvalidArgument("Copy Source is not valid URL-encoded UTF-8") from None
    if not bucket or not key:
        raise core.InvalidArgument("Copy Source must mention the source bucket and key: bucket/key")
    return SourceRef(bucket, key, version_id)


class CopySource:
    def __init__(self, buckets: BucketService, objects: ObjectService) -> None:
        self._buckets = buckets
        self._objects = objects

    async def resolve(self, req: S3Request) -> ObjectVersion:
        """The source version, once its preconditions hold."""
        ref = parse_copy_source(req.header("x-amz-copy-source"))
        bucket = await self._buckets.get(ref.bucket)
        try:
            source = await self._objects.head(bucket, ref.key, ref.version_id)
        except DeletedObject:
            raise errors.NoSuchKey("The specified key does not exist.") from None
        except DeleteMarkerAccessed:
            raise errors.InvalidRequest(
                "The source of a copy request may not specifically refer to a delete marker by version id."
            ) from None
        check_copy_source(source, preconditions(req.headers, "x-amz-copy-source-"))
        return source
