"""Server-side copy and batch delete through boto3."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.compat.conftest import client, password_token, unique
from tests.compat.obs.conftest import S3Factory, enable_versioning, error_code
from tests.conftest import ROOT_AK, ROOT_PASSWORD, ROOT_SK, Welkin


def test_copy_keeps_metadata(s3: Any, bucket: str) -> None:
    s3.put_object(
        Bucket=bucket,
        Key="src",
        Body=b"payload",
        ContentType="text/plain",
        Metadata={"a": "1"},
        Tagging="t=1",
    )
    answer = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert (
        answer["CopyObjectResult"]["ETag"]
        == f'"{hashlib.md5(b"payload", usedforsecurity=False).hexdigest()}"'
    )
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert got["Body"].read() == b"payload"
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"a": "1"}
    assert got["TagCount"] == 1


def test_copy_replace(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"payload", Metadata={"a": "1"}, Tagging="t=1")
    s3.copy_object(
        Bucket=bucket,
        Key="dst",
        CopySource=f"{bucket}/src",
        MetadataDirective="REPLACE",
        Metadata={"b": "2"},
        ContentType="application/json",
        TaggingDirective="REPLACE",
        Tagging="u=2",
    )
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert got["Metadata"] == {"b": "2"}
    assert got["ContentType"] == "application/json"
    assert got["TagCount"] == 1


def test_copy_onto_itself(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Metadata={"a": "1"})
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "k"})
    assert error_code(exc) == "InvalidRequest"
    s3.copy_object(
        Bucket=bucket,
        Key="k",
        CopySource={"Bucket": bucket, "Key": "k"},
        MetadataDirective="REPLACE",
        Metadata={"a": "2"},
    )
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Metadata"] == {"a": "2"}
    assert got["Body"].read() == b"x"


def test_copy_large_source_and_odd_keys(s3: Any, bucket: str) -> None:
    data = os.urandom(6 << 20)
    key = "dir/ünï code+plus %20?.bin"
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": key})
    assert s3.get_object(Bucket=bucket, Key="copy")["Body"].read() == data
    again = s3.copy_object(Bucket=bucket, Key="copy2", CopySource={"Bucket": bucket, "Key": "copy"})
    assert again["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'


def test_copy_version(s3: Any, bucket: str) -> None:
    enable_versioning(s3, bucket)
    old = s3.put_object(Bucket=bucket, Key="src", Body=b"old")["VersionId"]
    s3.put_object(Bucket=bucket, Key="src", Body=b"new")
    answer = s3.copy_object(
        Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src", "VersionId": old}
    )
    assert answer["CopySourceVersionId"] == old
    assert answer["VersionId"] not in (None, "null", old)
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"old"


def test_copy_preconditions(s3: Any, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="src", Body=b"x")["ETag"]
    source = {"Bucket": bucket, "Key": "src"}
    future = datetime.now(UTC) + timedelta(days=1)
    past = datetime.now(UTC) - timedelta(days=1)
    for conditions in (
        {"CopySourceIfMatch": '"0000"'},
        {"CopySourceIfNoneMatch": etag},
        {"CopySourceIfModifiedSince": future},
        {"CopySourceIfUnmodifiedSince": past},
    ):
        with pytest.raises(ClientError) as exc:
            s3.copy_object(Bucket=bucket, Key="dst", CopySource=source, **conditions)
        assert error_code(exc) == "PreconditionFailed", conditions
    s3.copy_object(
        Bucket=bucket, Key="dst", CopySource=source, CopySourceIfMatch=etag, CopySourceIfModifiedSince=past
    )


def test_copy_missing_source(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "missing"})
    assert error_code(exc) == "NoSuchKey"
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": "no-such-bucket-here", "Key": "k"})
    assert error_code(exc) == "NoSuchBucket"
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource="just-a-bucket")
    assert error_code(exc) == "InvalidArgument"


@pytest.fixture(scope="module")
def stranger(server: Welkin, make_s3: S3Factory) -> tuple[str, Any]:
    """Another account's id and S3 client."""
    token, _ = password_token(client(server.url, ROOT_AK, ROOT_SK), "admin", "admin", ROOT_PASSWORD)
    body = {"account": {"name": unique("acct")}}
    resp = httpx.post(
        f"{server.url}/welkin/v1/accounts", json=body, headers={"X-Auth-Token": token}, timeout=10
    )
    made = resp.json()["account"]
    return made["id"], make_s3(made["access_key"], made["secret_key"])


