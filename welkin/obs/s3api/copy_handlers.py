"""CopyObject: a new version whose bytes stream from another object through a new blob."""

from __future__ import annotations

from dataclasses import replace

from starlette.responses import Response

from welkin.core import errors as core
from welkin.obs import checksums, errors
from welkin.obs.models import NULL_VERSION, ObjectAttributes, ObjectVersion
from welkin.obs.objects import MAX_PUT_BYTES, IncomingBody, ObjectService
from welkin.obs.s3api.copy_source import CopySource
from welkin.obs.s3api.request import (
    S3Request,
    canned_acl,
    object_attributes,
    parse_tagging_header,
    preconditions,
)
from welkin.obs.s3api.routing import Routes
from welkin.obs.s3api.xml import Node, xml_response

_DIRECTIVES = ("COPY", "REPLACE")


class CopyHandlers:
    def __init__(self, objects: ObjectService, sources: CopySource) -> None:
        self._objects = objects
        self._sources = sources

    def register(self, routes: Routes) -> None:
        routes.add("PUT", "object", "copy", "CopyObject", self.copy)

    async def copy(self, req: S3Request) -> Response:
        headers = req.headers
        metadata_directive = _directive(headers, "x-amz-metadata-directive")
        tagging_directive = _directive(headers, "x-amz-tagging-directive")
        bucket, key = req.the_bucket(), req.the_key()
        source = await self._sources.resolve(req)
        if (
            source.bucket == bucket.name
            and source.key == key
            and metadata_directive == "COPY"
            and "x-amz-storage-class" not in headers
            and "x-amz-website-redirect-location" not in headers
        ):
            raise errors.InvalidRequest(
                "This copy request is illegal because it is trying to copy an object to itself without "
                "changing the object's metadata, storage class, website redirect location or encryption "
                "attributes."
            )
        if source.size > MAX_PUT_BYTES:
            raise errors.InvalidRequest(
                "The specified copy source is larger than the maximum allowable size for a copy source: "
                f"{MAX_PUT_BYTES}"
            )
        attributes = _attributes(headers, source, metadata_directive, tagging_directive)
        body = IncomingBody(
            self._objects.read(source, 0, source.size),
            checksum_algorithm=_checksum_algorithm(headers, source),
            max_size=MAX_PUT_BYTES,
            declared_size=source.size,
        )
        obj = await self._objects.put(
            bucket, key, body, attributes, req.requester_id(), preconditions(headers)
        )
        response_headers: dict[str, str] = {}
        if source.version_id != NULL_VERSION:
            response_headers["x-amz-copy-source-version-id"] = source.version_id
        if obj.version_id != NULL_VERSION:
            response_headers["x-amz-version-id"] = obj.version_id
        tree: dict[str, Node] = {"ETag": obj.quoted_etag, "LastModified": obj.last_modified}
        if obj.checksum is not None:
            tree[f"Checksum{obj.checksum.algorithm}"] = obj.checksum.value
        return xml_response("CopyObjectResult", tree, headers=response_headers)


def _directive(headers: dict[str, str], name: str) -> str:
    value = headers.get(name, "COPY").upper()
    if value not in _DIRECTIVES:
        raise core.InvalidArgument(f"Unknown {name} value: {headers[name]!r}")
    return value


def _attributes(
    headers: dict[str, str], source: ObjectVersion, metadata_directive: str, tagging_directive: str
) -> ObjectAttributes:
    """What the copy stores: the source's metadata or the request's, and likewise its tags."""
    acl = canned_acl(headers)
    if metadata_directive == "REPLACE":
        attributes = object_attributes(headers, acl)
    else:
        attributes = replace(
            source.attributes,
            acl=acl,
            storage_class=headers.get("x-amz-storage-class", source.attributes.storage_class),
        )
    tags = parse_tagging_header(headers.get("x-amz-tagging")) if tagging_directive == "REPLACE" else None
    return replace(attributes, tags=source.attributes.tags if tags is None else tags)


def _checksum_algorithm(headers: dict[str, str], source: ObjectVersion) -> str | None:
    """The algorithm asked for, else the source's own when it covers the whole object."""
    requested = headers.get("x-amz-checksum-algorithm")
    if requested:
        algorithm = requested.upper()
        if algorithm not in {a.value for a in checksums.ChecksumAlgorithm}:
            raise errors.InvalidRequest(f"Checksum algorithm {requested!r} is not supported")
        return algorithm
    if source.checksum is not None and source.checksum.full_object:
        return source.checksum.algorithm
    return None
