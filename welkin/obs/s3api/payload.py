"""Checking a body against the SHA-256 its SigV4 signature declared (``x-amz-content-sha256``).

The check runs wherever the bytes are hashed: on the event loop as the body streams by
(``hash_checked``), or, for a stored object, in the blob writer's hasher thread, off the
event loop, with ``verify`` called before the object is committed.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

from welkin.core import errors as core


class PayloadCheck:
    """The SHA-256 a SigV4 client declared for the body (``x-amz-content-sha256``).

    Fed as the body goes by, then ``verify`` raises ContentHashMismatch if it differs.
    """

    def __init__(self, expected: str) -> None:
        self._expected = expected
        self._digest = hashlib.sha256()

    def update(self, data: bytes | bytearray, /) -> None:
        self._digest.update(data)

    def verify(self) -> None:
        if self._digest.hexdigest() != self._expected:
            raise core.ContentHashMismatch(
                "The provided 'x-amz-content-sha256' header does not match what was computed."
            )


async def hash_checked(stream: AsyncIterator[bytes], check: PayloadCheck) -> AsyncIterator[bytes]:
    """``stream``, checked on the event loop: raises at its end, before the reader is done."""
    async for chunk in stream:
        check.update(chunk)
        yield chunk
    check.verify()
