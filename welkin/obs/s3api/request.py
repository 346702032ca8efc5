"""One S3 request as handlers see it: who sent it, which bucket and key, and its headers."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request

from welkin.core import errors as core_errors
from welkin.iam.models import Principal
from welkin.obs import errors
from welkin.obs.conditions import Preconditions
from welkin.obs.models import Bucket, ObjectAttributes
from welkin.obs.s3api.payload import PayloadCheck, hash_checked

# Content headers S3 stores with an object and returns on GET/HEAD.
STORED_HEADERS = (
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
    "x-amz-website-redirect-location",
)
META_PREFIXES = ("x-amz-meta-", "x-obs-meta-")
MAX_METADATA_BYTES = 2048
_RANGE_RE = re.compile(r"bytes=(\d*)-(\d*)", re.ASCII)


@dataclass
class S3Request:
    request: Request
    bucket_name: str | None
    key: str | None
    requester: Principal | None  # None: anonymous
    headers: dict[str, str]  # as_s3_headers of the request's
    operation: str = ""
    query: dict[str, str] = field(default_factory=dict)
    bucket: Bucket | None = None
    # Set by the signature layer: the body, and the SHA-256 a SigV4 client declared for it.
    body_stream: AsyncIterator[bytes] | None = None
    payload_check: PayloadCheck | None = None
    # The checksum an aws-chunked body carried in its trailer, once the body is read.
    trailer_checksum: Callable[[], str | None] = lambda: None

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def the_bucket(self) -> Bucket:
        if self.bucket is None:
            raise errors.InvalidRequest("this operation needs a bucket")
        return self.bucket

    def the_key(self) -> str:
        if not self.key:
            raise errors.InvalidRequest("this operation needs an object key")
        return self.key

    def requester_id(self) -> str:
        return self.requester.account_id if self.requester is not None else "anonymous"

    async def body(self, limit: int) -> bytes:
        """A small request document (XML, JSON), read whole, refused past ``limit``."""
        declared = self.request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise errors.EntityTooLarge(f"the request document is larger than {limit} bytes")
        data = bytearray()
        async for chunk in self.stream():
            data += chunk
            if len(data) > limit:
                raise errors.EntityTooLarge(f"the request document is larger than {limit} bytes")
        return bytes(data)

    def stream(self) -> AsyncIterator[bytes]:
        """The body, checked against its declared SHA-256 as it streams through the event loop."""
        stream, check = self.unchecked_stream()
        return stream if check is None else hash_checked(stream, check)

    def unchecked_stream(self) -> tuple[AsyncIterator[bytes], PayloadCheck | None]:
        """The body and the check it must pass, for a caller that feeds and verifies it itself."""
        stream = self.body_stream if self.body_stream is not None else raw_stream(self.request)
        return stream, self.payload_check


def body_left_unread(request: Request) -> bool:
    """Whether the client sent a body the handler did not read to the end."""
    if request.scope.get("state", {}).get("body_consumed"):
        return False
    length = request.headers.get("content-length")
    return (length is not None and length != "0") or "transfer-encoding" in request.headers


async def raw_stream(request: Request) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
        request.scope.setdefault("state", {})["body_consumed"] = True
    except ClientDisconnect:
        raise errors.IncompleteBody(
            "the client closed the connection before sending the whole body"
        ) from None


def parse_query(raw: bytes) -> dict[str, str]:
    return dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))


def http_date(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None  # S3 ignores a conditional header it cannot read
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def preconditions(headers: dict[str, str], prefix: str = "") -> Preconditions:
    return Preconditions(
        if_match=headers.get(f"{prefix}if-match"),
        if_none_match=headers.get(f"{prefix}if-none-match"),
        if_modified_since=http_date(headers.get(f"{prefix}if-modified-since"), "If-Modified-Since"),
        if_unmodified_since=http_date(headers.get(f"{prefix}if-unmodified-since"), "If-Unmodified-Since"),
    )


def object_attributes(headers: dict[str, str], acl: str) -> ObjectAttributes:
    """What PUT, POST-form, copy (REPLACE) and multipart create store besides the bytes."""
    metadata: dict[str, str] = {}
    for name, value in headers.items():
        for prefix in META_PREFIXES:
            if name.startswith(prefix) and len(name) > len(prefix):
                metadata[name[len(prefix) :]] = _as_text(value)
    if sum(len(k) + len(v.encode()) for k, v in metadata.items()) > MAX_METADATA_BYTES:
        raise errors.MetadataTooLarge("Your metadata headers exceed the maximum allowed metadata size (2 KB)")
    stored = {name: headers[name] for name in STORED_HEADERS if name in headers}
    return ObjectAttributes(
        content_type=headers.get("content-type") or "binary/octet-stream",
        headers=stored,
        user_metadata=metadata,
        tags=parse_tagging_header(headers.get("x-amz-tagging")),
        acl=acl,
        storage_class=headers.get("x-amz-storage-class", "STANDARD"),
    )


def _as_text(value: str) -> str:
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def parse_tagging_header(value: str | None) -> dict[str, str]:
    if not value:
        return {}
    tags = dict(parse_qsl(value, keep_blank_values=True))
    check_tags(tags)
    return tags


def check_tags(tags: dict[str, str]) -> None:
    if len(tags) > 10:
        raise errors.InvalidTag("Object tags cannot be greater than 10")
    for key, value in tags.items():
        if not key or len(key) > 128:
            raise errors.InvalidTag("The TagKey you have provided is invalid")
        if len(value) > 256:
            raise errors.InvalidTag("The TagValue you have provided is invalid")


def canned_acl(headers: dict[str, str]) -> str:
    value = headers.get("x-amz-acl") or headers.get("x-obs-acl") or "private"
    if value not in CANNED_ACLS:
        raise core_errors.InvalidArgument(f"{value!r} is not a canned ACL")
    return json.dumps(value)


CANNED_ACLS = frozenset(
    {
        "private",
        "public-read",
        "public-read-write",
        "authenticated-read",
        "bucket-owner-read",
        "bucket-owner-full-control",
    }
)


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # exclusive


def byte_range(header: str | None, size: int) -> ByteRange | None:
    """The range to serve, None for the whole object; InvalidRange when unsatisfiable.

    A header S3 cannot read (several ranges, wrong unit) is ignored, as S3 ignores it.
    """
    if header is None:
        return None
    match = _RANGE_RE.fullmatch(header.strip())
    if match is None or (not match[1] and not match[2]):
        return None
    if not match[1]:  # suffix: the last N bytes
        length = int(match[2])
        if length == 0:
            raise errors.InvalidRange("The requested range is not satisfiable")
        return ByteRange(max(0, size - length), size)
    start = int(match[1])
    end = int(match[2]) + 1 if match[2] else size
    if match[2] and end <= start:
        return None
    if start >= size:
        raise errors.InvalidRange("The requested range is not satisfiable")
    return ByteRange(start, min(end, size))
