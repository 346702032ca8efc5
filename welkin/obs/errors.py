"""The S3 errors of object storage, one small class per wire error code.

Each subclasses the class of :mod:`welkin.core.errors` whose meaning it narrows, so
code that catches ``NotFound`` or ``BadRequest`` also catches these, and each carries
the code and status the S3 protocol gives it. Kept in alphabetical order.
"""

from __future__ import annotations

from welkin.core import errors


class MalformedPolicy(errors.InvalidPolicy):
    """A bucket policy that does not parse, or names something it may not."""

    code = "MalformedPolicy"
    status = 400


class NoSuchBucketPolicy(errors.NotFound):
    code = "NoSuchBucketPolicy"
    status = 404
