"""Reading a code package out of OBS (``code_type`` obs, ``code_url``) as the caller.

The object is read through the object storage service, and checked first exactly as
a GetObject by the caller would be (IAM policies, bucket policy, ACLs), so a function
can be made only from code its creator may read.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

from welkin.core import errors
from welkin.functions.errors import CodeTooLarge
from welkin.iam.models import Principal
from welkin.obs.buckets import BucketService
from welkin.obs.objects import ObjectService
from welkin.obs.operations import OPERATIONS
from welkin.obs.s3api.authorize import Authorizer


def parse_code_url(url: str, s3_domains: tuple[str, ...]) -> tuple[str, str]:
    """(bucket, key) of ``obs://bucket/key``, a virtual-host URL (``bucket.obs.<region>...``,
    ``bucket.<s3 domain>``) or a path-style URL (``http://host/bucket/key``)."""
    if url.startswith("obs://"):
        bucket, _, key = url[len("obs://") :].partition("/")
    else:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise errors.InvalidArgument(f"code_url {url!r} is not an OBS object URL.")
        host, path = parts.hostname, unquote(parts.path.lstrip("/"))
        domain = next((d for d in s3_domains if host.endswith("." + d)), None)
        if ".obs." in host:
            bucket, key = host.split(".", 1)[0], path
        elif domain is not None:
            bucket, key = host[: -len(domain) - 1], path
        else:
            bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise errors.InvalidArgument(f"code_url {url!r} does not name a bucket and an object key.")
    return bucket, key


class ObsCodeReader:
    def __init__(
        self,
        buckets: BucketService,
        objects: ObjectService,
        authorizer: Authorizer,
        s3_domains: tuple[str, ...],
    ) -> None:
        self._buckets = buckets
        self._objects = objects
        self._authorizer = authorizer
        self._domains = s3_domains

    async def read(self, principal: Principal, url: str, limit: int) -> tuple[bytes, str]:
        """The object's bytes and its file name; at most ``limit`` bytes."""
        bucket_name, key = parse_code_url(url, self._domains)
        try:
            bucket = await self._buckets.get(bucket_name)
            await self._authorizer.check_as(principal, {}, OPERATIONS["GetObject"], bucket, key, None)
            obj = await self._objects.head(bucket, key, None)
        except errors.AccessDenied:
            raise errors.AccessDenied(f"You may not read the code package at {url}.") from None
        except errors.NotFound as exc:
            raise errors.InvalidArgument(f"code_url {url}: {exc.message}") from None
        if obj.size > limit:
            raise CodeTooLarge(f"The code package at {url} is {obj.size} bytes; at most {limit}.")
        data = bytearray()
        async for chunk in self._objects.read(obj, 0, obj.size):
            data += chunk
        return bytes(data), posixpath.basename(key)
