"""Handlers for single objects: PUT, GET, HEAD, DELETE."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.responses import Response, StreamingResponse

from welkin.core import errors as core
from welkin.obs import errors
from welkin.obs.conditions import check_read
from welkin.obs.models import NULL_VERSION, ObjectVersion
from welkin.obs.objects import (
    MAX_PUT_BYTES,
    DeletedObject,
    DeleteMarkerAccessed,
    IncomingBody,
    ObjectService,
    last_modified_http,
)
from welkin.obs.s3api.request import (
    S3Request,
    byte_range,
    canned_acl,
    object_attributes,
    preconditions,
)
from welkin.obs.s3api.routing import Routes

# GET may override these response headers with response-* query parameters.
_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}
# Objects are served on the console's origin: an HTML object must not run as that origin (read
# the console, or post to it with a visitor's cookies), so it gets an opaque origin and no
# scripts. S3 clients ignore both headers.
SANDBOX = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; media-src 'self'"
_CHECKSUM_HEADERS = {
    "x-amz-checksum-crc32": "CRC32",
    "x-amz-checksum-crc32c": "CRC32C",
    "x-amz-checksum-sha1": "SHA1",
    "x-amz-checksum-sha256": "SHA256",
}


class ObjectHandlers:
    def __init__(self, objects: ObjectService) -> None:
        self._objects = objects

    def register(self, routes: Routes) -> None:
        routes.add("PUT", "object", "", "PutObject", self.put)
        routes.add("GET", "object", "", "GetObject", self.get)
        routes.add("HEAD", "object", "", "HeadObject", self.head)
        routes.add("DELETE", "object", "", "DeleteObject", self.delete)

    async def put(self, req: S3Request) -> Response:
        headers = req.headers
        body = incoming_body(req, MAX_PUT_BYTES)
        attributes = object_attributes(headers, canned_acl(headers))
        obj = await self._objects.put(
            req.the_bucket(), req.the_key(), body, attributes, req.requester_id(), preconditions(headers)
        )
        return Response(status_code=200, headers=write_headers(obj))

    async def head(self, req: S3Request) -> Response:
        with _delete_marker_headers():
            obj = await self._objects.head(req.the_bucket(), req.the_key(), _version_id(req))
        _check_preconditions(obj, req)
        response_headers = object_headers(obj, req)
        served = byte_range(req.header("range"), obj.size)
        if served is not None:
            response_headers["Content-Range"] = f"bytes {served.start}-{served.end - 1}/{obj.size}"
            response_headers["Content-Length"] = str(served.end - served.start)
            return Response(status_code=206, headers=response_headers)
        response_headers["Content-Length"] = str(obj.size)
        return Response(status_code=200, headers=response_headers)

    async def get(self, req: S3Request) -> Response:
        with _delete_marker_headers():
            fetched = await self._objects.fetch(req.the_bucket(), req.the_key(), _version_id(req))
        obj = fetched.version
        _check_preconditions(obj, req)
        response_headers = object_headers(obj, req)
        for param, header in _OVERRIDES.items():
            if param in req.query:
                if req.requester is None:
                    raise core.InvalidArgument(
                        "Request specific response headers cannot be used for anonymous GET"
                    )
                response_headers[header] = req.query[param]
        served = byte_range(req.header("range"), obj.size)
        start, end, status = 0, obj.size, 200
        if served is not None:
            start, end, status = served.start, served.end, 206
            response_headers["Content-Range"] = f"bytes {start}-{end - 1}/{obj.size}"
        response_headers["Content-Length"] = str(end - start)
        if fetched.body is not None:
            return Response(fetched.body[start:end], status, headers=response_headers)
        if end - start <= 1 << 20 and not obj.parts_count:
            # Up to 1 MiB in one piece: no chunked framing, one thread hop for the bytes.
            data = b"".join([chunk async for chunk in self._objects.read(obj, start, end)])
            return Response(data, status, headers=response_headers)
        stream = self._objects.read(obj, start, end)
        return StreamingResponse(stream, status, headers=response_headers)

    async def delete(self, req: S3Request) -> Response:
        version_id = req.query.get("versionId")
        outcome = await self._objects.delete(req.the_bucket(), req.the_key(), version_id or None)
        headers: dict[str, str] = {}
        if outcome.version_id is not None:
            headers["x-amz-version-id"] = outcome.version_id
        if outcome.delete_marker:
            headers["x-amz-delete-marker"] = "true"
        return Response(status_code=204, headers=headers)


def _version_id(req: S3Request) -> str | None:
    return req.query.get("versionId") or None


@contextmanager
def _delete_marker_headers() -> Iterator[None]:
    """Give a refusal caused by a delete marker the headers S3 sends with it."""
    try:
        yield
    except DeletedObject as exc:
        exc.headers = {"x-amz-delete-marker": "true", "x-amz-version-id": exc.marker.version_id}
        raise
    except DeleteMarkerAccessed as exc:
        exc.headers = {
            "x-amz-delete-marker": "true",
            "x-amz-version-id": exc.marker.version_id,
            "Allow": "DELETE",
        }
        raise


def _check_preconditions(obj: ObjectVersion, req: S3Request) -> None:
    try:
        check_read(obj, preconditions(req.headers))
    except errors.NotModified as exc:
        exc.headers = {"ETag": obj.quoted_etag, "Last-Modified": last_modified_http(obj.last_modified)}
        raise


def incoming_body(req: S3Request, max_size: int) -> IncomingBody:
    headers = req.headers
    length = headers.get("content-length")
    if (
        length is None
        and "transfer-encoding" not in headers
        and "x-amz-decoded-content-length" not in headers
    ):
        raise errors.MissingContentLength("You must provide the Content-Length HTTP header.")
    if length is not None and int(length) > max_size and "x-amz-decoded-content-length" not in headers:
        raise errors.EntityTooLarge(
            f"Your proposed upload exceeds the maximum allowed size ({max_size} bytes)"
        )
    algorithm, expected = None, None
    for header, name in _CHECKSUM_HEADERS.items():
        if header in headers:
            if algorithm is not None:
                raise errors.InvalidRequest("Expecting a single x-amz-checksum- header")
            algorithm, expected = name, headers[header]
    trailer = headers.get("x-amz-trailer", "").strip().lower()
    if trailer in _CHECKSUM_HEADERS and algorithm is None:
        algorithm = _CHECKSUM_HEADERS[trailer]
    requested = headers.get("x-amz-sdk-checksum-algorithm") or headers.get("x-amz-checksum-algorithm")
    if algorithm is None and requested:
        algorithm = requested.upper()
        if algorithm not in _CHECKSUM_HEADERS.values():
            raise errors.InvalidRequest(f"Checksum algorithm {requested!r} is not supported")
    md5 = headers.get("content-md5")
    if md5 is not None and len(md5) != 24:
        raise errors.InvalidDigest("The Content-MD5 you specified is not valid.")
    trailer_value = req.trailer_checksum

    def expected_checksum() -> str | None:
        return expected if expected is not None else trailer_value()

    # The declared SHA-256 is checked by the service, in the thread that hashes the body.
    stream, payload_check = req.unchecked_stream()
    checks = (payload_check,) if payload_check is not None else ()
    announced = headers.get("x-amz-decoded-content-length", length)
    declared = int(announced) if announced is not None and announced.isdigit() else None
    return IncomingBody(stream, md5, algorithm, expected_checksum, max_size, checks, declared)


def write_headers(obj: ObjectVersion) -> dict[str, str]:
    headers = {"ETag": obj.quoted_etag}
    if obj.version_id != NULL_VERSION:
        headers["x-amz-version-id"] = obj.version_id
    if obj.checksum is not None:
        headers[f"x-amz-checksum-{obj.checksum.algorithm.lower()}"] = obj.checksum.value
    return headers


def object_headers(obj: ObjectVersion, req: S3Request) -> dict[str, str]:
    attrs = obj.attributes
    headers = {
        "ETag": obj.quoted_etag,
        "Last-Modified": last_modified_http(obj.last_modified),
        "Content-Type": attrs.content_type,
        "Accept-Ranges": "bytes",
    }
    for name, value in attrs.headers.items():
        headers[name] = value
    for name, value in attrs.user_metadata.items():
        headers[f"x-amz-meta-{name}"] = value.encode().decode("latin-1")
    if obj.version_id != NULL_VERSION:
        headers["x-amz-version-id"] = obj.version_id
    if attrs.storage_class != "STANDARD":
        headers["x-amz-storage-class"] = attrs.storage_class
    if attrs.tags:
        headers["x-amz-tagging-count"] = str(len(attrs.tags))
    if obj.parts_count:
        headers["x-amz-mp-parts-count"] = str(obj.parts_count)
    # A checksum describes the whole object, so a range response leaves it out.
    whole = not req.header("range")
    if whole and obj.checksum is not None and req.header("x-amz-checksum-mode").upper() == "ENABLED":
        headers[f"x-amz-checksum-{obj.checksum.algorithm.lower()}"] = obj.checksum.value
    headers["Content-Security-Policy"] = SANDBOX
    headers["X-Content-Type-Options"] = "nosniff"
    return headers