def grant(account_id: str, bucket: str, actions: list[str], resources: list[str]) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": [account_id]},
        "Action": actions,
        "Resource": resources,
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_copy_needs_read_access_to_the_source(s3: Any, bucket: str, stranger: tuple[str, Any]) -> None:
    account_id, other = stranger
    s3.put_object(Bucket=bucket, Key="src", Body=b"secret")
    own = unique("own")
    other.create_bucket(Bucket=own)
    with pytest.raises(ClientError) as exc:
        other.copy_object(Bucket=own, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert error_code(exc) == "AccessDenied"
    policy = grant(account_id, bucket, ["s3:GetObject"], [f"arn:aws:s3:::{bucket}/*"])
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    other.copy_object(Bucket=own, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert other.get_object(Bucket=own, Key="dst")["Body"].read() == b"secret"


def test_batch_delete_authorizes_each_key(s3: Any, bucket: str, stranger: tuple[str, Any]) -> None:
    account_id, other = stranger
    for key in ("mine", "theirs"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    resources = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/mine"]
    s3.put_bucket_policy(Bucket=bucket, Policy=grant(account_id, bucket, ["s3:DeleteObject"], resources))
    answer = other.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "mine"}, {"Key": "theirs"}]})
    assert [d["Key"] for d in answer["Deleted"]] == ["mine"]
    assert [(e["Key"], e["Code"]) for e in answer["Errors"]] == [("theirs", "AccessDenied")]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["theirs"]


def test_batch_delete(s3: Any, bucket: str) -> None:
    for key in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    answer = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}, {"Key": "missing"}]}
    )
    assert sorted(d["Key"] for d in answer["Deleted"]) == ["a", "b", "missing"]
    assert answer.get("Errors", []) == []
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["c"]
    quiet = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "c"}], "Quiet": True})
    assert quiet.get("Deleted", []) == []
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_batch_delete_versions(s3: Any, bucket: str) -> None:
    enable_versioning(s3, bucket)
    version = s3.put_object(Bucket=bucket, Key="k", Body=b"x")["VersionId"]
    marked = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k"}]})["Deleted"][0]
    assert marked["DeleteMarker"] is True
    marker = marked["DeleteMarkerVersionId"]
    answer = s3.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": "k", "VersionId": version}, {"Key": "k", "VersionId": marker}]},
    )
    assert {(d["VersionId"], d.get("DeleteMarker", False)) for d in answer["Deleted"]} == {
        (version, False),
        (marker, True),
    }
    assert s3.list_object_versions(Bucket=bucket).get("Versions", []) == []


def test_batch_delete_reports_errors_per_key(s3: Any, bucket: str) -> None:
    answer = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "ok"}, {"Key": "k", "VersionId": "bad"}]}
    )
    assert [d["Key"] for d in answer["Deleted"]] == ["ok"]
    assert [(e["Key"], e["Code"]) for e in answer["Errors"]] == [("k", "InvalidArgument")]


def test_batch_delete_limits(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": f"k{i}"} for i in range(1001)]})
    assert error_code(exc) == "MalformedXML"
    answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": f"k{i}"} for i in range(1000)]})
    assert len(answer["Deleted"]) == 1000


def test_batch_delete_needs_a_digest_of_its_body(make_s3: S3Factory, bucket: str) -> None:
    s3 = make_s3()

    def strip_digests(request: Any, **_: Any) -> None:
        for name in list(request.headers.keys()):
            if name.lower() == "content-md5" or name.lower().startswith("x-amz-checksum-"):
                del request.headers[name]

    s3.meta.events.register("before-sign.s3.DeleteObjects", strip_digests)
    with pytest.raises(ClientError) as exc:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k"}]})
    assert error_code(exc) == "InvalidRequest"

    def wrong_digest(request: Any, **_: Any) -> None:
        strip_digests(request)
        request.headers["Content-MD5"] = "AAAAAAAAAAAAAAAAAAAAAA=="

    s3.meta.events.unregister("before-sign.s3.DeleteObjects", strip_digests)
    s3.meta.events.register("before-sign.s3.DeleteObjects", wrong_digest)
    with pytest.raises(ClientError) as exc:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k"}]})
    assert error_code(exc) == "BadDigest"
