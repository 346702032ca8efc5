"""Malformed, lying and broken requests: each gets a clear S3 error and stores nothing."""

from __future__ import annotations

import base64
import hashlib
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import botocore.auth
import defusedxml.ElementTree as ET
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.conftest import Welkin


def signed(
    server: Welkin,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> httpx.Request:
    """A SigV4-signed request, ready for httpx; the declared payload hash is signed as given."""
    declared = {"x-amz-content-sha256": hashlib.sha256(body).hexdigest(), **(headers or {})}
    request = AWSRequest(method=method, url=f"{server.url}{path}", data=body, headers=declared)
    SigV4Auth(Credentials(server.access_key, server.secret_key), "s3", "local-1").add_auth(request)
    return httpx.Request(method, request.url, headers=dict(request.headers.items()), content=body)


def send(request: httpx.Request) -> httpx.Response:
    with httpx.Client() as client:
        return client.send(request)


def s3_error(resp: httpx.Response, status: int, code: str) -> ET.Element:
    assert resp.status_code == status, resp.text
    assert resp.headers["x-amz-request-id"]
    root = ET.fromstring(resp.content)
    assert root.tag == "Error"
    assert root.findtext("Code") == code, resp.text
    assert root.findtext("Message")
    assert root.findtext("RequestId") == resp.headers["x-amz-request-id"]
    return root


def raw_exchange(server: Welkin, head: bytes, body: bytes = b"", read_first: bool = False) -> bytes:
    """Send raw bytes and read the reply; ``read_first`` reads before sending the body."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head)
        if read_first:
            return _read_reply(sock)
        sock.sendall(body)
        return _read_reply(sock)


def _read_reply(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < _length(data):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def head_bytes(request: httpx.Request, extra: dict[str, str], drop: tuple[str, ...] = ()) -> bytes:
    lines = [f"{request.method} {request.url.raw_path.decode()} HTTP/1.1"]
    headers = {k.lower(): v for k, v in request.headers.items() if k.lower() not in drop}
    headers.update({k.lower(): v for k, v in extra.items()})
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.fixture
def name(s3: Any) -> str:
    bucket = f"bad-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="kept", Body=b"original")
    return bucket


def still_original(s3: Any, bucket: str) -> None:
    assert s3.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"original"


def test_malformed_create_bucket_xml(server: Welkin) -> None:
    for body in (b"<CreateBucketConfiguration><Location", b"not xml", b"<Other/>"):
        resp = send(signed(server, "PUT", f"/mx-{uuid.uuid4().hex[:8]}", body))
        s3_error(resp, 400, "MalformedXML")


def test_wrong_content_md5_is_bad_digest(server: Welkin, s3: Any, name: str) -> None:
    wrong = base64.b64encode(hashlib.md5(b"other", usedforsecurity=False).digest()).decode()
    resp = send(signed(server, "PUT", f"/{name}/kept", b"new", {"Content-MD5": wrong}))
    s3_error(resp, 400, "BadDigest")
    still_original(s3, name)


def test_malformed_content_md5_is_invalid_digest(server: Welkin, s3: Any, name: str) -> None:
    for value in ("not-base64!", base64.b64encode(b"short").decode()):
        resp = send(signed(server, "PUT", f"/{name}/kept", b"new", {"Content-MD5": value}))
        s3_error(resp, 400, "InvalidDigest")
    still_original(s3, name)


def test_wrong_crc32_checksum_stores_nothing(server: Welkin, s3: Any, name: str) -> None:
    resp = send(signed(server, "PUT", f"/{name}/kept", b"new", {"x-amz-checksum-crc32": "AAAAAA=="}))
    s3_error(resp, 400, "BadDigest")
    still_original(s3, name)


@pytest.mark.parametrize("size", [3, 3 << 20], ids=["small", "through-the-blob-writer"])
def test_declared_payload_hash_that_lies(server: Welkin, s3: Any, name: str, size: int) -> None:
    request = signed(
        server,
        "PUT",
        f"/{name}/kept",
        b"n" * size,
        {"x-amz-content-sha256": hashlib.sha256(b"else").hexdigest()},
    )
    s3_error(send(request), 400, "XAmzContentSHA256Mismatch")
    still_original(s3, name)


def test_clock_skew(server: Welkin, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    skewed = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: skewed)
    resp = send(signed(server, "GET", f"/{name}/kept"))
    s3_error(resp, 403, "RequestTimeTooSkewed")


def test_missing_date_is_access_denied(server: Welkin, name: str) -> None:
    request = signed(server, "GET", f"/{name}/kept")
    del request.headers["x-amz-date"]
    s3_error(send(request), 403, "AccessDenied")


def test_garbage_authorization(server: Welkin, name: str) -> None:
    for value in ("garbage", "AWS4-HMAC-SHA256 nonsense", "AWS4-HMAC-SHA256 Credential=x", "OBS no-colon"):
        resp = httpx.get(f"{server.url}/{name}/kept", headers={"Authorization": value})
        assert 400 <= resp.status_code < 500, (value, resp.status_code)
        # An OBS-scheme client reads the request id under OBS's name.
        header = "x-obs-request-id" if value.startswith("OBS ") else "x-amz-request-id"
        root = ET.fromstring(resp.content)
        assert root.findtext("Code")
        assert root.findtext("RequestId") == resp.headers[header]


def test_put_without_content_length(server: Welkin, s3: Any, name: str) -> None:
    request = signed(server, "PUT", f"/{name}/kept", b"", {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    reply = raw_exchange(server, head_bytes(request, {}, drop=("content-length",)))
    assert reply.startswith(b"HTTP/1.1 411"), reply
    assert b"<Code>MissingContentLength</Code>" in reply
    still_original(s3, name)


@pytest.mark.parametrize("length", ["-1", "abc", "99999999999999999999999"])
def test_absurd_content_length(server: Welkin, s3: Any, name: str, length: str) -> None:
    request = signed(server, "PUT", f"/{name}/kept", b"", {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    reply = raw_exchange(server, head_bytes(request, {"content-length": length}))
    status = int(reply.split(b" ", 2)[1])
    assert 400 <= status < 500, reply
    still_original(s3, name)


def test_disconnect_mid_upload(server: Welkin, s3: Any, name: str) -> None:
    body = b"x" * 200_000
    for key in ("kept", "fresh"):
        request = signed(server, "PUT", f"/{name}/{key}", body, {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
        parts = urlsplit(server.url)
        with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
            sock.sendall(head_bytes(request, {}))
            sock.sendall(body[: len(body) // 2])
    still_original(s3, name)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=name).get("Contents", [])]
    assert keys == ["kept"]
    assert server.health().status_code == 200
    s3.put_object(Bucket=name, Key="after", Body=b"fine")


def test_truncated_aws_chunked_body(server: Welkin, s3: Any, name: str) -> None:
    payload = b"5;chunk-signature=" + b"0" * 64 + b"\r\nhello\r\n"  # no final zero chunk
    request = signed(
        server,
        "PUT",
        f"/{name}/kept",
        payload,
        {
            "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            "content-encoding": "aws-chunked",
            "x-amz-decoded-content-length": "5",
        },
    )
    resp = send(request)
    assert resp.status_code == 400, resp.text
    assert ET.fromstring(resp.content).findtext("Code")
    still_original(s3, name)


def test_unknown_subresource_is_not_implemented(server: Welkin, name: str) -> None:
    s3_error(send(signed(server, "GET", f"/{name}?website")), 501, "NotImplemented")


def test_oversize_key(server: Welkin, name: str) -> None:
    resp = send(signed(server, "PUT", f"/{name}/{'k' * 1100}", b"x"))
    s3_error(resp, 400, "KeyTooLongError")


def test_expect_continue_with_bad_signature_is_refused_before_the_body(server: Welkin, name: str) -> None:
    request = signed(
        server, "PUT", f"/{name}/kept", b"y" * 1000, {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}
    )
    auth = request.headers["authorization"]
    forged = auth[:-8] + ("0" * 8 if not auth.endswith("0" * 8) else "1" * 8)
    reply = raw_exchange(
        server, head_bytes(request, {"authorization": forged, "expect": "100-continue"}), read_first=True
    )
    assert reply.startswith(b"HTTP/1.1 403"), reply
    assert b"<Code>SignatureDoesNotMatch</Code>" in reply


def test_a_key_that_is_not_utf8_is_refused_not_a_500(server: Welkin, s3: Any) -> None:
    s3.create_bucket(Bucket="latin1-keys", ACL="public-read-write")
    response = httpx.put(f"{server.url}/latin1-keys/caf%E9", content=b"x")
    assert response.status_code == 400, response.text
    assert b"<Code>InvalidArgument</Code>" in response.content
