"""The on-disk store of object bytes.

Contract (what the metadata store may rely on):

* ``write`` streams a body into ``tmp/`` while hashing it, fsyncs it, renames it into
  ``staging/`` and fsyncs that directory. When it returns, the blob survives a crash.
* The caller then commits the metadata that names the blob and calls ``publish``, which
  moves it from ``staging/`` to ``blobs/xx/``. That move needs no fsync: a blob found in
  ``staging/`` after a crash is either named by the metadata (``recover`` moves it on) or
  not (``recover`` deletes it). So start-up work is bounded by what was in flight.
* A blob is immutable and belongs to exactly one metadata row. Rows that go away hand
  their blobs to the trash table in the same transaction; ``delete`` unlinks them later.
* Readers open a blob by name; an open file stays readable after the blob is deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from welkin.core import errors
from welkin.obs.blobwriter import BlobWriter, Digest, fsync_dir
from welkin.obs.errors import EntityTooLarge

# Bodies are handed to the BlobWriter in pieces of this size; a smaller body is written,
# fsynced and renamed in a single worker-thread call.
WRITE_BUFFER = 1 << 20
# Received chunks smaller than this are merged before they are hashed and written.
SMALL_CHUNK = 16 << 10
READ_CHUNK = 1 << 20


@dataclass(frozen=True)
class StagedBlob:
    name: str
    size: int


class BlobNotFound(errors.WelkinError):
    """Metadata names a blob that is not on disk: the store is damaged."""

    code = "InternalError"


def new_blob_name(prefix: str = "") -> str:
    return prefix + secrets.token_hex(16)


class BlobStore:
    def __init__(self, root: Path) -> None:
        self._root = root
        self._tmp = root / "tmp"
        self._staging = root / "staging"
        self._blobs = root / "blobs"
        for path in (self._tmp, self._staging, self._blobs):
            path.mkdir(parents=True, exist_ok=True)

    # --- writing -------------------------------------------------------------------------
    async def write(
        self,
        body: AsyncIterator[bytes],
        digests: Iterable[Digest],
        max_size: int,
        name: str | None = None,
    ) -> StagedBlob:
        """Stream ``body`` into a staged blob, feeding every chunk to ``digests``.

        Raises ``too_large`` (EntityTooLarge) past ``max_size`` bytes; on any failure,
        including the client going away, nothing is left behind.
        """
        name = name or new_blob_name()
        hashes = tuple(digests)
        tmp = self._tmp / name
        piece: list[bytes | bytearray] = []
        piece_size = size = 0
        # A body smaller than one piece is hashed, written, fsynced and renamed in one
        # worker-thread call; a larger one goes through a BlobWriter, which hashes and
        # writes in two threads of its own while the event loop receives.
        writer: BlobWriter | None = None
        try:
            async for chunk in body:
                size += len(chunk)
                if size > max_size:
                    raise EntityTooLarge(f"the body is larger than the {max_size}-byte limit")
                if len(chunk) < SMALL_CHUNK and piece and isinstance(piece[-1], bytearray):
                    piece[-1] += chunk  # tiny chunks are merged, so each write and hash call is worth it
                else:
                    piece.append(bytearray(chunk) if len(chunk) < SMALL_CHUNK else chunk)
                piece_size += len(chunk)
                if piece_size >= WRITE_BUFFER:
                    writer = writer or BlobWriter(tmp, hashes)
                    await writer.put(piece, piece_size)
                    piece, piece_size = [], 0
            if writer is None:
                await asyncio.to_thread(_write_whole, tmp, piece, hashes, self._staging / name)
            else:
                if piece:
                    await writer.put(piece, piece_size)
                await writer.close(self._staging / name)
        except BaseException:
            if writer is not None:
                writer.abort()  # its thread removes the file
            else:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
            raise
        return StagedBlob(name, size)

    def publish(self, names: Iterable[str]) -> None:
        """Move committed blobs out of staging (cheap renames; no fsync needed)."""
        for name in names:
            target = self._final(name)
            try:
                os.rename(self._staging / name, target)
            except FileNotFoundError:
                target.parent.mkdir(exist_ok=True)
                with contextlib.suppress(FileNotFoundError):
                    os.rename(self._staging / name, target)

    def discard(self, names: Iterable[str]) -> None:
        """Drop staged blobs whose metadata was never committed."""
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                (self._staging / name).unlink()

    # --- reading -------------------------------------------------------------------------
    def open(self, name: str) -> BlobReader:
        # A blob is in blobs/ once published and in staging/ just before: look in both,
        # and again in blobs/ in case it moved between the two looks.
        for path in (self._final(name), self._staging / name, self._final(name)):
            try:
                return BlobReader(os.open(path, os.O_RDONLY))
            except FileNotFoundError:
                continue
        raise BlobNotFound(f"blob {name} is missing from the data directory")

    # --- removal and recovery ------------------------------------------------------------
    def delete(self, names: Iterable[str]) -> None:
        for name in names:
            for path in (self._final(name), self._staging / name):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    async def recover(self, committed: Callable[[list[str]], Awaitable[set[str]]]) -> tuple[int, int]:
        """After a crash: empty ``tmp/``; publish staged blobs the metadata names, drop the rest.

        ``committed`` answers which of the given names the metadata store refers to.
        Returns (published, dropped).
        """
        for leftover in self._tmp.iterdir():
            leftover.unlink()
        staged = [path.name for path in self._staging.iterdir()]
        published = dropped = 0
        for start in range(0, len(staged), 500):
            batch = staged[start : start + 500]
            keep = await committed(batch)
            self.publish(name for name in batch if name in keep)
            self.discard(name for name in batch if name not in keep)
            published += len(keep)
            dropped += len(batch) - len(keep)
        return published, dropped

    def _final(self, name: str) -> Path:
        return self._blobs / name[-2:] / name


class BlobReader:
    """An open blob; read it in ranges, then close it."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self.size = os.fstat(fd).st_size

    async def read_all(self) -> bytes:
        return await asyncio.to_thread(os.pread, self._fd, self.size, 0)

    async def stream(self, start: int, end: int) -> AsyncIterator[bytes]:
        """Bytes ``start`` to ``end`` (exclusive), in chunks of at most READ_CHUNK."""
        position = start
        while position < end:
            want = min(READ_CHUNK, end - position)
            data = await asyncio.to_thread(os.pread, self._fd, want, position)
            if not data:
                raise BlobNotFound("a blob is shorter than its metadata says")
            position += len(data)
            yield data

    def close(self) -> None:
        os.close(self._fd)


def _write_whole(tmp: Path, piece: list[bytes | bytearray], hashes: tuple[Digest, ...], target: Path) -> None:
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        for chunk in piece:
            for digest in hashes:
                digest.update(chunk)
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(tmp, target)
    fsync_dir(target.parent)
