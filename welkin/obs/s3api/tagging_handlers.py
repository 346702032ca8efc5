"""?tagging on buckets and objects: a ``Tagging`` document holding a ``TagSet``.

Limits as S3's: 10 tags on an object, 50 on a bucket, keys of 1 to 128 characters,
values of at most 256, each key once.
"""

from __future__ import annotations

import json

from starlette.responses import Response

from welkin.obs import errors
from welkin.obs.buckets import BucketService
from welkin.obs.objects import ObjectService
from welkin.obs.s3api.request import S3Request, check_tags
from welkin.obs.s3api.routing import Routes
from welkin.obs.s3api.xml import child_text, parse, xml_response

MAX_BUCKET_TAGS = 50
MAX_TAGGING_BYTES = 64 * 1024


class TaggingHandlers:
    def __init__(self, buckets: BucketService, objects: ObjectService) -> None:
        self._buckets = buckets
        self._objects = objects

    def register(self, routes: Routes) -> None:
        routes.add("GET", "bucket", "tagging", "GetBucketTagging", self.get_bucket_tags)
        routes.add("PUT", "bucket", "tagging", "PutBucketTagging", self.put_bucket_tags)
        routes.add("DELETE", "bucket", "tagging", "DeleteBucketTagging", self.delete_bucket_tags)
        routes.add("GET", "object", "tagging", "GetObjectTagging", self.get_object_tags)
        routes.add("PUT", "object", "tagging", "PutObjectTagging", self.put_object_tags)
        routes.add("DELETE", "object", "tagging", "DeleteObjectTagging", self.delete_object_tags)

    async def get_bucket_tags(self, req: S3Request) -> Response:
        raw = req.the_bucket().tags
        if raw is None:
            raise errors.NoSuchTagSet("The TagSet does not exist")
        return _tagging_response(json.loads(raw))

    async def put_bucket_tags(self, req: S3Request) -> Response:
        tags = parse_tagging(await req.body(MAX_TAGGING_BYTES))
        if len(tags) > MAX_BUCKET_TAGS:
            raise errors.InvalidTag(f"Bucket tags cannot be greater than {MAX_BUCKET_TAGS}")
        await self._buckets.set_document(req.the_bucket().name, "tags", json.dumps(tags))
        return Response(status_code=204)

    async def delete_bucket_tags(self, req: S3Request) -> Response:
        await self._buckets.set_document(req.the_bucket().name, "tags", None)
        return Response(status_code=204)

    async def get_object_tags(self, req: S3Request) -> Response:
        obj = await self._objects.head(req.the_bucket(), req.the_key(), req.query.get("versionId") or None)
        return _tagging_response(obj.attributes.tags, _version_header(obj.version_id))

    async def put_object_tags(self, req: S3Request) -> Response:
        tags = parse_tagging(await req.body(MAX_TAGGING_BYTES))
        check_tags(tags)
        obj = await self._objects.head(req.the_bucket(), req.the_key(), req.query.get("versionId") or None)
        await self._objects.set_tags(obj, tags)
        return Response(status_code=200, headers=_version_header(obj.version_id))

    async def delete_object_tags(self, req: S3Request) -> Response:
        obj = await self._objects.head(req.the_bucket(), req.the_key(), req.query.get("versionId") or None)
        await self._objects.set_tags(obj, {})
        return Response(status_code=204, headers=_version_header(obj.version_id))


def parse_tagging(body: bytes) -> dict[str, str]:
    root = parse(body, "Tagging")
    tag_set = root.find("TagSet")
    if tag_set is None:
        raise errors.MalformedXML("Tagging needs a TagSet")
    tags: dict[str, str] = {}
    for tag in tag_set.findall("Tag"):
        key = child_text(tag, "Key")
        value = child_text(tag, "Value", "")
        if key is None or value is None:
            raise errors.MalformedXML("each Tag needs a Key and a Value")
        if key in tags:
            raise errors.InvalidTag("Cannot provide multiple Tags with the same key")
        if not key or len(key) > 128:
            raise errors.InvalidTag("The TagKey you have provided is invalid")
        if len(value) > 256:
            raise errors.InvalidTag("The TagValue you have provided is invalid")
        tags[key] = value
    return tags


def _tagging_response(tags: dict[str, str], headers: dict[str, str] | None = None) -> Response:
    tree = {"TagSet": {"Tag": [{"Key": k, "Value": v} for k, v in tags.items()]}}
    return xml_response("Tagging", tree, headers=headers)


def _version_header(version_id: str) -> dict[str, str]:
    return {"x-amz-version-id": version_id} if version_id != "null" else {}
