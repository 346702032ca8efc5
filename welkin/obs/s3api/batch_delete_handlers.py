"""DeleteObjects (POST ?delete): up to 1,000 keys in one request, a result for each."""

from __future__ import annotations

import base64
import hashlib

from starlette.responses import Response

from welkin.core import errors as core
from welkin.obs import checksums, errors
from welkin.obs.models import Bucket
from welkin.obs.objects import ObjectService
from welkin.obs.operations import OPERATIONS
from welkin.obs.s3api.app import s3_code
from welkin.obs.s3api.authorize import Authorizer
from welkin.obs.s3api.request import S3Request
from welkin.obs.s3api.routing import Routes
from welkin.obs.s3api.xml import Node, child_text, parse, xml_response

MAX_KEYS = 1000
# 1,000 keys of up to 1,024 bytes each, with their markup and version ids.
_DOCUMENT_BYTES = 3 << 20


class BatchDeleteHandlers:
    def __init__(self, objects: ObjectService, authorizer: Authorizer) -> None:
        self._objects = objects
        self._authorizer = authorizer

    def register(self, routes: Routes) -> None:
        routes.add("POST", "bucket", "delete", "DeleteObjects", self.delete_objects)

    async def delete_objects(self, req: S3Request) -> Response:
        body = await req.body(_DOCUMENT_BYTES)
        check_integrity(req, body)
        document = parse(body, "Delete")
        quiet = (child_text(document, "Quiet") or "false").lower() == "true"
        targets: list[tuple[str, str | None]] = []
        for element in document.findall("Object"):
            key = child_text(element, "Key")
            if not key:
                raise errors.MalformedXML("Each <Object> needs a <Key>")
            targets.append((key, child_text(element, "VersionId") or None))
        if not targets or len(targets) > MAX_KEYS:
            raise errors.MalformedXML(f"A delete request names between 1 and {MAX_KEYS} objects")
        deleted: list[dict[str, Node]] = []
        failed: list[dict[str, Node]] = []
        for key, version_id in targets:
            try:
                deleted.append(await self._delete_one(req, req.the_bucket(), key, version_id))
            except core.WelkinError as error:
                code, _, message = s3_code(error, presigned=False)
                failure: dict[str, Node] = {"Key": key, "Code": code, "Message": message}
                if version_id is not None:
                    failure["VersionId"] = version_id
                failed.append(failure)
        tree: dict[str, Node] = {"Error": failed} if quiet else {"Deleted": deleted, "Error": failed}
        return xml_response("DeleteResult", tree)

    async def _delete_one(
        self, req: S3Request, bucket: Bucket, key: str, version_id: str | None
    ) -> dict[str, Node]:
        # Each key is authorized as its own DeleteObject, and a refusal is that key's error.
        await self._authorizer.check(req, OPERATIONS["DeleteObject"], bucket, key, version_id)
        outcome = await self._objects.delete(bucket, key, version_id)
        result: dict[str, Node] = {"Key": key}
        if version_id is not None:
            result["VersionId"] = version_id
        if outcome.delete_marker:
            result["DeleteMarker"] = True
            result["DeleteMarkerVersionId"] = outcome.version_id
        return result


def check_integrity(req: S3Request, body: bytes) -> None:
    """S3 takes a batch delete only with a Content-MD5 or a checksum of the body, and checks it."""
    md5 = req.header("content-md5")
    if md5:
        if base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode() != md5:
            raise errors.BadDigest("The Content-MD5 you specified did not match what we received.")
        return
    for algorithm in checksums.ChecksumAlgorithm:
        expected = req.header(algorithm.header_name) or _trailer(req, algorithm)
        if expected:
            hasher = checksums.Checksum(algorithm)
            hasher.update(body)
            if hasher.value() != expected:
                raise errors.BadDigest(
                    f"The {algorithm.value} you specified did not match the calculated checksum."
                )
            return
    raise errors.InvalidRequest("Missing required header for this request: Content-MD5")


def _trailer(req: S3Request, algorithm: checksums.ChecksumAlgorithm) -> str | None:
    if req.header("x-amz-trailer").strip().lower() != algorithm.header_name:
        return None
    return req.trailer_checksum()
