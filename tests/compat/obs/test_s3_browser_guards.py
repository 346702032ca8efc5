"""Objects served path-style share the console's origin: every S3 response tells a browser
to sandbox it and not to sniff its type, while S3 clients read objects as before."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from tests.conftest import Welkin

PAGE = b"<!doctype html><script>parent.document.title = 'owned'</script>"
CSP = "sandbox; default-src 'none'"


def assert_guarded(headers: Mapping[str, str]) -> None:
    lowered = {name.lower(): value for name, value in headers.items()}
    assert lowered["content-security-policy"] == CSP
    assert lowered["x-content-type-options"] == "nosniff"


@pytest.fixture
def page_url(server: Welkin, s3: Any, bucket: str) -> str:
    s3.put_object(Bucket=bucket, Key="index.html", Body=PAGE, ContentType="text/html", ACL="public-read")
    return f"{server.url}/{bucket}/index.html"


def test_a_public_html_object_is_sandboxed_on_get_and_head(page_url: str) -> None:
    got = httpx.get(page_url)
    assert got.status_code == 200
    assert got.headers["content-type"] == "text/html"
    assert got.content == PAGE
    assert_guarded(got.headers)
    head = httpx.head(page_url)
    assert head.status_code == 200
    assert_guarded(head.headers)
    ranged = httpx.get(page_url, headers={"Range": "bytes=0-4"})
    assert ranged.status_code == 206
    assert_guarded(ranged.headers)


def test_boto3_reads_the_object_and_its_overridden_type(s3: Any, bucket: str, page_url: str) -> None:
    got = s3.get_object(Bucket=bucket, Key="index.html")
    assert got["Body"].read() == PAGE
    assert got["ContentType"] == "text/html"
    assert_guarded(got["ResponseMetadata"]["HTTPHeaders"])
    overridden = s3.get_object(
        Bucket=bucket, Key="index.html", ResponseContentType="text/html; charset=utf-8"
    )
    assert overridden["ContentType"] == "text/html; charset=utf-8"
    assert_guarded(overridden["ResponseMetadata"]["HTTPHeaders"])
    head = s3.head_object(Bucket=bucket, Key="index.html")
    assert head["ContentLength"] == len(PAGE)
    assert_guarded(head["ResponseMetadata"]["HTTPHeaders"])


def test_a_streamed_object_is_sandboxed(s3: Any, bucket: str) -> None:
    body = b"<p>" * (700 * 1024)  # over the 1 MiB sent in one piece
    s3.put_object(Bucket=bucket, Key="big.html", Body=body, ContentType="text/html")
    got = s3.get_object(Bucket=bucket, Key="big.html")
    assert got["Body"].read() == body
    assert_guarded(got["ResponseMetadata"]["HTTPHeaders"])


def test_errors_and_listings_are_guarded_too(server: Welkin, bucket: str, page_url: str) -> None:
    missing = httpx.get(f"{server.url}/{bucket}/%3Cscript%3E")
    assert missing.status_code in (403, 404)
    assert missing.headers["content-type"] == "application/xml"
    assert_guarded(missing.headers)
    listing = httpx.get(f"{server.url}/{bucket}")
    assert_guarded(listing.headers)
