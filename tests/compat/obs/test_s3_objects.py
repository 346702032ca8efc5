"""Buckets and single objects through boto3, path-style and virtual-hosted."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.compat.obs.conftest import S3Factory, error_code
from tests.conftest import Welkin


def test_bucket_lifecycle(s3: Any) -> None:
    s3.create_bucket(Bucket="lifecycle-demo")
    assert "lifecycle-demo" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket="lifecycle-demo")
    assert error_code(exc) == "BucketAlreadyOwnedByYou"
    assert s3.get_bucket_location(Bucket="lifecycle-demo")["LocationConstraint"] == "local-1"
    s3.head_bucket(Bucket="lifecycle-demo")
    s3.put_object(Bucket="lifecycle-demo", Key="k", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.delete_bucket(Bucket="lifecycle-demo")
    assert error_code(exc) == "BucketNotEmpty"
    s3.delete_object(Bucket="lifecycle-demo", Key="k")
    s3.delete_bucket(Bucket="lifecycle-demo")
    with pytest.raises(ClientError) as exc:
        s3.head_bucket(Bucket="lifecycle-demo")
    assert exc.value.response["Error"]["Code"] == "404"


@pytest.mark.parametrize(
    "name", ["ab", "Upper", "under_score", "-dash", "a..b", "192.168.1.1", "v9", "console"]
)
def test_invalid_bucket_names(s3: Any, name: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket=name)
    assert error_code(exc) == "InvalidBucketName"


def test_put_get_with_metadata_and_content_headers(s3: Any, bucket: str) -> None:
    put = s3.put_object(
        Bucket=bucket,
        Key="docs/ünïcode key+plus.txt",
        Body=b"hello world",
        Metadata={"owner": "ana"},
        ContentType="text/plain",
        CacheControl="max-age=60",
        ContentDisposition="attachment",
    )
    got = s3.get_object(Bucket=bucket, Key="docs/ünïcode key+plus.txt")
    assert got["Body"].read() == b"hello world"
    assert got["ETag"] == put["ETag"] == '"5eb63bbbe01eeed093cb22bb8f5acdc3"'
    assert got["Metadata"] == {"owner": "ana"}
    assert got["ContentType"] == "text/plain"
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == "attachment"
    head = s3.head_object(Bucket=bucket, Key="docs/ünïcode key+plus.txt")
    assert head["ContentLength"] == 11


def test_large_streaming_put_and_get(s3: Any, bucket: str) -> None:
    body = bytes(range(256)) * (12 * 4096)  # 12 MiB, sent aws-chunked by current boto3
    s3.put_object(Bucket=bucket, Key="big", Body=io.BytesIO(body))
    assert s3.get_object(Bucket=bucket, Key="big")["Body"].read() == body


@pytest.mark.parametrize(
    ("header", "expected"),
    [("bytes=0-4", b"01234"), ("bytes=5-", b"56789"), ("bytes=-3", b"789"), ("bytes=8-100", b"89")],
)
def test_range_get(s3: Any, bucket: str, header: str, expected: bytes) -> None:
    s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
    got = s3.get_object(Bucket=bucket, Key="digits", Range=header)
    assert got["Body"].read() == expected
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206


def test_unsatisfiable_range(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="digits", Range="bytes=10-")
    assert error_code(exc) == "InvalidRange"


def test_conditional_get_and_put(s3: Any, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="c", Body=b"v1")["ETag"]
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == b"v1"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", IfMatch='"0000"')
    assert error_code(exc) == "PreconditionFailed"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="c", Body=b"v2", IfNoneMatch="*")
    assert error_code(exc) == "PreconditionFailed"
    s3.put_object(Bucket=bucket, Key="c", Body=b"v2", IfMatch=etag)
    assert s3.get_object(Bucket=bucket, Key="c")["Body"].read() == b"v2"


def test_missing_key_and_bucket(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="absent")
    assert error_code(exc) == "NoSuchKey"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket="no-such-bucket-here", Key="absent")
    assert error_code(exc) == "NoSuchBucket"


def test_key_too_long(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k" * 1025, Body=b"x")
    assert error_code(exc) == "KeyTooLongError"
    s3.put_object(Bucket=bucket, Key="é" * 512, Body=b"x")  # 1024 bytes: the limit itself


def test_listing_v1_v2_with_delimiter_and_pages(s3: Any, bucket: str) -> None:
    keys = [f"dir{d}/file{f:02d}" for d in range(3) for f in range(5)] + ["top1", "top2"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    rolled = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in rolled["CommonPrefixes"]] == ["dir0/", "dir1/", "dir2/"]
    assert [o["Key"] for o in rolled["Contents"]] == ["top1", "top2"]
    seen: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 4}):
        seen += [o["Key"] for o in page.get("Contents", [])]
    assert seen == sorted(keys)
    seen = []
    for page in s3.get_paginator("list_objects").paginate(Bucket=bucket, PaginationConfig={"PageSize": 4}):
        seen += [o["Key"] for o in page.get("Contents", [])]
    assert seen == sorted(keys)
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 2}
    )
    entries: list[str] = []
    for page in pages:
        entries += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        entries += [o["Key"] for o in page.get("Contents", [])]
    assert sorted(entries) == ["dir0/", "dir1/", "dir2/", "top1", "top2"]
    under = s3.list_objects_v2(Bucket=bucket, Prefix="dir1/", StartAfter="dir1/file02")
    assert [o["Key"] for o in under["Contents"]] == ["dir1/file03", "dir1/file04"]


def test_virtual_hosted_addressing(
    make_s3: S3Factory, s3: Any, bucket: str, localhost_subdomains: None
) -> None:
    port = s3.meta.endpoint_url.rsplit(":", 1)[1]
    virtual = make_s3(addressing="virtual", endpoint=f"http://localhost:{port}")
    virtual.put_object(Bucket=bucket, Key="v3/looks-like-iam", Body=b"via host")
    assert s3.get_object(Bucket=bucket, Key="v3/looks-like-iam")["Body"].read() == b"via host"
    listed = virtual.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == ["v3/looks-like-iam"]


def test_a_host_that_only_ends_like_an_s3_domain_is_path_style(server: Welkin, s3: Any, bucket: str) -> None:
    port = server.url.rsplit(":", 1)[1]
    s3.put_object(Bucket=bucket, Key="k", Body=b"by path", ACL="public-read")
    host = {"Host": f"mylocalhost:{port}"}
    assert httpx.get(f"{server.url}/{bucket}/k", headers=host).content == b"by path"
    assert httpx.get(f"{server.url}/health", headers=host).status_code == 200


def test_wrong_secret_is_refused(make_s3: S3Factory, bucket: str) -> None:
    from tests.conftest import ROOT_AK

    with pytest.raises(ClientError) as exc:
        make_s3(ROOT_AK, "wrong-secret").get_object(Bucket=bucket, Key="x")
    assert error_code(exc) == "SignatureDoesNotMatch"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
