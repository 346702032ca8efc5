import asyncio
import hashlib
import os
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from welkin.obs import blobwriter
from welkin.obs.blobs import BlobStore
from welkin.obs.errors import EntityTooLarge, IncompleteBody

MIB = 1 << 20


class Crc32:
    def __init__(self) -> None:
        self.value = 0

    def update(self, data: bytes | bytearray) -> None:
        self.value = zlib.crc32(data, self.value)


async def stream(pieces: list[bytes], fail_after: int | None = None) -> AsyncIterator[bytes]:
    for index, piece in enumerate(pieces):
        if index == fail_after:
            raise IncompleteBody("the client went away")
        yield piece
        await asyncio.sleep(0)


def body_pieces(size: int, piece: int) -> list[bytes]:
    data = os.urandom(size)
    return [data[start : start + piece] for start in range(0, size, piece)]


def leftovers(root: Path) -> list[str]:
    return sorted(path.name for folder in ("tmp", "staging") for path in (root / folder).iterdir())


@pytest.mark.parametrize(
    ("size", "piece"),
    [(0, 1), (1000, 100), (3 * MIB + 5, 256 << 10), (2 * MIB + 7, 999), (5 * MIB, 5 * MIB)],
)
async def test_write_stages_the_body_and_feeds_every_digest(tmp_path: Path, size: int, piece: int) -> None:
    blobs = BlobStore(tmp_path)
    pieces = body_pieces(size, piece)
    md5, crc = hashlib.md5(usedforsecurity=False), Crc32()
    staged = await blobs.write(stream(pieces), [md5, crc], max_size=size)
    data = b"".join(pieces)
    assert staged.size == size
    assert (tmp_path / "staging" / staged.name).read_bytes() == data
    assert md5.hexdigest() == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert crc.value == zlib.crc32(data)
    assert leftovers(tmp_path) == [staged.name]


async def test_a_body_much_larger_than_what_may_be_in_flight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The event loop must wait for the threads rather than queue the whole body.
    monkeypatch.setattr(blobwriter, "IN_FLIGHT", 2 * MIB)
    monkeypatch.setattr(blobwriter, "FLUSH_EVERY", MIB)
    pieces = body_pieces(24 * MIB + 3, 64 << 10)
    md5 = hashlib.md5(usedforsecurity=False)
    staged = await BlobStore(tmp_path).write(stream(pieces), [md5], max_size=1 << 30)
    data = b"".join(pieces)
    assert (tmp_path / "staging" / staged.name).read_bytes() == data
    assert md5.digest() == hashlib.md5(data, usedforsecurity=False).digest()


@pytest.mark.parametrize("fail_after", [3, 40])
async def test_a_client_that_goes_away_leaves_nothing(tmp_path: Path, fail_after: int) -> None:
    blobs = BlobStore(tmp_path)
    with pytest.raises(IncompleteBody):
        await blobs.write(stream(body_pieces(4 * MIB, 64 << 10), fail_after), [], max_size=1 << 30)
    await _until_empty(tmp_path)


async def test_too_large_leaves_nothing(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    with pytest.raises(EntityTooLarge):
        await blobs.write(stream(body_pieces(3 * MIB, 64 << 10)), [], max_size=2 * MIB)
    await _until_empty(tmp_path)


async def test_a_digest_that_fails_fails_the_write(tmp_path: Path) -> None:
    class Broken:
        def update(self, data: bytes | bytearray) -> None:
            raise ValueError("broken digest")

    with pytest.raises(ValueError, match="broken digest"):
        await BlobStore(tmp_path).write(stream(body_pieces(3 * MIB, 64 << 10)), [Broken()], max_size=1 << 30)
    await _until_empty(tmp_path)


async def _until_empty(root: Path) -> None:
    # An aborted writer's thread removes its file once it has dropped what was queued.
    for _ in range(200):
        if not leftovers(root):
            return
        await asyncio.sleep(0.01)
    assert leftovers(root) == []
