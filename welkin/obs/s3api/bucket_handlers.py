"""Handlers for the service and bucket level: buckets themselves and key listings."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote

from starlette.responses import Response

from welkin.core import errors as core
from welkin.core.db import Database
from welkin.obs.buckets import BucketService
from welkin.obs.listing import ListQuery, list_current
from welkin.obs.models import ListPage
from welkin.obs.s3api.request import S3Request, canned_acl
from welkin.obs.s3api.routing import Routes
from welkin.obs.s3api.xml import Tree, child_text, parse, xml_response

MAX_KEYS = 1000


class BucketHandlers:
    def __init__(self, buckets: BucketService, db: Database) -> None:
        self._buckets = buckets
        self._db = db

    def register(self, routes: Routes) -> None:
        routes.add("GET", "service", "", "ListBuckets", self.list_buckets)
        routes.add("PUT", "bucket", "", "CreateBucket", self.create_bucket)
        routes.add("HEAD", "bucket", "", "HeadBucket", self.head_bucket)
        routes.add("DELETE", "bucket", "", "DeleteBucket", self.delete_bucket)
        routes.add("GET", "bucket", "location", "GetBucketLocation", self.location)
        routes.add("GET", "bucket", "", "ListObjects", self.list_objects)

    async def list_buckets(self, req: S3Request) -> Response:
        assert req.requester is not None
        owned = await self._buckets.list_owned(req.requester.account_id)
        owner = _owner(req.requester.account_id, req.requester.account_name)
        tree: Tree = {
            "Owner": owner,
            "Buckets": {"Bucket": [{"Name": b.name, "CreationDate": b.created_at} for b in owned]},
        }
        return xml_response("ListAllMyBucketsResult", tree)

    async def create_bucket(self, req: S3Request) -> Response:
        if req.requester is None:
            raise core.AccessDenied("Anonymous users cannot create buckets")
        body = await req.body(64 * 1024)
        location = None
        if body.strip():
            config = parse(body, "CreateBucketConfiguration")
            location = child_text(config, "LocationConstraint") or child_text(config, "Location")
        acl = canned_acl(req.headers)
        await self._buckets.create(req.requester.account_id, req.bucket_name or "", location, acl)
        return Response(status_code=200, headers={"Location": f"/{req.bucket_name}"})

    async def head_bucket(self, req: S3Request) -> Response:
        bucket = req.the_bucket()
        return Response(status_code=200, headers={"x-amz-bucket-region": bucket.region})

    async def delete_bucket(self, req: S3Request) -> Response:
        await self._buckets.delete(req.the_bucket().name)
        return Response(status_code=204)

    async def location(self, req: S3Request) -> Response:
        bucket = req.the_bucket()
        return Response(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns='
            f'"http://s3.amazonaws.com/doc/2006-03-01/">{bucket.region}</LocationConstraint>',
            media_type="application/xml",
        )

    async def list_objects(self, req: S3Request) -> Response:
        q = req.query
        v2 = q.get("list-type") == "2"
        if "list-type" in q and not v2:
            raise core.InvalidArgument("list-type must be 2 when given")
        encoding = q.get("encoding-type")
        if encoding not in (None, "url"):
            raise core.InvalidArgument("Invalid Encoding Method specified in Request")
        max_keys = _max_keys(q.get("max-keys"))
        token = q.get("continuation-token")
        start = (
            _decode_token(token) if token is not None and v2 else q.get("start-after" if v2 else "marker", "")
        )
        query = ListQuery(q.get("prefix", ""), q.get("delimiter", ""), start or "", max_keys)
        page = await list_current(self._db, req.the_bucket().name, query)

        def enc(text: str) -> str:
            return quote(text, safe="/") if encoding == "url" else text

        tree: dict[str, object] = {"Name": req.the_bucket().name, "Prefix": enc(query.prefix)}
        if v2:
            if token is not None:
                tree["ContinuationToken"] = token
            if "start-after" in q:
                tree["StartAfter"] = enc(q["start-after"])
            tree["KeyCount"] = len(page.entries)
        else:
            tree["Marker"] = enc(q.get("marker", ""))
        tree["MaxKeys"] = max_keys
        if query.delimiter:
            tree["Delimiter"] = enc(query.delimiter)
        if encoding:
            tree["EncodingType"] = encoding
        tree["IsTruncated"] = page.truncated
        if page.truncated and page.next_key is not None:
            if v2:
                tree["NextContinuationToken"] = base64.urlsafe_b64encode(page.next_key.encode()).decode()
            elif query.delimiter:
                tree["NextMarker"] = enc(page.next_key)
        tree["Contents"] = _contents(page, enc, include_owner=not v2 or q.get("fetch-owner") == "true")
        tree["CommonPrefixes"] = [{"Prefix": enc(e.key)} for e in page.entries if e.version is None]
        return xml_response("ListBucketResult", tree)  # type: ignore[arg-type]


def _contents(page: ListPage, enc: object, include_owner: bool) -> list[Tree]:
    out: list[Tree] = []
    for entry in page.entries:
        obj = entry.version
        if obj is None:
            continue
        item: dict[str, object] = {
            "Key": enc(obj.key),  # type: ignore[operator]
            "LastModified": obj.last_modified,
            "ETag": obj.quoted_etag,
            "Size": obj.size,
            "StorageClass": obj.attributes.storage_class,
        }
        if obj.checksum is not None:
            item["ChecksumAlgorithm"] = obj.checksum.algorithm
        if include_owner:
            item["Owner"] = _owner(obj.owner_id, obj.owner_id)
        out.append(item)  # type: ignore[arg-type]
    return out


def _owner(account_id: str, name: str) -> Tree:
    return {"ID": account_id, "DisplayName": name}


def _max_keys(raw: str | None) -> int:
    if raw is None:
        return MAX_KEYS
    if not raw.isdigit():
        raise core.InvalidArgument("Provided max-keys not an integer or within integer range")
    return min(int(raw), MAX_KEYS)


def _decode_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise core.InvalidArgument("The continuation token provided is incorrect") from None
