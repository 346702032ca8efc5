"""The AWS CLI (``aws s3`` and ``aws s3api``) against Welkin, run as the user would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Welkin

AWS = str(Path(sys.executable).with_name("aws"))
Aws = Callable[..., str]


@pytest.fixture
def aws(server: Welkin, tmp_path: Path) -> Aws:
    config, credentials = tmp_path / "aws-config", tmp_path / "aws-credentials"
    config.write_text("")
    credentials.write_text("")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": server.access_key,
        "AWS_SECRET_ACCESS_KEY": server.secret_key,
        "AWS_DEFAULT_REGION": "local-1",
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_MAX_ATTEMPTS": "1",
    }

    def run(*args: str, cwd: Path | None = None) -> str:
        done = subprocess.run(
            [AWS, "--endpoint-url", server.url, *args],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    return run


def api(aws: Aws, *args: str) -> Any:
    return json.loads(aws("s3api", *args, "--output", "json") or "{}")


def test_mb_cp_ls_rm_rb(aws: Aws, tmp_path: Path) -> None:
    aws("s3", "mb", "s3://cli-basic")
    assert "cli-basic" in aws("s3", "ls")
    small = tmp_path / "small.txt"
    small.write_bytes(b"small body")
    aws("s3", "cp", str(small), "s3://cli-basic/dir/small.txt")
    back = tmp_path / "back.txt"
    aws("s3", "cp", "s3://cli-basic/dir/small.txt", str(back))
    assert back.read_bytes() == b"small body"
    assert "PRE dir/" in aws("s3", "ls", "s3://cli-basic")
    listed = aws("s3", "ls", "--recursive", "s3://cli-basic")
    assert "dir/small.txt" in listed
    aws("s3", "rm", "--recursive", "s3://cli-basic/dir/")
    assert aws("s3", "ls", "--recursive", "s3://cli-basic").strip() == ""
    aws("s3", "cp", str(small), "s3://cli-basic/again.txt")
    aws("s3", "rb", "--force", "s3://cli-basic")
    assert "cli-basic" not in aws("s3", "ls")


def test_cp_large_file_uses_multipart(aws: Aws, tmp_path: Path) -> None:
    aws("s3", "mb", "s3://cli-large")
    large = tmp_path / "large.bin"
    large.write_bytes(os.urandom(20 * 1024 * 1024))
    aws("s3", "cp", str(large), "s3://cli-large/large.bin")
    head = api(aws, "head-object", "--bucket", "cli-large", "--key", "large.bin")
    assert head["ContentLength"] == 20 * 1024 * 1024
    assert head["ETag"].endswith('-3"')  # 8 MiB parts: the CLI's default chunk size
    back = tmp_path / "large.back"
    aws("s3", "cp", "s3://cli-large/large.bin", str(back))
    assert back.read_bytes() == large.read_bytes()


def test_sync_both_ways(aws: Aws, tmp_path: Path) -> None:
    aws("s3", "mb", "s3://cli-sync")
    source = tmp_path / "source"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_text("a")
    (source / "sub" / "b.txt").write_text("bb")
    aws("s3", "sync", str(source), "s3://cli-sync/tree")
    listed = aws("s3", "ls", "--recursive", "s3://cli-sync")
    assert "tree/a.txt" in listed
    assert "tree/sub/b.txt" in listed
    # A second sync has nothing to do.
    assert aws("s3", "sync", str(source), "s3://cli-sync/tree").strip() == ""
    target = tmp_path / "target"
    aws("s3", "sync", "s3://cli-sync/tree", str(target))
    assert (target / "a.txt").read_text() == "a"
    assert (target / "sub" / "b.txt").read_text() == "bb"


def test_presign_then_plain_get(aws: Aws, tmp_path: Path) -> None:
    aws("s3", "mb", "s3://cli-presign")
    body = tmp_path / "p.txt"
    body.write_text("presigned body")
    aws("s3", "cp", str(body), "s3://cli-presign/p.txt")
    url = aws("s3", "presign", "s3://cli-presign/p.txt", "--expires-in", "300").strip()
    resp = httpx.get(url)
    assert resp.status_code == 200
    assert resp.text == "presigned body"
    assert httpx.get(url.replace("p.txt", "other.txt")).status_code == 403


def test_s3api_object_calls(aws: Aws, tmp_path: Path) -> None:
    api(aws, "create-bucket", "--bucket", "cli-api")
    body = tmp_path / "body.bin"
    body.write_bytes(b"s3api body")
    put = api(
        aws, "put-object", "--bucket", "cli-api", "--key", "k/1", "--body", str(body),
        "--metadata", "owner=ana", "--content-type", "text/plain",
    )  # fmt: skip
    head = api(aws, "head-object", "--bucket", "cli-api", "--key", "k/1")
    assert head["ETag"] == put["ETag"]
    assert head["Metadata"] == {"owner": "ana"}
    assert head["ContentType"] == "text/plain"
    out = tmp_path / "out.bin"
    got = api(aws, "get-object", "--bucket", "cli-api", "--key", "k/1", str(out))
    assert got["ContentLength"] == 10
    assert out.read_bytes() == b"s3api body"
    listed = api(aws, "list-objects-v2", "--bucket", "cli-api", "--prefix", "k/")
    assert [c["Key"] for c in listed["Contents"]] == ["k/1"]
    api(aws, "delete-object", "--bucket", "cli-api", "--key", "k/1")
    assert "Contents" not in api(aws, "list-objects-v2", "--bucket", "cli-api")
