"""Handlers for bucket versioning: its state (?versioning) and the version listing (?versions)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

from welkin.core import errors as core
from welkin.core.db import Database
from welkin.obs import errors
from welkin.obs.buckets import BucketService
from welkin.obs.listing import VersionQuery, list_versions
from welkin.obs.models import Versioning
from welkin.obs.s3api.request import S3Request
from welkin.obs.s3api.routing import Routes
from welkin.obs.s3api.xml import Interleaved, Tree, child_text, parse, xml_response

MAX_KEYS = 1000
_STATES = {"Enabled": Versioning.ENABLED, "Suspended": Versioning.SUSPENDED}


class VersioningHandlers:
    def __init__(self, buckets: BucketService, db: Database) -> None:
        self._buckets = buckets
        self._db = db

    def register(self, routes: Routes) -> None:
        routes.add("PUT", "bucket", "versioning", "PutBucketVersioning", self.put_versioning)
        routes.add("GET", "bucket", "versioning", "GetBucketVersioning", self.get_versioning)
        routes.add("GET", "bucket", "versions", "ListObjectVersions", self.list_versions)

    async def put_versioning(self, req: S3Request) -> Response:
        config = parse(await req.body(64 * 1024), "VersioningConfiguration")
        mfa_delete = child_text(config, "MfaDelete")
        if mfa_delete == "Enabled" or "x-amz-mfa" in req.headers:
            raise core.InvalidArgument("Welkin does not support MFA Delete")
        if mfa_delete not in (None, "Disabled"):
            raise errors.MalformedXML("MfaDelete is Enabled or Disabled")
        status = child_text(config, "Status")
        if status is None:
            return Response(status_code=200)  # S3 accepts a document that changes nothing
        state = _STATES.get(status)
        if state is None:
            raise errors.MalformedXML("Status is Enabled or Suspended")
        await self._buckets.set_versioning(req.the_bucket().name, state)
        return Response(status_code=200)

    async def get_versioning(self, req: S3Request) -> Response:
        state = req.the_bucket().versioning
        tree: Tree = {} if state is Versioning.UNVERSIONED else {"Status": state.value.capitalize()}
        return xml_response("VersioningConfiguration", tree)

    async def list_versions(self, req: S3Request) -> Response:
        q = req.query
        encoding = q.get("encoding-type")
        if encoding not in (None, "url"):
            raise core.InvalidArgument("Invalid Encoding Method specified in Request")
        raw_max = q.get("max-keys")
        if raw_max is not None and not raw_max.isdigit():
            raise core.InvalidArgument("Provided max-keys not an integer or within integer range")
        query = VersionQuery(
            prefix=q.get("prefix", ""),
            delimiter=q.get("delimiter", ""),
            key_marker=q.get("key-marker", ""),
            version_id_marker=q.get("version-id-marker", ""),
            max_keys=min(int(raw_max), MAX_KEYS) if raw_max is not None else MAX_KEYS,
        )
        bucket = req.the_bucket()
        page = await list_versions(self._db, bucket.name, query)

        def enc(text: str) -> str:
            return quote(text, safe="/") if encoding == "url" else text

        tree: dict[str, object] = {
            "Name": bucket.name,
            "Prefix": enc(query.prefix),
            "KeyMarker": enc(query.key_marker),
            "VersionIdMarker": query.version_id_marker,
            "MaxKeys": query.max_keys,
        }
        if query.delimiter:
            tree["Delimiter"] = enc(query.delimiter)
        if encoding:
            tree["EncodingType"] = encoding
        tree["IsTruncated"] = page.truncated
        if page.truncated and page.next_key is not None:
            tree["NextKeyMarker"] = enc(page.next_key)
            if page.next_version_id is not None:
                tree["NextVersionIdMarker"] = page.next_version_id
        entries: list[tuple[str, Tree]] = []
        for entry in page.entries:
            obj = entry.version
            if obj is None:
                continue
            item: dict[str, object] = {
                "Key": enc(obj.key),
                "VersionId": obj.version_id,
                "IsLatest": obj.is_latest,
                "LastModified": obj.last_modified,
            }
            owner = {
                "ID": obj.owner_id or bucket.account_id,
                "DisplayName": obj.owner_id or bucket.account_id,
            }
            if obj.delete_marker:
                item["Owner"] = owner
                entries.append(("DeleteMarker", item))  # type: ignore[arg-type]
                continue
            item.update({"ETag": obj.quoted_etag, "Size": obj.size, "Owner": owner})
            item["StorageClass"] = obj.attributes.storage_class
            if obj.checksum is not None:
                item["ChecksumAlgorithm"] = obj.checksum.algorithm
            entries.append(("Version", item))  # type: ignore[arg-type]
        # S3 lists versions and delete markers together, in key and then age order.
        tree["Versions"] = Interleaved(entries)
        tree["CommonPrefixes"] = [{"Prefix": enc(e.key)} for e in page.entries if e.version is None]
        return xml_response("ListVersionsResult", tree)  # type: ignore[arg-type]
