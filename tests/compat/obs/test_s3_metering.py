"""OBS metering through boto3 against a live server: billing's hourly totals hold exactly the
requests of each class and the bytes sent, billed to the bucket owner; refused requests,
deletes and requests to no bucket count nothing, and a download cut short counts what it got."""

from __future__ import annotations

import os
import sqlite3
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.compat.conftest import client, password_token
from tests.compat.obs.conftest import S3Factory, error_code
from tests.compat.obs.test_s3_access import Accounts
from tests.conftest import ROOT_AK, ROOT_PASSWORD, ROOT_SK, Welkin

MIB = 1 << 20
BILLED_DOCUMENTS = (
    "ListParts",
    "ListMultipartUploads",
    "ListObjectsV2",
    "ListObjects",
    "ListObjectVersions",
    "GetBucketAcl",
)


def billed(server: Welkin, bucket: str) -> Counter[str]:
    """Billing's totals for one bucket, by usage type; every row the bucket owner's."""
    with sqlite3.connect(server.data_dir / "welkin.db") as db:
        rows = db.execute(
            "SELECT usage_type, SUM(quantity) FROM billing_usage_hourly"
            " WHERE resource_id = ? AND service = 'hws.service.type.obs' GROUP BY usage_type",
            (bucket,),
        ).fetchall()
    return Counter({usage_type: int(total) for usage_type, total in rows})


def payers(server: Welkin, bucket: str) -> set[str]:
    with sqlite3.connect(server.data_dir / "welkin.db") as db:
        rows = db.execute(
            "SELECT DISTINCT account_id FROM billing_usage_hourly WHERE resource_id = ?", (bucket,)
        )
        return {account for (account,) in rows}


def wait_for(server: Welkin, bucket: str, expected: Counter[str]) -> Counter[str]:
    deadline = time.monotonic() + 10
    while billed(server, bucket) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.6)  # one more flush: nothing else may arrive
    return billed(server, bucket)


@pytest.fixture(scope="module")
def stranger(server: Welkin, make_s3: S3Factory) -> Any:
    """An S3 client of another account, with no permission on the root account's buckets."""
    token, _ = password_token(client(server.url, ROOT_AK, ROOT_SK), "admin", "admin", ROOT_PASSWORD)
    return Accounts(server, make_s3, token).create().s3


def test_requests_count_by_class_and_downloads_by_their_bytes(
    server: Welkin, make_s3: S3Factory, stranger: Any, bucket: str
) -> None:
    expected: Counter[str] = Counter(obs_requests_write=1)  # the bucket's creation
    s3 = make_s3()
    # Every GET's body is traffic out, listings' and ACLs' XML too: the client says how long.
    documents: list[int] = []
    for operation in BILLED_DOCUMENTS:
        s3.meta.events.register(
            f"after-call.s3.{operation}",
            lambda http_response, **_: documents.append(len(http_response.content)),
        )
    small, large = os.urandom(1000), os.urandom(5 * MIB)

    s3.put_object(Bucket=bucket, Key="small", Body=small)
    s3.put_object(Bucket=bucket, Key="public", Body=b"hello", ACL="public-read")
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "small"})
    expected["obs_requests_write"] += 3

    upload = s3.create_multipart_upload(Bucket=bucket, Key="multi")["UploadId"]
    parts = []
    for number, body in ((1, large), (2, b"tail")):
        etag = s3.upload_part(Bucket=bucket, Key="multi", UploadId=upload, PartNumber=number, Body=body)[
            "ETag"
        ]
        parts.append({"PartNumber": number, "ETag": etag})
    s3.list_parts(Bucket=bucket, Key="multi", UploadId=upload)
    s3.list_multipart_uploads(Bucket=bucket)
    s3.complete_multipart_upload(
        Bucket=bucket, Key="multi", UploadId=upload, MultipartUpload={"Parts": parts}
    )
    expected["obs_requests_write"] += 6  # initiate, two parts, two listings, complete

    s3.list_objects_v2(Bucket=bucket)
    s3.list_objects(Bucket=bucket)
    s3.list_object_versions(Bucket=bucket)
    expected["obs_requests_write"] += 3

    assert s3.get_object(Bucket=bucket, Key="small")["Body"].read() == small
    assert s3.get_object(Bucket=bucket, Key="small", Range="bytes=0-99")["Body"].read() == small[:100]
    assert len(s3.get_object(Bucket=bucket, Key="multi")["Body"].read()) == len(large) + 4
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "copy"})
    assert httpx.get(url, timeout=10).content == small  # presigned: still the owner's
    assert httpx.get(f"{server.url}/{bucket}/public", timeout=10).content == b"hello"  # anonymous
    expected["obs_traffic_out"] += 1000 + 100 + len(large) + 4 + 1000 + 5
    s3.head_object(Bucket=bucket, Key="small")
    s3.head_bucket(Bucket=bucket)
    s3.get_bucket_acl(Bucket=bucket)
    assert len(documents) == 6
    expected["obs_traffic_out"] += sum(documents)
    with pytest.raises(ClientError) as missing:
        s3.head_object(Bucket=bucket, Key="nothing-here")  # a 404 is still a request
    assert missing.value.response["Error"]["Code"] == "404"
    expected["obs_requests_read"] += 5 + 4

    # Free: deletes, refusals (403), and requests to a bucket nobody owns.
    s3.delete_object(Bucket=bucket, Key="copy")
    for call in (
        lambda: stranger.get_object(Bucket=bucket, Key="small"),
        lambda: stranger.put_object(Bucket=bucket, Key="intruder", Body=b"x"),
        lambda: stranger.list_objects_v2(Bucket=bucket),
    ):
        with pytest.raises(ClientError) as refused:
            call()
        assert error_code(refused) == "AccessDenied"
    assert httpx.get(f"{server.url}/{bucket}/small", timeout=10).status_code == 403
    with pytest.raises(ClientError) as nobody:
        s3.get_object(Bucket=f"{bucket}-none", Key="small")
    assert error_code(nobody) == "NoSuchBucket"
    s3.list_buckets()

    assert wait_for(server, bucket, expected) == expected
    assert len(payers(server, bucket)) == 1  # the root account, which owns the bucket


def test_a_download_cut_short_counts_only_what_was_sent(server: Welkin, s3: Any, bucket: str) -> None:
    size = 48 * MIB
    s3.put_object(Bucket=bucket, Key="huge", Body=os.urandom(size))
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "huge"})
    with httpx.stream("GET", url, timeout=30) as response:
        assert response.status_code == 200
        received = 0
        for chunk in response.iter_raw(64 * 1024):
            received += len(chunk)
            if received >= MIB:
                break
    # Closed with most of the body unsent.
    deadline = time.monotonic() + 10
    while billed(server, bucket)["obs_requests_read"] < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    totals = billed(server, bucket)
    assert totals["obs_requests_read"] == 1
    assert totals["obs_requests_write"] == 2
    assert MIB <= totals["obs_traffic_out"] < size // 2, totals
