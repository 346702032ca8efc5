"""OBS metering survives kills: a real ``welkin up`` is SIGKILLed again and again in the middle
of S3 traffic, restarted on the same data directory, and billing ends up with every request
the clients saw answered, each once. A request whose answer never came (cut by the kill) may
count or not, so the totals are bounded by those; refused requests never count."""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tests.conftest import ROOT_AK, ROOT_SK, Welkin, start_welkin, stop_welkin
from tests.server.test_metering_kills import kill

ROUNDS = 5
KEYS = 4
REQUEST_TYPES = ("obs_requests_write", "obs_requests_read", "obs_traffic_out")


def s3_client(server: Welkin) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=ROOT_AK,
        aws_secret_access_key=ROOT_SK,
        region_name="local-1",
        # One attempt: a retry would be a second request, billed as such.
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, read_timeout=10),
    )


def billed(data: Path, bucket: str) -> Counter[str]:
    with sqlite3.connect(data / "welkin.db") as db:
        rows = db.execute(
            "SELECT usage_type, SUM(quantity) FROM billing_usage_hourly"
            " WHERE resource_id = ? GROUP BY usage_type",
            (bucket,),
        ).fetchall()
    return Counter({t: int(total) for t, total in rows if t in REQUEST_TYPES})


class Traffic:
    """Requests until told to stop: what was answered, and what may or may not have counted."""

    def __init__(self, server: Welkin, bucket: str, sizes: dict[str, int], seed: int) -> None:
        self.answered: Counter[str] = Counter()
        self.unanswered: Counter[str] = Counter()  # the most each type could have counted
        self.refused = 0
        self._pending: Counter[str] = Counter()  # the request in flight, were it to count
        self._s3 = s3_client(server)
        self._server = server
        self._bucket = bucket
        self._sizes = sizes
        self._rng = random.Random(seed)  # noqa: S311 - reproducible traffic
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            key = f"k{self._rng.randrange(KEYS)}"
            choice = self._rng.randrange(4)
            try:
                if choice == 0:
                    size = self._rng.randrange(0, 4000)
                    self._possible(obs_requests_write=1)
                    self._s3.put_object(Bucket=self._bucket, Key=key, Body=os.urandom(size))
                    self._sizes[key] = size
                    self._answered(obs_requests_write=1)
                elif choice == 1:
                    self._possible(obs_requests_read=1, obs_traffic_out=max(self._sizes.values()))
                    body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
                    self._answered(obs_requests_read=1, obs_traffic_out=len(body))
                elif choice == 2:
                    self._possible(obs_requests_read=1)
                    self._s3.head_object(Bucket=self._bucket, Key=key)
                    self._answered(obs_requests_read=1)
                else:
                    answer = httpx.get(f"{self._server.url}/{self._bucket}/{key}", timeout=10)  # anonymous
                    assert answer.status_code == 403
                    self.refused += 1
            except (BotoCoreError, ClientError, httpx.HTTPError):
                # Cut by the kill: the request may have been recorded, or not.
                self.unanswered.update(self._pending)
                self._pending = Counter()
                return

    def _possible(self, **usage: int) -> None:
        self._pending = Counter(usage)

    def _answered(self, **usage: int) -> None:
        self.answered.update(usage)
        self._pending = Counter()


def test_killing_the_server_during_s3_traffic_loses_and_repeats_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rng = random.Random(11)  # noqa: S311 - reproducible kill times
    bucket = f"k-{uuid.uuid4().hex[:12]}"
    answered: Counter[str] = Counter(obs_requests_write=1 + KEYS)  # the bucket and its first objects
    unanswered: Counter[str] = Counter()
    refused = 0
    sizes = {f"k{n}": 100 for n in range(KEYS)}
    server = start_welkin(data)
    try:
        s3 = s3_client(server)
        s3.create_bucket(Bucket=bucket)
        for key, size in sizes.items():
            s3.put_object(Bucket=bucket, Key=key, Body=os.urandom(size))
        for kills in range(ROUNDS):
            if kills:
                server = start_welkin(data)
            traffic = Traffic(server, bucket, sizes, seed=kills)
            thread = threading.Thread(target=traffic.run)
            thread.start()
            # Anywhere among requests, the journal's flushes (every 0.5 s) and their delivery.
            time.sleep(rng.uniform(0.3, 1.2))
            kill(server)
            traffic.stop.set()
            thread.join(timeout=30)
            answered.update(traffic.answered)
            unanswered.update(traffic.unanswered)
            refused += traffic.refused
        server = start_welkin(data)
        deadline = time.monotonic() + 15
        while not all(billed(data, bucket)[t] >= answered[t] for t in REQUEST_TYPES):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        time.sleep(1.5)  # long enough for a second, duplicate, delivery to show
        totals = billed(data, bucket)
    finally:
        if server.process.poll() is None:
            assert stop_welkin(server) == 0
    for usage_type in REQUEST_TYPES:
        assert answered[usage_type] <= totals[usage_type] <= answered[usage_type] + unanswered[usage_type], (
            usage_type,
            totals,
            answered,
            unanswered,
        )
    # One request at a time: at most one per kill was left without its answer.
    assert unanswered["obs_requests_write"] + unanswered["obs_requests_read"] <= ROUNDS
    assert answered["obs_requests_read"] > ROUNDS
    assert refused > 0
