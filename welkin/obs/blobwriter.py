"""Writing one large body to disk at the rate one core can hash it.

S3 makes the ETag of a PUT the MD5 of its body, and MD5 runs on one core, so a single
upload can go no faster than one core hashes. ``BlobWriter`` keeps that core busy:

    event loop --pieces--> MD5 thread --> [checksum thread ...] --> writer thread --> file

* The event loop only receives and hands pieces over: a piece is the list of chunks
  received, never joined, so no byte is copied on the way to the file.
* Each digest has a thread of its own, which feeds it each piece and passes the piece
  on, so the digests (MD5, a CRC or SHA the client asked for, the SigV4 payload hash)
  run side by side and the slowest sets the pace, not their sum. No hasher waits for
  the disk: hashlib, zlib and os.write release the GIL, so all of them run at once.
* The writer thread writes each piece and flushes every ``FLUSH_EVERY`` bytes, so the
  page cache drains while the body is still arriving and the closing fsync has little
  left to do.

At most ``IN_FLIGHT`` bytes wait between the network and the file; past that the event
loop stops reading, so memory stays flat whatever the body's size. The writer thread owns
the file: it alone closes it, and on ``abort`` it also removes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from welkin.core.durable import fsync_dir, write_fully

# Bytes received but not yet on disk, at most; also the most the writer may lag the hasher.
IN_FLIGHT = 16 << 20
# The writer flushes (fdatasync) after this many bytes, so the final fsync stays short.
FLUSH_EVERY = 8 << 20

Piece = Sequence[bytes | bytearray]
_Queue = queue.SimpleQueue[tuple[Piece, int] | None]


class Digest(Protocol):
    def update(self, data: bytes | bytearray, /) -> None: ...


class BlobWriter:
    """Hash and write one file from pieces handed over by the event loop.

    Each of ``digests`` is fed in a thread of its own. Call ``put`` for each piece, then
    ``close`` (fsync, rename to ``target``, fsync its directory) or ``abort`` (remove the
    file). One instance serves one body.
    """

    def __init__(self, path: str, digests: Sequence[Digest]) -> None:
        self._path = path
        self._loop = asyncio.get_running_loop()
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        # One queue into each hasher thread and one into the writer: a chain of stages.
        queues: list[_Queue] = [queue.SimpleQueue() for _ in range(len(digests) + 1)]
        self._to_hash, self._to_write = queues[0], queues[-1]
        self._in_flight = 0  # touched by the event loop only
        self._room: asyncio.Future[None] | None = None
        self._target: str | None = None  # set by close
        self._aborted = False
        self._done: asyncio.Future[None] = self._loop.create_future()
        self._error: BaseException | None = None
        for digest, inbox, outbox in zip(digests, queues[:-1], queues[1:], strict=True):
            threading.Thread(
                target=self._hash_all, args=(digest, inbox, outbox), name="blob-hash", daemon=True
            ).start()
        threading.Thread(target=self._write_all, name="blob-write", daemon=True).start()

    async def put(self, piece: Piece, size: int) -> None:
        """Hand over ``piece`` (``size`` bytes); waits while too much is still unwritten."""
        self._raise_failure()
        self._in_flight += size
        self._to_hash.put((piece, size))
        while self._in_flight > IN_FLIGHT and self._error is None:
            self._room = self._loop.create_future()
            await self._room
        self._raise_failure()

    async def close(self, target: str) -> None:
        """Wait for every piece to be hashed and written; make the file durable at ``target``."""
        self._target = target
        self._to_hash.put(None)
        await asyncio.shield(self._done)
        self._raise_failure()

    def abort(self) -> None:
        """Stop: the writer thread drops what is queued, closes the file and removes it."""
        self._aborted = True
        self._to_hash.put(None)

    # --- the threads ---------------------------------------------------------------------
    def _hash_all(self, digest: Digest, inbox: _Queue, outbox: _Queue) -> None:
        while (item := inbox.get()) is not None:
            piece, _size = item
            if self._error is None and not self._aborted:
                try:
                    for chunk in piece:
                        digest.update(chunk)
                except BaseException as exc:  # reported to the event loop
                    self._error = exc
            outbox.put(item)
        outbox.put(None)

    def _write_all(self) -> None:
        unflushed = 0
        try:
            while (item := self._to_write.get()) is not None:
                piece, size = item
                if self._error is None and not self._aborted:
                    try:
                        _write_piece(self._fd, piece)
                        unflushed += size
                        if unflushed >= FLUSH_EVERY:
                            os.fdatasync(self._fd)
                            unflushed = 0
                    except OSError as exc:
                        self._error = exc
                self._notify(self._written, size)
            self._finish()
        except BaseException as exc:  # reported to the event loop
            self._error = self._error or exc
        finally:
            self._notify(self._settle)

    def _notify(self, callback: Callable[..., None], *args: int) -> None:
        # The loop may be gone if the server stopped mid-upload; the file is dealt with anyway.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(callback, *args)

    def _finish(self) -> None:
        target, fd = self._target, self._fd
        keep = target is not None and self._error is None and not self._aborted
        try:
            if keep:
                os.fsync(fd)
        finally:
            os.close(fd)
        if not keep or target is None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path)
            return
        os.rename(self._path, target)
        fsync_dir(os.path.dirname(target))

    # --- back on the event loop ----------------------------------------------------------
    def _written(self, size: int) -> None:
        self._in_flight -= size
        if self._room is not None and (self._in_flight <= IN_FLIGHT or self._error is not None):
            _resolve(self._room)
            self._room = None

    def _settle(self) -> None:
        if self._room is not None:
            _resolve(self._room)
        _resolve(self._done)

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _write_piece(fd: int, piece: Piece) -> None:
    written = os.writev(fd, piece)
    total = sum(len(chunk) for chunk in piece)
    if written == total:
        return
    # A short write: finish it chunk by chunk.
    for chunk in piece:
        if written >= len(chunk):
            written -= len(chunk)
            continue
        write_fully(fd, memoryview(chunk)[written:])
        written = 0
