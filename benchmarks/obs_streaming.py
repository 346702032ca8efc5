"""Throughput and memory of one large object through the S3 API, next to the disk itself.

Run from the repository root:

    PYTHONPATH=. .venv/bin/python benchmarks/obs_streaming.py [--gib 2]

Starts a real ``welkin up`` on a fresh data directory, uploads a generated object of
``--gib`` GiB with boto3 (the body is made on the fly, never held whole), downloads it
streamed and hashed, and prints MB/s each way with the server's peak resident memory
(VmHWM). boto3 hashes every body it signs over plain HTTP, which bounds what it can send,
so the same object also goes up and down through presigned URLs with httpx streaming it
(UNSIGNED-PAYLOAD, nothing hashed on the client): that shows the server's own rate.
The baselines, measured in the same run on the same file system: the same bytes
written in 1 MiB pieces and fsynced, then read back. Before each read the file's pages are
dropped from the cache (posix_fadvise DONTNEED), for the blob and for the baseline alike.

An upload has a second ceiling: S3 makes the ETag the MD5 of the body, and MD5 is
sequential, so one PUT can go no faster than one core hashes. The MD5 baseline is the
rate of hashlib's MD5 over the same bytes in 1 MiB pieces on one core, timing the
hashing alone. Each PUT is printed as a share of both ceilings.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.config import Config

from tests.compat.obs.bodies import GeneratedBody
from tests.compat.obs.test_s3_streaming import peak_rss
from tests.conftest import ROOT_AK, ROOT_SK, start_welkin, stop_welkin

CHUNK = 1 << 20


def rate(size: int, seconds: float) -> str:
    return f"{size / seconds / 1e6:8.1f} MB/s  ({seconds:6.2f} s)"


def drop_cache(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def md5_baseline(size: int) -> float:
    """Seconds one core takes to MD5 ``size`` bytes, the hashing alone (not making them)."""
    body = GeneratedBody(size)
    buffer = bytearray(CHUNK)
    hasher = hashlib.md5(usedforsecurity=False)
    hashing = 0.0
    while count := body.readinto(buffer):
        piece = memoryview(buffer)[:count]
        started = time.perf_counter()
        hasher.update(piece)
        hashing += time.perf_counter() - started
    return hashing


def shares(seconds: float, disk_write: float, md5: float) -> str:
    return f"  {disk_write / seconds:4.0%} of disk, {md5 / seconds:4.0%} of MD5"


def disk_baseline(directory: Path, size: int) -> tuple[float, float]:
    path = directory / "baseline.bin"
    body = GeneratedBody(size)
    started = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        while piece := body.read(CHUNK):
            os.write(fd, piece)
        os.fsync(fd)
    finally:
        os.close(fd)
    written = time.perf_counter() - started
    drop_cache(path)
    started = time.perf_counter()
    hasher = hashlib.sha256()
    with path.open("rb", buffering=0) as file:
        while piece := file.read(CHUNK):
            hasher.update(piece)
    read = time.perf_counter() - started
    path.unlink()
    return written, read


def lean_transfers(s3: Any, data_dir: Path, size: int) -> tuple[float, float]:
    """Seconds to PUT and to GET ``size`` bytes through presigned URLs with httpx."""
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": "bench", "Key": "lean"})
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": "bench", "Key": "lean"})
    body = GeneratedBody(size)
    with httpx.Client(timeout=300) as http:
        started = time.perf_counter()
        response = http.put(
            put_url, content=iter(lambda: body.read(CHUNK), b""), headers={"Content-Length": str(size)}
        )
        response.raise_for_status()
        upload = time.perf_counter() - started
        for blob in (data_dir / "obs" / "blobs").rglob("*"):
            if blob.is_file():
                drop_cache(blob)
        started = time.perf_counter()
        received = 0
        with http.stream("GET", get_url) as download:
            download.raise_for_status()
            for piece in download.iter_raw(CHUNK):
                received += len(piece)
        assert received == size
        return upload, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gib", type=float, default=2.0)
    size = int(parser.parse_args().gib * (1 << 30))
    with tempfile.TemporaryDirectory(prefix="welkin-bench-", dir=Path.cwd()) as scratch:
        data_dir = Path(scratch) / "data"
        server = start_welkin(data_dir)
        try:
            s3 = boto3.client(
                "s3",
                endpoint_url=server.url,
                aws_access_key_id=ROOT_AK,
                aws_secret_access_key=ROOT_SK,
                region_name="local-1",
                config=Config(s3={"addressing_style": "path"}, signature_version="s3v4", read_timeout=300),
            )
            s3.create_bucket(Bucket="bench")
            started = time.perf_counter()
            s3.put_object(Bucket="bench", Key="big", Body=GeneratedBody(size))
            upload = time.perf_counter() - started
            for blob in (data_dir / "obs" / "blobs").rglob("*"):
                if blob.is_file():
                    drop_cache(blob)
            started = time.perf_counter()
            hasher = hashlib.sha256()
            for piece in s3.get_object(Bucket="bench", Key="big")["Body"].iter_chunks(CHUNK):
                hasher.update(piece)
            download = time.perf_counter() - started
            lean_upload, lean_download = lean_transfers(s3, data_dir, size)
            peak = peak_rss(server.process.pid)
        finally:
            stop_welkin(server)
        disk_write, disk_read = disk_baseline(Path(scratch), size)
    md5 = md5_baseline(size)
    print(f"object of {size / (1 << 30):.2f} GiB")
    print(f"S3 PUT  (boto3 -> welkin)        {rate(size, upload)}{shares(upload, disk_write, md5)}")
    print(f"disk write + fsync (baseline)    {rate(size, disk_write)}")
    print(f"MD5, one core (PUT ceiling)      {rate(size, md5)}")
    print(f"S3 GET  (welkin -> boto3)        {rate(size, download)}")
    print(f"disk read (baseline)             {rate(size, disk_read)}")
    print(f"presigned PUT (httpx -> welkin)  {rate(size, lean_upload)}{shares(lean_upload, disk_write, md5)}")
    print(f"presigned GET (welkin -> httpx)  {rate(size, lean_download)}")
    print(f"server peak RSS (VmHWM)          {peak / (1 << 20):8.1f} MiB")


if __name__ == "__main__":
    main()
