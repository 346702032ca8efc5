"""Presigned S3 URLs: the console's pages move bytes straight to the region's own S3 API.

Uploads and downloads never pass through console routes. The browser sends them to the S3
API on the page's own origin, path-style (``/{bucket}/{key}``), so the S3 edge authorizes,
streams, meters and notifies them as it does for any client. They are signed here (SigV4
query authentication, botocore's) with a temporary key minted for the signed-in user for
that one answer: its secret never leaves the server, and the URL carries the sealed security
token, so it acts as the user and lasts no longer than the key (at most a day).

URLs are signed for the Host the console was reached on and handed out without scheme and
host, so that they work under whatever name the region is served. A key is written as S3
canonicalizes it (every octet but ``A-Za-z0-9-_.~`` and ``/`` percent-encoded). A key with a
``.`` or ``..`` segment has no usable URL: browsers (and curl) drop such segments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol
from urllib.parse import quote, urlsplit

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from welkin.core import errors
from welkin.core.body import Body
from welkin.iam.keys import MAX_TEMPORARY_SECONDS, MIN_TEMPORARY_SECONDS
from welkin.iam.models import Principal, TemporaryKey
from welkin.obs.objects import check_key

# The S3 operations a page may ask URLs for, and the method each is sent with.
METHODS: Mapping[str, str] = MappingProxyType(
    {
        "PutObject": "PUT",
        "CreateMultipartUpload": "POST",
        "UploadPart": "PUT",
        "CompleteMultipartUpload": "POST",
        "AbortMultipartUpload": "DELETE",
        "GetObject": "GET",
    }
)
_NEEDS_UPLOAD_ID = frozenset({"UploadPart", "CompleteMultipartUpload", "AbortMultipartUpload"})
# Upload URLs are short-lived: a page asks again for each file and each batch of parts.
UPLOAD_SECONDS = 900
DOWNLOAD_SECONDS = 3600
MIN_LINK_SECONDS = 60
MAX_LINK_SECONDS = MAX_TEMPORARY_SECONDS
MAX_PARTS_PER_REQUEST = 100
MAX_PART_NUMBER = 10_000


@dataclass(frozen=True)
class SignRequest:
    operation: str  # one of METHODS
    bucket: str
    key: str
    upload_id: str | None = None
    part_numbers: tuple[int, ...] = ()  # UploadPart: one URL per part
    version_id: str | None = None  # GetObject
    expires: int | None = None  # GetObject: seconds; uploads always get UPLOAD_SECONDS
    attachment: bool = False  # GetObject: the browser saves the object under its name

    @classmethod
    def from_body(cls, body: Body) -> SignRequest:
        operation = body.str("op", 64)
        if operation not in METHODS:
            raise errors.InvalidArgument(f"op must be one of {', '.join(METHODS)}.")
        request = cls(
            operation=operation,
            bucket=body.str("bucket", 63),
            key=body.str("key", 1024),
            upload_id=body.opt_str("upload_id", 256),
            part_numbers=_part_numbers(body),
            version_id=body.opt_str("version_id", 64),
            expires=body.opt_int("expires", MIN_LINK_SECONDS, MAX_LINK_SECONDS),
            attachment=bool(body.opt_bool("download")),
        )
        body.done()
        request.check()
        return request

    def check(self) -> None:
        check_key(self.key)
        if any(segment in (".", "..") for segment in self.key.split("/")):
            raise errors.InvalidArgument(
                "A key with a '.' or '..' segment cannot be reached from a browser; use an S3 client."
            )
        if (self.upload_id is not None) != (self.operation in _NEEDS_UPLOAD_ID):
            raise errors.InvalidArgument(
                f"{self.operation} {'needs' if self.upload_id is None else 'takes no'} upload_id."
            )
        if bool(self.part_numbers) != (self.operation == "UploadPart"):
            raise errors.InvalidArgument("part_numbers are given with UploadPart, and only with it.")
        if (self.version_id is not None or self.expires is not None or self.attachment) and (
            self.operation != "GetObject"
        ):
            raise errors.InvalidArgument("version_id, expires and download are for GetObject only.")

    @property
    def method(self) -> str:
        return METHODS[self.operation]

    @property
    def seconds(self) -> int:
        if self.operation != "GetObject":
            return UPLOAD_SECONDS
        return self.expires or DOWNLOAD_SECONDS


def _part_numbers(body: Body) -> tuple[int, ...]:
    raw = body.peek("part_numbers")
    body.ignore("part_numbers")
    if raw is None:
        return ()
    if (
        not isinstance(raw, list)
        or not 0 < len(raw) <= MAX_PARTS_PER_REQUEST
        or not all(type(n) is int and 1 <= n <= MAX_PART_NUMBER for n in raw)
    ):
        raise errors.InvalidArgument(
            f"part_numbers must be a list of 1 to {MAX_PARTS_PER_REQUEST} integers "
            f"from 1 to {MAX_PART_NUMBER}."
        )
    return tuple(raw)


@dataclass(frozen=True)
class Signed:
    method: str
    urls: tuple[str, ...]  # path-relative; one per part number for UploadPart, else one
    expires_in: int


def attachment_disposition(key: str) -> str:
    """``Content-Disposition`` that saves the object under the last segment of its key."""
    name = key.rstrip("/").rsplit("/", 1)[-1] or "download"
    return f"attachment; filename*=UTF-8''{quote(name, safe='')}"


class TemporaryKeys(Protocol):
    """What signing needs of IAM's KeyService."""

    def temporary_for(self, principal: Principal, seconds: int) -> TemporaryKey: ...


class Presigner:
    def __init__(self, keys: TemporaryKeys, region: str) -> None:
        self._keys = keys
        self._region = region

    def sign(self, principal: Principal, origin: str, request: SignRequest) -> Signed:
        """URLs for ``request``, acting as ``principal``, on ``origin`` (``scheme://host[:port]``)."""
        seconds = request.seconds
        temporary = self._keys.temporary_for(principal, max(MIN_TEMPORARY_SECONDS, seconds))
        credentials = Credentials(temporary.access_key, temporary.secret_key, temporary.security_token)
        url = f"{origin}/{request.bucket}/{quote(request.key, safe='/')}"
        queries = [_query(request, number) for number in request.part_numbers or (None,)]
        urls = tuple(self._sign_one(credentials, request.method, url, q, seconds) for q in queries)
        return Signed(request.method, urls, seconds)

    def _sign_one(
        self, credentials: Credentials, method: str, url: str, params: dict[str, str], seconds: int
    ) -> str:
        prepared = AWSRequest(method=method, url=url, params=params)
        S3SigV4QueryAuth(credentials, "s3", self._region, expires=seconds).add_auth(prepared)
        signed = urlsplit(prepared.url)
        return f"{signed.path}?{signed.query}"


def _query(request: SignRequest, part_number: int | None) -> dict[str, str]:
    op = request.operation
    if op == "CreateMultipartUpload":
        return {"uploads": ""}
    if op == "UploadPart":
        return {"partNumber": str(part_number), "uploadId": request.upload_id or ""}
    if op in _NEEDS_UPLOAD_ID:
        return {"uploadId": request.upload_id or ""}
    params: dict[str, str] = {}
    if request.version_id:
        params["versionId"] = request.version_id
    if request.attachment:
        params["response-content-disposition"] = attachment_disposition(request.key)
    return params
