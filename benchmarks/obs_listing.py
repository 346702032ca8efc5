"""ListObjectsV2 page times in a bucket of 1,000 keys and one of 1,000,000, through boto3.

Run from the repository root:

    PYTHONPATH=. .venv/bin/python benchmarks/obs_listing.py [--big 1000000] [--repeat 5]

The small bucket is filled with real PUTs. The big one is filled by inserting its rows
straight into the metadata database of the (stopped) server, in bulk, with no blob files:
that is honest for this measurement because listing reads only ``obs_objects``
(welkin/obs/listing.py -> store.list_latest); no blob is opened to list. Keys look like
``dir0123/file0456`` (as many directories as keys per directory), so a listing with
``Delimiter="/"`` rolls every directory up into one common prefix and must skip each in one
index seek.

Pages of 1000 are timed at the start, middle and end of each bucket (StartAfter), and with
the delimiter; every figure is the median of ``--repeat`` requests. Last, the script checks
with EXPLAIN QUERY PLAN that SQLite serves the page query from ix_obs_objects_listing.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import secrets
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from sqlalchemy import event, insert

from tests.conftest import ROOT_AK, ROOT_SK, start_welkin, stop_welkin
from welkin.core.db import Database
from welkin.obs import store
from welkin.obs import tables as t

PAGE = 1000
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def key_names(count: int) -> list[str]:
    per_dir = math.isqrt(count) or 1
    return [f"dir{i // per_dir:04d}/file{i % per_dir:04d}" for i in range(count)]


def fill(database: Path, bucket: str, keys: list[str]) -> None:
    now = datetime.now(UTC)

    def row(seq: int, key: str) -> dict[str, Any]:
        return {
            "id": secrets.token_hex(16),
            "bucket": bucket,
            "key": key,
            "version_id": "null",
            "seq": seq,
            "is_latest": True,
            "delete_marker": False,
            "size": 0,
            "etag": EMPTY_MD5,
            "last_modified": now,
            "owner_id": "bench",
            "content_type": "binary/octet-stream",
            "headers": "{}",
            "user_metadata": "{}",
            "checksum": None,
            "tags": "{}",
            "acl": '"private"',
            "storage_class": "STANDARD",
            "blob": None,
            "parts_count": None,
        }

    async def run() -> None:
        db = Database(f"sqlite:///{database}")
        try:
            for start in range(0, len(keys), 20_000):
                batch = keys[start : start + 20_000]
                async with db.transaction() as conn:
                    await conn.execute(insert(t.objects), [row(start + i, k) for i, k in enumerate(batch)])
        finally:
            await db.close()

    asyncio.run(run())


def query_plan(database: Path, bucket: str) -> list[str]:
    """The plan SQLite picks for the exact statement store.list_latest sends."""
    seen: list[tuple[str, Any]] = []

    async def capture() -> None:
        db = Database(f"sqlite:///{database}")
        event.listen(
            db.engine.sync_engine,
            "before_cursor_execute",
            lambda _c, _cur, statement, params, _ctx, _many: seen.append((statement, params)),
        )
        try:
            # Through the async engine (where the listener is), same statement as run_read's.
            async with db.read() as conn:
                await conn.run_sync(lambda sync: store.list_latest(sync, bucket, "dir0500/", False, "", PAGE))
        finally:
            await db.close()

    asyncio.run(capture())
    statement, params = next((s, p) for s, p in seen if "obs_objects" in s)
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        return [str(row[-1]) for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}", params)]


def median_ms(call: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def time_pages(s3: Any, bucket: str, keys: list[str], repeat: int) -> dict[str, float]:
    def page(**extra: Any) -> Any:
        return lambda: s3.list_objects_v2(Bucket=bucket, MaxKeys=PAGE, **extra)

    return {
        "start": median_ms(page(), repeat),
        "middle": median_ms(page(StartAfter=keys[len(keys) // 2]), repeat),
        "end": median_ms(page(StartAfter=keys[max(0, len(keys) - PAGE - 1)]), repeat),
        "delimiter /": median_ms(page(Delimiter="/"), repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    small_keys, big_keys = key_names(args.small), key_names(args.big)
    with tempfile.TemporaryDirectory(prefix="welkin-bench-") as scratch:
        data_dir = Path(scratch) / "data"
        database = data_dir / "welkin.db"
        server = start_welkin(data_dir)
        s3 = boto3.client(
            "s3",
            endpoint_url=server.url,
            aws_access_key_id=ROOT_AK,
            aws_secret_access_key=ROOT_SK,
            region_name="local-1",
            config=Config(s3={"addressing_style": "path"}),
        )
        s3.create_bucket(Bucket="small")
        s3.create_bucket(Bucket="big")
        for key in small_keys:
            s3.put_object(Bucket="small", Key=key, Body=b"")
        stop_welkin(server)
        started = time.perf_counter()
        fill(database, "big", big_keys)
        print(f"inserted {len(big_keys):,} rows in {time.perf_counter() - started:.1f} s")
        server = start_welkin(data_dir)
        s3 = boto3.client(
            "s3",
            endpoint_url=server.url,
            aws_access_key_id=ROOT_AK,
            aws_secret_access_key=ROOT_SK,
            region_name="local-1",
            config=Config(s3={"addressing_style": "path"}),
        )
        try:
            small = time_pages(s3, "small", small_keys, args.repeat)
            big = time_pages(s3, "big", big_keys, args.repeat)
            assert s3.list_objects_v2(Bucket="big", MaxKeys=PAGE)["KeyCount"] == min(PAGE, len(big_keys))
        finally:
            stop_welkin(server)
        plan = query_plan(database, "big")
    print(f"{'page of 1000':<14}{f'{args.small:,} keys':>14}{f'{args.big:,} keys':>16}{'ratio':>8}")
    for where, small_ms in small.items():
        print(f"{where:<14}{small_ms:11.1f} ms{big[where]:13.1f} ms{big[where] / small_ms:8.2f}")
    print("SQLite plan for a page:", "; ".join(plan))
    if not any("ix_obs_objects_listing" in step for step in plan):
        raise SystemExit("the listing query does not use ix_obs_objects_listing")


if __name__ == "__main__":
    main()
