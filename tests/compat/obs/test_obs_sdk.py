"""Huawei's own SDK (esdk-obs-python) against Welkin, in each signature mode it offers."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from obs import ObsClient

from tests.conftest import Welkin

# (signature, path_style): path style turns negotiation off, so "obs" signs as v2 there;
# virtual-host style with the default signature negotiates OBS mode via HEAD ?apiversion.
MODES = [
    pytest.param(("obs", False), id="negotiated-virtual-host"),
    pytest.param(("v2", False), id="v2-virtual-host"),
    pytest.param(("v4", False), id="v4-virtual-host"),
    pytest.param(("obs", True), id="obs-path"),
    pytest.param(("v2", True), id="v2-path"),
    pytest.param(("v4", True), id="v4-path"),
]


@pytest.fixture(params=MODES)
def client(request: pytest.FixtureRequest, server: Welkin, localhost_subdomains: None) -> Iterator[Any]:
    signature, path_style = request.param
    port = server.url.rsplit(":", 1)[1]
    endpoint = f"http://127.0.0.1:{port}" if path_style else f"http://localhost:{port}"
    obs = ObsClient(
        access_key_id=server.access_key,
        secret_access_key=server.secret_key,
        server=endpoint,
        signature=signature,
        path_style=path_style,
        region="local-1",
        max_retry_count=0,
    )
    yield obs
    obs.close()


def ok(resp: Any) -> Any:
    assert resp.status < 300, (resp.status, resp.errorCode, resp.errorMessage)
    return resp.body


@pytest.fixture
def obs_bucket(client: Any) -> str:
    name = f"o-{uuid.uuid4().hex[:12]}"
    ok(client.createBucket(name, location="local-1"))
    return name


def test_api_version_probe_is_answered_without_credentials(server: Welkin) -> None:
    for path in ("/?apiversion", "/no-such-bucket-here?apiversion"):
        resp = httpx.head(f"{server.url}{path}")
        assert resp.status_code == 200
        assert resp.headers["x-obs-api"] == "3.0"


def test_bucket_lifecycle(client: Any) -> None:
    name = f"o-{uuid.uuid4().hex[:12]}"
    ok(client.createBucket(name, location="local-1"))
    ok(client.headBucket(name))
    names = [b.name for b in ok(client.listBuckets(isQueryLocation=False)).buckets]
    assert name in names
    ok(client.deleteBucket(name))
    assert client.headBucket(name).status == 404


def test_put_get_head_delete(client: Any, obs_bucket: str, tmp_path: Path) -> None:
    put = client.putContent(obs_bucket, "docs/a.txt", "hello obs", metadata={"owner": "ana"})
    assert ok(put).etag == '"' + hashlib.md5(b"hello obs", usedforsecurity=False).hexdigest() + '"'
    got = client.getObject(obs_bucket, "docs/a.txt", loadStreamInMemory=True)
    assert ok(got).buffer == b"hello obs"
    head = client.getObjectMetadata(obs_bucket, "docs/a.txt")
    assert ok(head).contentLength == 9
    assert ("owner", "ana") in head.header, head.header
    streamed = ok(client.getObject(obs_bucket, "docs/a.txt")).response
    assert streamed.read() == b"hello obs"
    streamed.close()

    source = tmp_path / "upload.bin"
    source.write_bytes(b"\x00\x01" * 50_000)
    ok(client.putFile(obs_bucket, "files/upload.bin", str(source)))
    target = tmp_path / "download.bin"
    ok(client.getObject(obs_bucket, "files/upload.bin", downloadPath=str(target)))
    assert target.read_bytes() == source.read_bytes()

    ok(client.deleteObject(obs_bucket, "docs/a.txt"))
    assert client.getObjectMetadata(obs_bucket, "docs/a.txt").status == 404
    missing = client.getObject(obs_bucket, "docs/a.txt", loadStreamInMemory=True)
    assert missing.status == 404
    assert missing.errorCode == "NoSuchKey"


def test_list_objects_prefix_delimiter_marker(client: Any, obs_bucket: str) -> None:
    for key in ("a/1", "a/2", "b/1", "c"):
        ok(client.putContent(obs_bucket, key, key))
    listed = ok(client.listObjects(obs_bucket))
    assert [c.key for c in listed.contents] == ["a/1", "a/2", "b/1", "c"]
    assert listed.contents[0].size == 3
    grouped = ok(client.listObjects(obs_bucket, delimiter="/"))
    assert [c.key for c in grouped.contents] == ["c"]
    assert [p.prefix for p in grouped.commonPrefixs] == ["a/", "b/"]
    prefixed = ok(client.listObjects(obs_bucket, prefix="a/"))
    assert [c.key for c in prefixed.contents] == ["a/1", "a/2"]
    after = ok(client.listObjects(obs_bucket, marker="a/2", max_keys=1))
    assert [c.key for c in after.contents] == ["b/1"]
    assert after.is_truncated


def test_errors_carry_s3_codes(client: Any, obs_bucket: str) -> None:
    resp = client.deleteBucket(f"missing-{uuid.uuid4().hex[:8]}")
    assert resp.status == 404
    assert resp.errorCode == "NoSuchBucket"
    ok(client.putContent(obs_bucket, "k", "v"))
    full = client.deleteBucket(obs_bucket)
    assert full.status == 409
    assert full.errorCode == "BucketNotEmpty"


def test_upload_file_in_parts_and_copy(client: Any, obs_bucket: str, tmp_path: Path) -> None:
    source = tmp_path / "large.bin"
    data = os.urandom(12 * (1 << 20))
    source.write_bytes(data)
    ok(client.uploadFile(obs_bucket, "large.bin", str(source), partSize=5 * (1 << 20), taskNum=2))
    head = ok(client.getObjectMetadata(obs_bucket, "large.bin"))
    assert head.etag.strip('"').endswith("-3")
    got = ok(client.getObject(obs_bucket, "large.bin", loadStreamInMemory=True))
    assert hashlib.sha256(got.buffer).digest() == hashlib.sha256(data).digest()
    ok(client.copyObject(obs_bucket, "large.bin", obs_bucket, "copy.bin"))
    copied = ok(client.getObject(obs_bucket, "copy.bin", loadStreamInMemory=True))
    assert copied.buffer == data
