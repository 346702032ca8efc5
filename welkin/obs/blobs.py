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
from welkin.core.durable import write_durably
from welkin.obs.blobwriter import BlobWriter, Digest
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
        # Plain strings, joined with os.path: every request names a blob, and pathlib's
        # joins cost several times more.
        self._tmp, self._staging, self._blobs = (str(root / part) for part in ("tmp", "staging", "blobs"))
        for path in (self._tmp, self._staging, self._blobs):
            os.makedirs(path, exist_ok=True)

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
        tmp = os.path.join(self._tmp, name)
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
                await asyncio.to_thread(_write_whole, tmp, piece, hashes, self._staged(name))
            else:
                if piece:
                    await writer.put(piece, piece_size)
                await writer.close(self._staged(name))
        except BaseException:
            if writer is not None:
                writer.abort()  # its thread removes the file
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
            raise
        return StagedBlob(name, size)

    def publish(self, names: Iterable[str]) -> None:
        """Move committed blobs out of staging (cheap renames; no fsync needed)."""
        for name in names:
            target = self._final(name)
            try:
                os.rename(self._staged(name), target)
            except FileNotFoundError:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with contextlib.suppress(FileNotFoundError):
                    os.rename(self._staged(name), target)

    def discard(self, names: Iterable[str]) -> None:
        """Drop staged blobs whose metadata was never committed."""
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._staged(name))

    # --- reading -------------------------------------------------------------------------
    def open(self, name: str) -> BlobReader:
        return BlobReader(self._open_fd(name))

    def read(self, name: str, size: int) -> bytes:
        """A whole small blob in one blocking call, made where the caller already is."""
        fd = self._open_fd(name)
        try:
            data = os.pread(fd, size, 0)
        finally:
            os.close(fd)
        if len(data) < size:
            raise BlobNotFound("a blob is shorter than its metadata says")
        return data

    def _open_fd(self, name: str) -> int:
        # A blob is in blobs/ once published and in staging/ just before: look in both,
        # and again in blobs/ in case it moved between the two looks.
        final = self._final(name)
        for path in (final, self._staged(name), final):
            try:
                return os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
        raise BlobNotFound(f"blob {name} is missing from the data directory")

    # --- removal and recovery ------------------------------------------------------------
    def delete(self, names: Iterable[str]) -> None:
        for name in names:
            for path in (self._final(name), self._staged(name)):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)

    async def recover(self, committed: Callable[[list[str]], Awaitable[set[str]]]) -> tuple[int, int]:
        """After a crash: empty ``tmp/``; publish staged blobs the metadata names, drop the rest.

        ``committed`` answers which of the given names the metadata store refers to.
        Returns (published, dropped).
        """
        for leftover in os.listdir(self._tmp):
            os.unlink(os.path.join(self._tmp, leftover))
        staged = os.listdir(self._staging)
        published = dropped = 0
        for start in range(0, len(staged), 500):
            batch = staged[start : start + 500]
            keep = await committed(batch)
            self.publish(name for name in batch if name in keep)
            self.discard(name for name in batch if name not in keep)
            published += len(keep)
            dropped += len(batch) - len(keep)
        return published, dropped

    def _staged(self, name: str) -> str:
        return os.path.join(self._staging, name)

    def _final(self, name: str) -> str:
        return os.path.join(self._blobs, name[-2:], name)


class BlobReader:
    """An open blob; read it in ranges, then close it."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self.size = os.fstat(fd).st_size

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


def _write_whole(tmp: str, piece: list[bytes | bytearray], hashes: tuple[Digest, ...], target: str) -> None:
    for chunk in piece:
        for digest in hashes:
            digest.update(chunk)
    write_durably(tmp, target, piece)
