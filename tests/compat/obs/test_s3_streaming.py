"""Bodies stream through the server: a 512 MiB object goes up and comes back down while the
server's peak resident memory stays small."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.compat.obs.bodies import GeneratedBody
from tests.compat.obs.conftest import S3Factory, own_server
from tests.conftest import Welkin

# More than twice the limit: a server that held the body, or even half of it, in memory fails.
SIZE = 512 << 20
PEAK_RSS_LIMIT = 200 << 20


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Welkin]:
    """A server of this module's own: its lifetime peak RSS is what is measured."""
    yield from own_server(tmp_path_factory)


def peak_rss(pid: int) -> int:
    """The process's high-water resident set size, in bytes (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM line in /proc status")


def expected_sha256(size: int) -> str:
    body = GeneratedBody(size)
    hasher = hashlib.sha256()
    while piece := body.read(1 << 20):
        hasher.update(piece)
    return hasher.hexdigest()


def test_512_mib_up_and_down_in_bounded_memory(server: Welkin, make_s3: S3Factory, bucket: str) -> None:
    s3: Any = make_s3()
    s3.put_object(Bucket=bucket, Key="big", Body=GeneratedBody(SIZE))
    assert s3.head_object(Bucket=bucket, Key="big")["ContentLength"] == SIZE

    body = s3.get_object(Bucket=bucket, Key="big")["Body"]
    hasher = hashlib.sha256()
    received = 0
    for piece in body.iter_chunks(1 << 20):
        hasher.update(piece)
        received += len(piece)

    assert received == SIZE
    assert hasher.hexdigest() == expected_sha256(SIZE)
    assert peak_rss(server.process.pid) < PEAK_RSS_LIMIT
