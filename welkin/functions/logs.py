"""Bounded capture of what an instance writes to stdout and stderr during one invocation.

Only the tail is kept (``keep`` bytes: the end of a log is where the error is); everything is
counted, so the instance can be killed once it has written more than the hard cap. A function
printing a gigabyte therefore costs the server at most about 2 x ``keep`` bytes.
"""

from __future__ import annotations


class LogCapture:
    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._buffer = bytearray()
        self.total = 0

    def append(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self._buffer += chunk
        # Trim in batches so a stream of small writes costs amortised O(1) per byte.
        if len(self._buffer) > 2 * self._keep:
            del self._buffer[: len(self._buffer) - self._keep]

    @property
    def truncated(self) -> bool:
        return self.total > self._keep

    def value(self) -> bytes:
        return bytes(self._buffer[-self._keep :])
