"""Handlers for multipart uploads: create, parts (uploaded or copied), complete, abort, lists."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from starlette.responses import Response

from welkin.core import errors as core
from welkin.obs import checksums, errors
from welkin.obs.models import Part, Upload
from welkin.obs.multipart import MAX_PART_BYTES, MultipartService, PartRef, UploadQuery
from welkin.obs.s3api.copy_source import CopySource
from welkin.obs.s3api.object_handlers import incoming_body, write_headers
from welkin.obs.s3api.request import S3Request, canned_acl, object_attributes, preconditions
from welkin.obs.s3api.routing import Routes
from welkin.obs.s3api.xml import Node, Tree, child_text, parse, xml_response

MAX_LISTED = 1000
_SOURCE_RANGE = re.compile(r"bytes=(\d+)-(\d+)", re.ASCII)
_COMPLETE_BYTES = 4 << 20  # 10,000 <Part> entries with checksums fit well within


class MultipartHandlers:
    def __init__(self, multipart: MultipartService, sources: CopySource) -> None:
        self._multipart = multipart
        self._sources = sources

    def register(self, routes: Routes) -> None:
        routes.add("POST", "object", "uploads", "CreateMultipartUpload", self.create)
        routes.add("PUT", "object", "uploadId", "UploadPart", self.upload_part)
        routes.add("PUT", "object", "uploadId+copy", "UploadPartCopy", self.copy_part)
        routes.add("POST", "object", "uploadId", "CompleteMultipartUpload", self.complete)
        routes.add("DELETE", "object", "uploadId", "AbortMultipartUpload", self.abort)
        routes.add("GET", "object", "uploadId", "ListParts", self.list_parts)
        routes.add("GET", "bucket", "uploads", "ListMultipartUploads", self.list_uploads)

    async def create(self, req: S3Request) -> Response:
        headers = req.headers
        algorithm = headers.get("x-amz-checksum-algorithm")
        if algorithm is not None:
            algorithm = algorithm.upper()
            if algorithm not in {a.value for a in checksums.ChecksumAlgorithm}:
                raise errors.InvalidRequest(f"Checksum algorithm {algorithm!r} is not supported")
        kind = headers.get("x-amz-checksum-type", "COMPOSITE").upper()
        if kind != "COMPOSITE":
            raise errors.NotImplementedByWelkin("Welkin keeps only COMPOSITE checksums for multipart uploads")
        attributes = object_attributes(headers, canned_acl(headers))
        initiator = req.requester.user_id if req.requester is not None else "anonymous"
        upload = await self._multipart.create(
            req.the_bucket(), req.the_key(), attributes, req.requester_id(), initiator, algorithm
        )
        extra = (
            {"x-amz-checksum-algorithm": algorithm, "x-amz-checksum-type": "COMPOSITE"} if algorithm else {}
        )
        tree: Tree = {"Bucket": upload.bucket, "Key": upload.key, "UploadId": upload.id}
        return xml_response("InitiateMultipartUploadResult", tree, headers=extra)

    async def upload_part(self, req: S3Request) -> Response:
        number = _part_number(req)
        body = incoming_body(req, MAX_PART_BYTES)
        part = await self._multipart.upload_part(
            req.the_bucket(), req.the_key(), _upload_id(req), number, body
        )
        return Response(status_code=200, headers=_part_headers(part))

    async def copy_part(self, req: S3Request) -> Response:
        number = _part_number(req)
        bucket, key, upload_id = req.the_bucket(), req.the_key(), _upload_id(req)
        await self._multipart.upload(bucket, key, upload_id)
        source = await self._sources.resolve(req)
        start, end = _source_range(req.header("x-amz-copy-source-range"), source.size)
        part = await self._multipart.copy_part(bucket, key, upload_id, number, source, start, end)
        headers = {"x-amz-copy-source-version-id": source.version_id} if source.version_id != "null" else {}
        tree: Tree = {"ETag": f'"{part.etag}"', "LastModified": part.last_modified}
        if part.checksum is not None:
            tree = {**tree, f"Checksum{part.checksum.algorithm}": part.checksum.value}
        return xml_response("CopyPartResult", tree, headers=headers)

    async def complete(self, req: S3Request) -> Response:
        document = parse(await req.body(_COMPLETE_BYTES), "CompleteMultipartUpload")
        refs = [_part_ref(element) for element in document.findall("Part")]
        bucket = req.the_bucket()
        obj = await self._multipart.complete(
            bucket, req.the_key(), _upload_id(req), refs, preconditions(req.headers)
        )
        tree: dict[str, str] = {
            "Location": f"/{bucket.name}/{obj.key}",
            "Bucket": bucket.name,
            "Key": obj.key,
            "ETag": obj.quoted_etag,
        }
        if obj.checksum is not None:
            tree[f"Checksum{obj.checksum.algorithm}"] = obj.checksum.value
            tree["ChecksumType"] = "COMPOSITE"
        headers = write_headers(obj)
        headers.pop("ETag")
        return xml_response("CompleteMultipartUploadResult", tree, headers=headers)

    async def abort(self, req: S3Request) -> Response:
        await self._multipart.abort(req.the_bucket(), req.the_key(), _upload_id(req))
        return Response(status_code=204)

    async def list_parts(self, req: S3Request) -> Response:
        bucket, key, upload_id = req.the_bucket(), req.the_key(), _upload_id(req)
        marker = _integer(req, "part-number-marker", 0)
        limit = min(_integer(req, "max-parts", MAX_LISTED), MAX_LISTED)
        upload = await self._multipart.upload(bucket, key, upload_id)
        page = await self._multipart.list_parts(bucket, key, upload_id, marker, limit)
        tree: dict[str, Node] = {
            "Bucket": bucket.name,
            "Key": key,
            "UploadId": upload_id,
            "Initiator": {"ID": upload.initiator_id, "DisplayName": upload.initiator_id},
            "Owner": {"ID": upload.owner_id, "DisplayName": upload.owner_id},
            "StorageClass": upload.attributes.storage_class,
            "PartNumberMarker": marker,
            "NextPartNumberMarker": page.next_marker,
            "MaxParts": limit,
            "IsTruncated": page.truncated,
            "Part": [_part_tree(part) for part in page.parts],
        }
        if upload.checksum_algorithm:
            tree["ChecksumAlgorithm"] = upload.checksum_algorithm
        return xml_response("ListPartsResult", tree)

    async def list_uploads(self, req: S3Request) -> Response:
        query = UploadQuery(
            prefix=req.query.get("prefix", ""),
            delimiter=req.query.get("delimiter", ""),
            key_marker=req.query.get("key-marker", ""),
            upload_id_marker=req.query.get("upload-id-marker", ""),
            max_uploads=min(_integer(req, "max-uploads", MAX_LISTED), MAX_LISTED),
        )
        page = await self._multipart.list_uploads(req.the_bucket(), query)
        tree: dict[str, Node] = {
            "Bucket": req.the_bucket().name,
            "KeyMarker": query.key_marker,
            "UploadIdMarker": query.upload_id_marker,
            "NextKeyMarker": page.next_key,
            "NextUploadIdMarker": page.next_upload_id,
            "MaxUploads": query.max_uploads,
            "IsTruncated": page.truncated,
            "Upload": [_upload_tree(upload) for upload in page.uploads],
            "CommonPrefixes": [{"Prefix": prefix} for prefix in page.prefixes],
        }
        if query.prefix:
            tree["Prefix"] = query.prefix
        if query.delimiter:
            tree["Delimiter"] = query.delimiter
        return xml_response("ListMultipartUploadsResult", tree)


def _upload_id(req: S3Request) -> str:
    upload_id = req.query.get("uploadId", "")
    if not upload_id:
        raise errors.NoSuchUpload("The specified upload does not exist.")
    return upload_id


def _integer(req: S3Request, name: str, default: int) -> int:
    raw = req.query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise core.InvalidArgument(f"Provided {name} not an integer or within integer range")
    return int(raw)


def _part_number(req: S3Request) -> int:
    raw = req.query.get("partNumber", "")
    if not raw.isdigit():
        raise core.InvalidArgument("Part number must be an integer between 1 and 10000, inclusive")
    return int(raw)


def _source_range(header: str, size: int) -> tuple[int, int]:
    """x-amz-copy-source-range: a single ``bytes=first-last`` inside the source, or all of it."""
    if not header:
        return 0, size
    match = _SOURCE_RANGE.fullmatch(header.strip())
    if match is None:
        raise core.InvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last")
    first, last = int(match[1]), int(match[2])
    if first > last or last >= size:
        raise core.InvalidArgument(f"Range specified is not valid for source object of size: {size}")
    return first, last + 1


def _part_ref(element: ET.Element) -> PartRef:
    number = child_text(element, "PartNumber") or ""
    etag = child_text(element, "ETag")
    if not number.isdigit() or etag is None:
        raise errors.MalformedXML("Each <Part> needs a <PartNumber> and an <ETag>")
    checksum = next(
        (
            child_text(element, f"Checksum{algorithm.value}")
            for algorithm in checksums.ChecksumAlgorithm
            if element.find(f"Checksum{algorithm.value}") is not None
        ),
        None,
    )
    return PartRef(int(number), etag, checksum)


def _part_headers(part: Part) -> dict[str, str]:
    headers = {"ETag": f'"{part.etag}"'}
    if part.checksum is not None:
        headers[f"x-amz-checksum-{part.checksum.algorithm.lower()}"] = part.checksum.value
    return headers


def _part_tree(part: Part) -> dict[str, Node]:
    tree: dict[str, Node] = {
        "PartNumber": part.number,
        "LastModified": part.last_modified,
        "ETag": f'"{part.etag}"',
        "Size": part.size,
    }
    if part.checksum is not None:
        tree[f"Checksum{part.checksum.algorithm}"] = part.checksum.value
    return tree


def _upload_tree(upload: Upload) -> dict[str, Node]:
    return {
        "Key": upload.key,
        "UploadId": upload.id,
        "Initiator": {"ID": upload.initiator_id, "DisplayName": upload.initiator_id},
        "Owner": {"ID": upload.owner_id, "DisplayName": upload.owner_id},
        "StorageClass": upload.attributes.storage_class,
        "Initiated": upload.initiated,
    }
