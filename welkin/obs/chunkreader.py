"""Reading a framed body off a stream of arbitrary-size pieces: CRLF lines and counted runs.

Bytes already received but not yet consumed wait in one ``bytearray``; a run of counted
bytes is handed on piece by piece, so nothing larger than one received piece is copied.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from welkin.obs.errors import IncompleteBody, InvalidRequest

_CRLF = b"\r\n"


class ChunkReader:
    def __init__(self, raw: AsyncIterator[bytes]) -> None:
        self._raw = raw
        self._buffer = bytearray()

    async def _next_piece(self) -> bytes:
        async for piece in self._raw:
            if piece:
                return piece
        raise IncompleteBody("the body ended before its aws-chunked framing did")

    async def line(self, limit: int) -> bytes:
        """The next line, without its CRLF; refuses one longer than ``limit`` bytes."""
        searched = 0
        while True:
            end = self._buffer.find(_CRLF, searched)
            if end >= 0:
                if end > limit:
                    break
                line = bytes(self._buffer[:end])
                del self._buffer[: end + 2]
                return line
            # One more byte may be the CR of a CRLF still in flight.
            if len(self._buffer) > limit + 1:
                break
            searched = max(len(self._buffer) - 1, 0)
            self._buffer += await self._next_piece()
        raise InvalidRequest(f"an aws-chunked line is longer than {limit} bytes or lacks its CRLF")

    async def take(self, size: int) -> AsyncIterator[bytes]:
        """The next ``size`` bytes, in the pieces they arrived in."""
        if self._buffer:
            count = min(size, len(self._buffer))
            yield bytes(self._buffer[:count])
            del self._buffer[:count]
            size -= count
        while size:
            piece = await self._next_piece()
            if len(piece) <= size:
                size -= len(piece)
                yield piece
            else:
                view = memoryview(piece)
                self._buffer += view[size:]
                yield bytes(view[:size])
                size = 0

    async def end_of_chunk(self) -> None:
        if await self.line(0):
            raise InvalidRequest("an aws-chunked chunk is longer than its declared size")

    async def end_of_body(self) -> None:
        """Refuse anything after the framing ended."""
        if self._buffer:
            raise InvalidRequest("data follows the end of the aws-chunked body")
        async for piece in self._raw:
            if piece:
                raise InvalidRequest("data follows the end of the aws-chunked body")
