"""An append-only local journal of usage records: what a meter wrote and has not yet published.

The contract:

- A directory per service (``data_dir/meter/<service>/``) of numbered segment files. Each
  record is one line ``crc32-hex<TAB>json<LF>``, the CRC over the JSON bytes, written with
  one ``os.write`` before ``append`` returns: a killed process loses nothing, its bytes are
  in the kernel. Nothing is fsynced per record; ``read`` fsyncs the segments it reads, so a
  power loss loses at most what was appended since the last read.
- A position (segment, offset) says "everything before this has been published". The reader
  keeps none: its caller commits the position next to what it published and passes it back.
- Each opening writes to a new segment, never after an older one's tail, which a crash may
  have torn. A line without its newline or whose CRC does not match is dropped, counted and
  logged; the lines after it still count.
- Segments wholly before a committed position are deleted.
- One process appends at a time: the directory is locked while the journal is open.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_SUFFIX = ".journal"


@dataclass(frozen=True, order=True)
class JournalPosition:
    segment: int
    offset: int


START = JournalPosition(0, 0)


@dataclass(frozen=True)
class JournalBatch:
    records: tuple[dict[str, object], ...]
    end: JournalPosition  # where the next read starts once these are published
    dropped: int  # torn or corrupt lines skipped


def encode(record: Mapping[str, object]) -> bytes:
    body = json.dumps(record, separators=(",", ":"), sort_keys=True).encode()
    return b"%08x\t%s\n" % (zlib.crc32(body), body)


def decode(line: bytes) -> dict[str, object] | None:
    """The record of one complete line (its newline removed), or None when it is damaged."""
    crc, tab, body = line.partition(b"\t")
    if not tab or len(crc) != 8:
        return None
    try:
        if int(crc, 16) != zlib.crc32(body):
            return None
        record = json.loads(body)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


class MeterJournal:
    def __init__(self, directory: Path, segment_bytes: int = 8 << 20) -> None:
        self.directory = directory
        self._segment_bytes = segment_bytes
        self._lock_fd: int | None = None
        self._fd: int | None = None
        self._segment = 0
        self._written = 0

    def open(self, committed: JournalPosition) -> None:
        """Start a new segment after every existing one and after ``committed``: a position
        committed before the files were lost must never point past new records."""
        self.directory.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock_fd)
            raise RuntimeError(f"the meter journal {self.directory} is in use by another process") from None
        self._lock_fd = lock_fd
        self.delete_before(committed)
        self._start_segment(max([committed.segment, *self.segments()]) + 1)

    def close(self) -> None:
        for fd in (self._fd, self._lock_fd):
            if fd is not None:
                os.close(fd)
        self._fd = self._lock_fd = None

    def append(self, record: Mapping[str, object]) -> None:
        if self._fd is not None and self._written >= self._segment_bytes:
            self._roll()
        if self._fd is None:
            raise RuntimeError(f"the meter journal {self.directory} is not open")
        line = encode(record)
        # One write: a kill between two would leave a torn line. A regular file takes the
        # whole buffer unless the disk is full, and then the next read drops the torn tail.
        written = os.write(self._fd, line)
        self._written += written
        if written != len(line):
            # The torn line must end its segment, where a read drops it, or it would swallow
            # the next record's line with it.
            self._roll()
            raise OSError(f"the meter journal {self.directory} took {written} of {len(line)} bytes")

    def end(self) -> JournalPosition:
        """Where the appends so far end; what a read may go up to without meeting a half line."""
        return JournalPosition(self._segment, self._written)

    def read(self, start: JournalPosition, end: JournalPosition, limit: int) -> JournalBatch:
        """At most ``limit`` records from ``start`` up to ``end``, fsyncing what it reads.

        Blocking; run it in a thread. Segments before ``end``'s are read to their end.
        """
        records: list[dict[str, object]] = []
        dropped = 0
        position = start
        for segment in self.segments():
            if segment < start.segment or segment > end.segment or len(records) >= limit:
                continue
            offset = start.offset if segment == start.segment else 0
            upto = end.offset if segment == end.segment else None
            got, stop, bad = self._read_segment(segment, offset, upto, limit - len(records))
            records.extend(got)
            dropped += bad
            position = JournalPosition(segment, stop)
        if dropped:
            log.warning("dropped %d torn or corrupt usage records in %s", dropped, self.directory)
        return JournalBatch(tuple(records), max(position, start), dropped)

    def delete_before(self, committed: JournalPosition) -> None:
        """Delete the segments wholly before ``committed``: every record in them is published."""
        for segment in self.segments():
            if segment < committed.segment:
                self._path(segment).unlink(missing_ok=True)

    def segments(self) -> list[int]:
        found = []
        for path in self.directory.glob(f"*{_SUFFIX}"):
            try:
                found.append(int(path.name.removesuffix(_SUFFIX)))
            except ValueError:
                continue
        return sorted(found)

    def _path(self, segment: int) -> Path:
        return self.directory / f"{segment:012d}{_SUFFIX}"

    def _roll(self) -> None:
        assert self._fd is not None
        os.close(self._fd)
        self._fd = None
        self._start_segment(self._segment + 1)

    def _start_segment(self, segment: int) -> None:
        self._fd = os.open(self._path(segment), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._segment = segment
        self._written = os.fstat(self._fd).st_size
        # The new name must survive a power loss, or a later position could point into nothing.
        dir_fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _read_segment(
        self, segment: int, offset: int, upto: int | None, limit: int
    ) -> tuple[list[dict[str, object]], int, int]:
        """Records of one segment from ``offset``; with where reading stopped and how many
        lines were dropped. Without ``upto`` (an older segment) a last line with no newline
        is a torn tail: it is dropped and the segment counts as read."""
        records: list[dict[str, object]] = []
        dropped = 0
        with self._path(segment).open("rb") as file:
            # Any descriptor of the file fsyncs its data; the appender's stays its own.
            os.fsync(file.fileno())
            file.seek(offset)
            data = file.read() if upto is None else file.read(max(0, upto - offset))
        position = offset
        while len(records) < limit and position - offset < len(data):
            start = position - offset
            newline = data.find(b"\n", start)
            if newline < 0:
                if upto is None:
                    dropped += 1
                    position = offset + len(data)
                break
            position = offset + newline + 1
            record = decode(data[start:newline])
            if record is None:
                dropped += 1
            else:
                records.append(record)
        return records, position, dropped
