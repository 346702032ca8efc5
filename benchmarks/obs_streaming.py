"""Throughput and memory of one large object through the S3 API, next to the disk itself.

Run from the repository root:

    PYTHONPATH=. .venv/bin/python benchmarks/obs_streaming.py [--gib 2]

Starts a real ``welkin up`` on a fresh data directory, uploads a generated object of
``--gib`` GiB with boto3 (the body is made on the fly, never held whole), downloads it
streamed and hashed, and prints MB/s each way with the server's peak resident memory
(VmHWM). The baseline, measured in the same run on the same file system: the same bytes
written in 1 MiB pieces and fsynced, then read back. Before each read the file's pages are
dropped from the cache (posix_fadvise DONTNEED), for the blob and for the baseline alike.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from pathlib import Path

import boto3
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
                config=Config(s3={"addressing_style": "path"}, read_timeout=300),
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
            peak = peak_rss(server.process.pid)
        finally:
            stop_welkin(server)
        disk_write, disk_read = disk_baseline(Path(scratch), size)
    print(f"object of {size / (1 << 30):.2f} GiB")
    print(f"S3 PUT  (boto3 -> welkin)        {rate(size, upload)}")
    print(f"disk write + fsync (baseline)    {rate(size, disk_write)}")
    print(f"S3 GET  (welkin -> boto3)        {rate(size, download)}")
    print(f"disk read (baseline)             {rate(size, disk_read)}")
    print(f"server peak RSS (VmHWM)          {peak / (1 << 20):8.1f} MiB")


if __name__ == "__main__":
    main()
