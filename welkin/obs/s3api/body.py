"""The body of an upload as plain bytes: aws-chunked decoded, length and hash checked."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

from welkin.core import errors as core
from welkin.iam.signatures import HttpRequestView
from welkin.obs import errors
from welkin.obs.s3api.request import S3Request, raw_stream

_HEX_CHARS = frozenset("0123456789abcdefABCDEF")


def prepare_body(req: S3Request, view: HttpRequestView) -> AsyncIterator[bytes]:
    headers = req.headers
    declared = headers.get("x-amz-content-sha256", "")
    length = headers.get("content-length")
    if length is not None and not (length.isascii() and length.isdigit()):
        raise core.InvalidArgument(f"Content-Length {length!r} is not a byte count")
    if declared.startswith("STREAMING-"):
        raise errors.NotImplementedByWelkin(f"{declared} bodies are not supported yet")
    stream = raw_stream(req.request)
    if len(declared) == 64 and _HEX_CHARS.issuperset(declared):
        return _hash_checked(stream, declared.lower())
    return stream


async def _hash_checked(stream: AsyncIterator[bytes], expected: str) -> AsyncIterator[bytes]:
    # Raising at the end of the stream, before the writer returns, keeps the body from
    # being committed.
    digest = hashlib.sha256()
    async for chunk in stream:
        digest.update(chunk)
        yield chunk
    if digest.hexdigest() != expected:
        raise core.ContentHashMismatch(
            "The provided 'x-amz-content-sha256' header does not match what was computed."
        )
