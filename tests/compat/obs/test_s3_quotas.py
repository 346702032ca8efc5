"""An account's bucket and stored-bytes quotas, set by the operator, met by boto3.

A refused write must leave everything as it was: the old object, the bucket list, the
multipart upload, and no blob on disk that no object names.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.compat.obs.conftest import S3Factory, error_code
from tests.conftest import ROOT_PASSWORD, Welkin

MiB = 1 << 20


@pytest.fixture(scope="module")
def operator(server: Welkin) -> Iterator[httpx.Client]:
    identity = {"user": {"name": "admin", "password": ROOT_PASSWORD, "domain": {"name": "admin"}}}
    body = {"auth": {"identity": {"methods": ["password"], "password": identity}}}
    token = httpx.post(f"{server.url}/v3/auth/tokens", json=body, timeout=10).headers["x-subject-token"]
    with httpx.Client(base_url=server.url, headers={"X-Auth-Token": token}, timeout=10) as client:
        yield client


@pytest.fixture
def tenant(operator: httpx.Client, make_s3: S3Factory) -> tuple[str, Any]:
    """A new account and a boto3 client signing as its administrator."""
    name = f"acct-{uuid.uuid4().hex[:8]}"
    created = operator.post("/welkin/v1/accounts", json={"account": {"name": name}})
    assert created.status_code == 201, created.text
    account = created.json()["account"]
    return name, make_s3(account["access_key"], account["secret_key"])


def set_quotas(operator: httpx.Client, account: str, **limits: int | None) -> dict[str, Any]:
    answer = operator.put(f"/welkin/v1/accounts/{account}/quotas", json={"quotas": limits})
    assert answer.status_code == 200, answer.text
    quotas: dict[str, Any] = answer.json()["quotas"]
    return quotas


def blob_files(server: Welkin) -> set[Path]:
    return {p for p in (server.data_dir / "obs").rglob("*") if p.is_file()}


def test_buckets_past_the_quota_are_refused(operator: httpx.Client, tenant: tuple[str, Any]) -> None:
    account, s3 = tenant
    set_quotas(operator, account, buckets=2)
    names = [f"q-{uuid.uuid4().hex[:10]}" for _ in range(3)]
    for name in names[:2]:
        s3.create_bucket(Bucket=name)
    with pytest.raises(ClientError) as refused:
        s3.create_bucket(Bucket=names[2])
    assert error_code(refused) == "TooManyBuckets"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "buckets quota is 2" in refused.value.response["Error"]["Message"]
    assert sorted(b["Name"] for b in s3.list_buckets()["Buckets"]) == sorted(names[:2])
    with pytest.raises(ClientError):
        s3.head_bucket(Bucket=names[2])

    shown = operator.get(f"/welkin/v1/accounts/{account}/quotas").json()["quotas"]["buckets"]
    assert shown == {"limit": 2, "default": 100, "used": 2, "unit": "count"}
    # Back to the region's default, the third bucket can be made.
    set_quotas(operator, account, buckets=None)
    s3.create_bucket(Bucket=names[2])


def test_writes_past_stored_bytes_leave_the_old_object(
    operator: httpx.Client, tenant: tuple[str, Any], server: Welkin
) -> None:
    account, s3 = tenant
    bucket = f"q-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="old", Body=b"o" * 600)
    old = s3.head_object(Bucket=bucket, Key="old")
    set_quotas(operator, account, stored_bytes=1000)
    before = blob_files(server)

    def refused(call: Any, **kwargs: Any) -> None:
        with pytest.raises(ClientError) as info:
            call(**kwargs)
        assert error_code(info) == "InsufficientStorageSpace"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert "stored_bytes quota is 1000 bytes" in info.value.response["Error"]["Message"]

    refused(s3.put_object, Bucket=bucket, Key="new", Body=b"n" * 401)
    refused(s3.put_object, Bucket=bucket, Key="old", Body=b"n" * 1001)
    # Refused on its announced length, before the body is taken in.
    refused(s3.put_object, Bucket=bucket, Key="huge", Body=b"h" * (8 * MiB))
    refused(s3.copy_object, Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "old"})

    post = s3.generate_presigned_post(bucket, "posted")
    answer = httpx.post(post["url"], data=post["fields"], files={"file": ("f", b"p" * 401)})
    assert answer.status_code == 403
    assert b"<Code>InsufficientStorageSpace</Code>" in answer.content
    # No blob (staged or published) is left by the refused writes.
    assert blob_files(server) - before == set()

    upload = s3.create_multipart_upload(Bucket=bucket, Key="parts")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="parts", UploadId=upload, PartNumber=1, Body=b"m" * 500)
    parts = {"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    refused(s3.complete_multipart_upload, Bucket=bucket, Key="parts", UploadId=upload, MultipartUpload=parts)
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [upload]
    s3.abort_multipart_upload(Bucket=bucket, Key="parts", UploadId=upload)

    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["old"]
    again = s3.head_object(Bucket=bucket, Key="old")
    assert (again["ETag"], again["ContentLength"]) == (old["ETag"], 600)
    assert s3.get_object(Bucket=bucket, Key="old")["Body"].read() == b"o" * 600

    # Within the quota a write goes through; over it, back at the default (no limit), too.
    s3.put_object(Bucket=bucket, Key="new", Body=b"n" * 400)
    shown = set_quotas(operator, account, stored_bytes=None)["stored_bytes"]
    assert shown == {"limit": -1, "default": -1, "used": 1000, "unit": "bytes"}
    s3.put_object(Bucket=bucket, Key="big", Body=b"b" * MiB)
