"""Presigned URLs and browser POST uploads, made by boto3 and sent with httpx."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.auth
import httpx
import pytest

from tests.compat.obs.conftest import S3Factory


def test_presigned_get_and_put(s3: Any, bucket: str) -> None:
    put_url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "p.txt"}, ExpiresIn=600
    )
    assert httpx.put(put_url, content=b"presigned body").status_code == 200
    get_url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "p.txt"}, ExpiresIn=600
    )
    fetched = httpx.get(get_url)
    assert fetched.status_code == 200
    assert fetched.content == b"presigned body"


def test_presigned_url_for_seven_days(make_s3: S3Factory, bucket: str, s3: Any) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"week")
    signer = make_s3(signature_version="s3v4")
    url = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=604800)
    assert httpx.get(url).content == b"week"


def test_tampered_presigned_url(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a", Body=b"a")
    s3.put_object(Bucket=bucket, Key="b", Body=b"b")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "a"}, ExpiresIn=600)
    tampered = httpx.get(url.replace(f"/{bucket}/a?", f"/{bucket}/b?"))
    assert tampered.status_code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in tampered.content


def test_expired_presigned_url(
    make_s3: S3Factory, s3: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    signer = make_s3(signature_version="s3v4")
    # Sign an hour ago with a minute's validity, rather than waiting for a URL to expire.
    an_hour_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: an_hour_ago)
    url = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    answer = httpx.get(url)
    assert answer.status_code == 403
    assert b"<Code>AccessDenied</Code>" in answer.content
    assert b"Request has expired" in answer.content
