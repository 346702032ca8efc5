"""Streaming the multipart body of a POST upload."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from welkin.core import errors as core
from welkin.obs import errors
from welkin.obs.s3api.post_form import MAX_FIELD_BYTES, form_boundary, read_post_form

BOUNDARY = b"xYzBoundary"


def part(name: str, value: bytes, extra: str = "") -> bytes:
    head = f'--{BOUNDARY.decode()}\r\nContent-Disposition: form-data; name="{name}"{extra}\r\n'
    return head.encode() + b"\r\n" + value + b"\r\n"


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + b"--" + BOUNDARY + b"--\r\n"


async def chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def collect(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])


@pytest.mark.parametrize("size", [1, 7, 4096])
async def test_fields_then_file_in_any_chunking(size: int) -> None:
    data = body(
        part("Key", b"a/${filename}"),
        part("x-amz-meta-note", "caf\u00e9".encode()),
        part("file", b"\x00file\r\n--not-a-boundary", '; filename="f.txt"\r\nContent-Type: text/plain'),
        part("after", b"ignored"),
    )
    form = await read_post_form(chunks(data, size), BOUNDARY)
    assert form.fields == {"key": "a/${filename}", "x-amz-meta-note": "caf\u00e9"}
    assert form.filename == "f.txt"
    assert form.file_content_type == "text/plain"
    assert await collect(form.file) == b"\x00file\r\n--not-a-boundary"
    assert "after" not in form.fields


async def test_file_is_required() -> None:
    with pytest.raises(core.InvalidArgument):
        await read_post_form(chunks(body(part("key", b"k")), 64), BOUNDARY)


async def test_fields_before_the_file_are_limited() -> None:
    data = body(part("key", b"k" * (MAX_FIELD_BYTES + 1)), part("file", b"x"))
    with pytest.raises(errors.MaxPostPreDataLengthExceededError):
        await read_post_form(chunks(data, 4096), BOUNDARY)


async def test_body_ending_inside_the_file_is_incomplete() -> None:
    data = (
        part("key", b"k")
        + b"--"
        + BOUNDARY
        + b'\r\nContent-Disposition: form-data; name="file"\r\n\r\npartial'
    )
    form = await read_post_form(chunks(data, 16), BOUNDARY)
    with pytest.raises(errors.IncompleteBody):
        await collect(form.file)


async def test_malformed_body() -> None:
    with pytest.raises(errors.MalformedPOSTRequest):
        await read_post_form(chunks(b"garbage that is no multipart body at all", 8), BOUNDARY)


def test_boundary_comes_from_the_content_type() -> None:
    assert form_boundary("multipart/form-data; boundary=abc") == b"abc"
    with pytest.raises(errors.PreconditionFailed):
        form_boundary("application/x-www-form-urlencoded")
    with pytest.raises(errors.PreconditionFailed):
        form_boundary("multipart/form-data")
