from collections.abc import AsyncIterator

import pytest

from welkin.obs.chunkreader import ChunkReader
from welkin.obs.errors import IncompleteBody, InvalidRequest


async def stream(*pieces: bytes) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


async def test_lines_across_pieces_and_a_split_crlf() -> None:
    reader = ChunkReader(stream(b"ab", b"c\r", b"\nde", b"f\r\n"))
    assert await reader.line(10) == b"abc"
    assert await reader.line(3) == b"def"


async def test_take_passes_whole_pieces_through_and_keeps_the_rest() -> None:
    big = b"x" * 1000
    reader = ChunkReader(stream(b"4\r\nab", big, b"tail\r\n"))
    assert await reader.line(10) == b"4"
    taken = [piece async for piece in reader.take(1002)]
    assert taken == [b"ab", big]
    assert await reader.line(10) == b"tail"
    await reader.end_of_body()


async def test_take_splits_a_piece_at_the_boundary() -> None:
    reader = ChunkReader(stream(b"hello world\r\n"))
    assert [piece async for piece in reader.take(5)] == [b"hello"]
    with pytest.raises(InvalidRequest):
        await reader.end_of_chunk()


async def test_line_limit() -> None:
    reader = ChunkReader(stream(b"abcdef\r\n"))
    with pytest.raises(InvalidRequest):
        await reader.line(5)


async def test_end_of_stream_mid_line() -> None:
    reader = ChunkReader(stream(b"abc", b""))
    with pytest.raises(IncompleteBody):
        await reader.line(10)


async def test_data_after_the_end() -> None:
    reader = ChunkReader(stream(b"\r\n", b"", b"x"))
    await reader.end_of_chunk()
    with pytest.raises(InvalidRequest):
        await reader.end_of_body()
