"""Crash safety: SIGKILL the server while boto3 clients write, restart it, and check.

After every restart each key must read back as exactly one body a client had
acknowledged or still had in flight (never a torn mix), listings must show exactly
the readable keys, HEAD must agree with GET, and the blob files on disk must be
exactly those the metadata names.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.compat.obs.bodies import GeneratedBody
from tests.conftest import ROOT_AK, ROOT_SK, Welkin, start_welkin, stop_welkin

ROUNDS = 10
WRITERS = 3
KEYS_PER_WRITER = 4
# Sizes above the blob store's 1 MiB write buffer take several write() calls.
SIZES = (0, 1, 700, 64 << 10, (1 << 20) + 3, 3 << 20)
BUCKET = "crash"
ABSENT = "absent"


def client(server: Welkin) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=ROOT_AK,
        aws_secret_access_key=ROOT_SK,
        region_name="local-1",
        config=Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1},
            connect_timeout=2,
            read_timeout=10,
        ),
    )


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass
class Ledger:
    """For each key, the bodies (by digest, or ABSENT) it may hold after a crash."""

    possible: dict[str, set[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: Counter[str] = field(default_factory=Counter)  # by kind of operation

    def begin(self, key: str, outcome: str) -> None:
        with self.lock:
            self.possible.setdefault(key, {ABSENT}).add(outcome)

    def acknowledge(self, key: str, outcome: str, kind: str) -> None:
        with self.lock:
            self.possible[key] = {outcome}
            self.acknowledged[kind] += 1


def writer(server: Welkin, keys: list[str], ledger: Ledger, seed: int, stop: threading.Event) -> None:
    """Put, copy, multipart-upload and delete ``keys`` (this thread's alone) until the server dies."""
    s3 = client(server)
    rng = random.Random(seed)  # noqa: S311 - reproducible choices, not secrets
    while not stop.is_set():
        key = rng.choice(keys)
        roll = rng.random()
        try:
            if roll < 0.2:
                ledger.begin(key, ABSENT)
                s3.delete_object(Bucket=BUCKET, Key=key)
                ledger.acknowledge(key, ABSENT, "delete")
            elif roll < 0.35:
                copy(s3, ledger, rng.choice(keys), key)
            elif roll < 0.5:
                body = os.urandom(rng.choice(SIZES))
                ledger.begin(key, digest(body))
                multipart_put(s3, key, body)
                ledger.acknowledge(key, digest(body), "multipart")
            else:
                body = os.urandom(rng.choice(SIZES))
                ledger.begin(key, digest(body))
                s3.put_object(Bucket=BUCKET, Key=key, Body=body)
                ledger.acknowledge(key, digest(body), "put")
        except Exception:
            return  # the server was killed under us; what was in flight stays possible


def multipart_put(s3: Any, key: str, body: bytes) -> None:
    """One-part multipart upload: the part may be small since it is also the last."""
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    etag = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=1, Body=body)["ETag"]
    s3.complete_multipart_upload(
        Bucket=BUCKET,
        Key=key,
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
    )


def copy(s3: Any, ledger: Ledger, source: str, target: str) -> None:
    """Server-side copy between two keys of one writer, whose state the ledger knows exactly."""
    (state,) = ledger.possible.get(source, {ABSENT})
    if state == ABSENT or source == target:
        return
    ledger.begin(target, state)
    s3.copy_object(Bucket=BUCKET, Key=target, CopySource={"Bucket": BUCKET, "Key": source})
    ledger.acknowledge(target, state, "copy")


def read_or_none(s3: Any, key: str) -> bytes | None:
    try:
        got = s3.get_object(Bucket=BUCKET, Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchKey":
            return None
        raise
    body: bytes = got["Body"].read()
    assert got["ContentLength"] == len(body)
    return body


def check_reads(server: Welkin, ledger: Ledger) -> None:
    s3 = client(server)
    readable: set[str] = set()
    for key, possible in ledger.possible.items():
        body = read_or_none(s3, key)
        if body is None:
            outcome = ABSENT
        else:
            assert s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"] == len(body)
            outcome = digest(body)
            readable.add(key)
        assert outcome in possible, f"{key} holds a body no client wrote (torn write?)"
        ledger.possible[key] = {outcome}
    listed: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        listed |= {entry["Key"] for entry in page.get("Contents", [])}
    assert listed == readable


def files_under(path: Path) -> set[str]:
    return {item.name for item in path.rglob("*") if item.is_file()}


def check_files(data_dir: Path) -> None:
    """Blob files on disk are exactly the ones the metadata refers to."""
    uri = f"file:{data_dir / 'welkin.db'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        named = {row[0] for row in db.execute("SELECT blob FROM obs_objects WHERE blob IS NOT NULL")}
        named |= {row[0] for row in db.execute("SELECT blob FROM obs_parts")}
        trash = db.execute("SELECT count(*) FROM obs_trash").fetchone()[0]
    root = data_dir / "obs"
    assert files_under(root / "tmp") == set()
    assert files_under(root / "staging") == set()
    assert files_under(root / "blobs") == named
    assert trash == 0


def kill(server: Welkin) -> None:
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=10)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_sigkill_during_writes_loses_nothing_acknowledged(data_dir: Path) -> None:
    rng = random.Random(20261122)  # noqa: S311
    ledger = Ledger()
    server = start_welkin(data_dir)
    client(server).create_bucket(Bucket=BUCKET)
    try:
        for round_number in range(ROUNDS):
            stop = threading.Event()
            threads = [
                threading.Thread(
                    target=writer,
                    args=(
                        server,
                        [f"w{w}/key-{k}" for k in range(KEYS_PER_WRITER)],
                        ledger,
                        round_number * WRITERS + w,
                        stop,
                    ),
                )
                for w in range(WRITERS)
            ]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.05, 0.5))
            kill(server)
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
            server = start_welkin(data_dir)
            check_files(data_dir)
            check_reads(server, ledger)
    finally:
        stop_welkin(server)
    check_files(data_dir)
    assert set(ledger.acknowledged) == {"put", "copy", "multipart", "delete"}, ledger.acknowledged


def test_sigkill_during_large_upload_leaves_no_temporary_file(data_dir: Path) -> None:
    server = start_welkin(data_dir)
    s3 = client(server)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="big", Body=b"old")
    failures: list[BaseException] = []

    def upload() -> None:
        try:
            s3.put_object(Bucket=BUCKET, Key="big", Body=GeneratedBody(64 << 20))
        except Exception as exc:
            failures.append(exc)

    thread = threading.Thread(target=upload)
    thread.start()
    deadline = time.monotonic() + 30
    while not files_under(data_dir / "obs" / "tmp") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert files_under(data_dir / "obs" / "tmp"), "the upload never reached tmp/"
    kill(server)
    thread.join(timeout=30)
    assert failures
    server = start_welkin(data_dir)
    try:
        assert files_under(data_dir / "obs" / "tmp") == set()
        assert client(server).get_object(Bucket=BUCKET, Key="big")["Body"].read() == b"old"
    finally:
        stop_welkin(server)
    check_files(data_dir)
