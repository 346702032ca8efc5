"""Bucket and object tagging, CORS rules and browser preflights, through boto3 and httpx."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import Welkin


def code_of(call: Any) -> str:
    with pytest.raises(ClientError) as info:
        call()
    return str(info.value.response["Error"]["Code"])


def tag_set(tags: dict[str, str]) -> dict[str, Any]:
    return {"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}


def test_bucket_tagging(s3: Any, bucket: str) -> None:
    assert code_of(lambda: s3.get_bucket_tagging(Bucket=bucket)) == "NoSuchTagSet"
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tag_set({"team": "storage", "env": "test"}))
    got = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    assert {t["Key"]: t["Value"] for t in got} == {"team": "storage", "env": "test"}
    s3.delete_bucket_tagging(Bucket=bucket)
    assert code_of(lambda: s3.get_bucket_tagging(Bucket=bucket)) == "NoSuchTagSet"


def test_bucket_tag_limits(s3: Any, bucket: str) -> None:
    many = {f"k{i}": "v" for i in range(51)}
    assert code_of(lambda: s3.put_bucket_tagging(Bucket=bucket, Tagging=tag_set(many))) == "InvalidTag"
    s3.put_bucket_tagging(Bucket=bucket, Tagging=tag_set(dict(list(many.items())[:50])))
    long_key = tag_set({"k" * 129: "v"})
    assert code_of(lambda: s3.put_bucket_tagging(Bucket=bucket, Tagging=long_key)) == "InvalidTag"
    long_value = tag_set({"k": "v" * 257})
    assert code_of(lambda: s3.put_bucket_tagging(Bucket=bucket, Tagging=long_value)) == "InvalidTag"


def test_object_tagging(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="a=1&b=2")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == [
        {"Key": "a", "Value": "1"},
        {"Key": "b", "Value": "2"},
    ]
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=tag_set({"c": "3"}))
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == [{"Key": "c", "Value": "3"}]
    too_many = tag_set({f"k{i}": "v" for i in range(11)})
    assert code_of(lambda: s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=too_many)) == "InvalidTag"
    s3.delete_object_tagging(Bucket=bucket, Key="k")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []
    assert code_of(lambda: s3.get_object_tagging(Bucket=bucket, Key="missing")) == "NoSuchKey"


def test_object_tagging_by_version_id(s3: Any, bucket: str) -> None:
    # An unversioned bucket's objects carry the version id "null", which ?versionId may name.
    s3.put_object(Bucket=bucket, Key="k", Body=b"1", Tagging="v=1")
    s3.put_object_tagging(Bucket=bucket, Key="k", VersionId="null", Tagging=tag_set({"v": "one"}))
    got = s3.get_object_tagging(Bucket=bucket, Key="k", VersionId="null")
    assert got["TagSet"] == [{"Key": "v", "Value": "one"}]
    missing = "0" * 32
    assert code_of(lambda: s3.get_object_tagging(Bucket=bucket, Key="k", VersionId=missing)) in (
        "NoSuchVersion",
        "InvalidArgument",
    )


CORS = {
    "CORSRules": [
        {
            "ID": "app",
            "AllowedOrigins": ["https://*.example.com"],
            "AllowedMethods": ["GET", "PUT"],
            "AllowedHeaders": ["x-amz-*", "content-type"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 600,
        },
        {"AllowedOrigins": ["*"], "AllowedMethods": ["HEAD"]},
    ]
}


def test_cors_configuration(s3: Any, bucket: str) -> None:
    assert code_of(lambda: s3.get_bucket_cors(Bucket=bucket)) == "NoSuchCORSConfiguration"
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=CORS)
    rules = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert rules[0]["ID"] == "app"
    assert rules[0]["AllowedOrigins"] == ["https://*.example.com"]
    assert rules[0]["AllowedMethods"] == ["GET", "PUT"]
    assert rules[0]["ExposeHeaders"] == ["ETag"]
    assert rules[0]["MaxAgeSeconds"] == 600
    assert rules[1]["AllowedMethods"] == ["HEAD"]
    bad = {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]}
    assert code_of(lambda: s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=bad)) == "InvalidRequest"
    s3.delete_bucket_cors(Bucket=bucket)
    assert code_of(lambda: s3.get_bucket_cors(Bucket=bucket)) == "NoSuchCORSConfiguration"


def test_preflight(s3: Any, bucket: str, server: Welkin) -> None:
    url = f"{server.url}/{bucket}/some/key"
    ask = {
        "Origin": "https://app.example.com",
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "Content-Type, X-Amz-Date",
    }
    assert httpx.options(url, headers=ask).status_code == 403
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=CORS)
    allowed = httpx.options(url, headers=ask)
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert allowed.headers["Access-Control-Allow-Methods"] == "GET, PUT"
    assert allowed.headers["Access-Control-Allow-Headers"] == "content-type, x-amz-date"
    assert allowed.headers["Access-Control-Max-Age"] == "600"
    assert allowed.headers["Access-Control-Expose-Headers"] == "ETag"
    assert "Origin" in allowed.headers["Vary"]

    refused = httpx.options(url, headers={**ask, "Origin": "https://evil.test"})
    assert refused.status_code == 403
    assert b"CORSResponse: This CORS request is not allowed" in refused.content
    wrong_header = httpx.options(url, headers={**ask, "Access-Control-Request-Headers": "authorization"})
    assert wrong_header.status_code == 403
    anyone = httpx.options(
        f"{server.url}/{bucket}",
        headers={"Origin": "https://x.test", "Access-Control-Request-Method": "HEAD"},
    )
    assert anyone.status_code == 200
    assert anyone.headers["Access-Control-Allow-Origin"] == "*"


def test_actual_request_gets_cors_headers(make_s3: Any, s3: Any, bucket: str) -> None:
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=CORS)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    seen: dict[str, str] = {}

    def add_origin(request: Any, **_: Any) -> None:
        request.headers["Origin"] = "https://app.example.com"

    def keep(http_response: Any, **_: Any) -> None:
        seen.update(http_response.headers)

    client = make_s3()
    client.meta.events.register("before-sign.s3.GetObject", add_origin)
    client.meta.events.register("after-call.s3.GetObject", lambda **kw: keep(kw["http_response"]))
    client.get_object(Bucket=bucket, Key="k")
    assert seen["access-control-allow-origin"] == "https://app.example.com"
    assert seen["access-control-expose-headers"] == "ETag"
    plain = s3.get_object(Bucket=bucket, Key="k")["ResponseMetadata"]["HTTPHeaders"]
    assert "access-control-allow-origin" not in plain
