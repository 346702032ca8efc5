"""Large request bodies made on the fly, so neither the test nor the client holds them."""

from __future__ import annotations

import io

PATTERN = bytes(range(256)) * 4096  # 1 MiB


class GeneratedBody(io.RawIOBase):
    """``size`` bytes of a repeating pattern, readable and seekable like a file.

    botocore reads a body once to sign it and again to send it, so it must seek.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, min(self._size, base + offset))
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        want = min(len(view), self._size - self._position)
        written = 0
        while written < want:
            at = (self._position + written) % len(PATTERN)
            piece = min(want - written, len(PATTERN) - at)
            view[written : written + piece] = PATTERN[at : at + piece]
            written += piece
        self._position += written
        return written

    def __len__(self) -> int:
        return self._size
