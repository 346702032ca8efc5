"""Which S3 requests are billed and as what, who pays, and the bytes a response really sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.requests import Request
from starlette.types import Message

from welkin.iam.models import AuthMethod, Principal
from welkin.obs.models import Bucket, Versioning
from welkin.obs.s3api.metering import BilledRequest, ResponseTally, billed_request
from welkin.obs.s3api.request import S3Request
from welkin.obs.usage_meter import RequestClass, request_class

W, R = RequestClass.WRITE, RequestClass.READ


@pytest.mark.parametrize(
    ("method", "operation", "expected"),
    [
        ("PUT", "PutObject", W),
        ("PUT", "CopyObject", W),
        ("PUT", "UploadPart", W),
        ("PUT", "UploadPartCopy", W),
        ("POST", "CreateMultipartUpload", W),
        ("POST", "CompleteMultipartUpload", W),
        ("POST", "PostObject", W),
        ("POST", "DeleteObjects", W),
        ("PUT", "CreateBucket", W),
        ("PUT", "PutBucketAcl", W),
        ("GET", "ListObjects", W),
        ("GET", "ListObjectVersions", W),
        ("GET", "ListMultipartUploads", W),
        ("GET", "ListParts", W),
        ("GET", "GetObject", R),
        ("HEAD", "HeadObject", R),
        ("HEAD", "HeadBucket", R),
        ("GET", "GetBucketAcl", R),
        ("GET", "GetBucketLocation", R),
        ("GET", "GetObjectTagging", R),
        ("DELETE", "DeleteObject", None),
        ("DELETE", "AbortMultipartUpload", None),
        ("DELETE", "DeleteBucket", None),
        ("OPTIONS", "PreflightCors", None),
        ("GET", "ListBuckets", None),
        ("GET", "", None),
    ],
)
def test_request_classes(method: str, operation: str, expected: RequestClass | None) -> None:
    assert request_class(method, operation) is expected


def s3_request(
    method: str, operation: str, bucket_owner: str | None = "owner", requester: str | None = "caller"
) -> S3Request:
    request = Request({"type": "http", "method": method, "path": "/b/k", "headers": []})
    principal = None
    if requester is not None:
        principal = Principal(requester, "a", "u", "u", AuthMethod.ACCESS_KEY, None, is_operator=False)
    s3 = S3Request(request, "b", "k", principal, {}, operation)
    if bucket_owner is not None:
        created = datetime(2026, 1, 1, tzinfo=UTC)
        s3.bucket = Bucket("b", bucket_owner, "local-1", created, Versioning.UNVERSIONED, '"private"')
    return s3


def test_the_bucket_owner_pays_whoever_asked() -> None:
    assert billed_request("GET", s3_request("GET", "GetObject"), 200) == BilledRequest("owner", "b", R)
    anonymous = s3_request("GET", "GetObject", requester=None)
    assert billed_request("GET", anonymous, 206) == BilledRequest("owner", "b", R)
    assert billed_request("GET", s3_request("GET", "GetObject"), 404) == BilledRequest("owner", "b", R)
    assert billed_request("GET", s3_request("GET", "GetObject"), 304) == BilledRequest("owner", "b", R)


@pytest.mark.parametrize("status", [403, 500, 503])
def test_refused_and_failed_requests_are_free(status: int) -> None:
    assert billed_request("PUT", s3_request("PUT", "PutObject"), status) is None


def test_nobody_pays_without_a_bucket_owner() -> None:
    assert billed_request("GET", None, 400) is None  # refused before it was parsed
    assert billed_request("GET", s3_request("GET", "GetObject", bucket_owner=None), 404) is None


def test_a_bucket_just_made_is_billed_to_its_creator() -> None:
    created = s3_request("PUT", "CreateBucket", bucket_owner=None)
    assert billed_request("PUT", created, 200) == BilledRequest("caller", "b", W)
    assert billed_request("PUT", created, 409) is None


async def test_the_tally_counts_what_went_through_send_and_records_before_the_last_bytes() -> None:
    sent: list[Message] = []
    records: list[tuple[int, int]] = []

    async def send(message: Message) -> None:
        sent.append(message)

    tally = ResponseTally(send, lambda n: records.append((n, len(sent))), counts_body=True)
    await tally.send({"type": "http.response.start", "status": 200, "headers": []})
    await tally.send({"type": "http.response.body", "body": b"x" * 10, "more_body": True})
    await tally.send({"type": "http.response.body", "body": b"y" * 5, "more_body": False})
    tally.finish()
    # Recorded once, with every byte, while the last message was still to go out.
    assert records == [(15, 2)]


async def test_a_response_cut_short_records_what_was_sent_so_far() -> None:
    records: list[int] = []

    async def send(_message: Message) -> None:
        return None

    tally = ResponseTally(send, records.append, counts_body=True)
    await tally.send({"type": "http.response.start", "status": 200, "headers": []})
    await tally.send({"type": "http.response.body", "body": b"x" * 7, "more_body": True})
    tally.finish()
    tally.finish()
    assert records == [7]


async def test_bodies_not_downloaded_count_no_bytes() -> None:
    records: list[int] = []

    async def send(_message: Message) -> None:
        return None

    tally = ResponseTally(send, records.append, counts_body=False)
    await tally.send({"type": "http.response.start", "status": 200, "headers": []})
    await tally.send({"type": "http.response.body", "body": b"<xml/>", "more_body": False})
    assert records == [0]


async def test_a_body_is_recorded_before_the_bytes_that_complete_its_content_length() -> None:
    sent: list[Message] = []
    records: list[tuple[int, int]] = []

    async def send(message: Message) -> None:
        sent.append(message)

    tally = ResponseTally(send, lambda n: records.append((n, len(sent))), counts_body=True)
    await tally.send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"8")]})
    await tally.send({"type": "http.response.body", "body": b"x" * 5, "more_body": True})
    assert records == []
    await tally.send({"type": "http.response.body", "body": b"x" * 3, "more_body": True})
    await tally.send({"type": "http.response.body", "body": b"", "more_body": False})
    assert records == [(8, 2)]
