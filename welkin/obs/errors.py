"""The S3 wire errors object storage raises, each under its kind in welkin/core/errors.py.

``code`` is the exact S3 error code a client's SDK matches on; ``status`` comes from the
parent class. Kept as a flat, alphabetical list of small classes.
"""

from __future__ import annotations

from welkin.core import errors


class BadDigest(errors.BadRequest):
    """The body does not match the Content-MD5 or x-amz-checksum-* the client declared."""

    code = "BadDigest"


class IncompleteBody(errors.BadRequest):
    """The body ended before the length it declared, or before its chunked framing ended."""

    code = "IncompleteBody"


class InvalidChunkSizeError(errors.BadRequest):
    """An aws-chunked chunk declares a size this server will not hold in memory."""

    code = "InvalidChunkSizeError"


class InvalidDigest(errors.BadRequest):
    """A Content-MD5 value that is not the base64 of 16 bytes."""

    code = "InvalidDigest"


class InvalidRequest(errors.InvalidArgument):
    """A request S3 refuses as a whole: malformed chunk framing, a bad checksum value, ..."""

    code = "InvalidRequest"
