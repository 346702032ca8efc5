"""S3 errors, one class each, placed in Welkin's error tree (welkin/core/errors.py).

The class's ``code`` is the S3 error code and its ``status`` the HTTP status S3 answers
with; the S3 edge renders any of them as ``<Error><Code>..</Code>..</Error>``.
"""

from __future__ import annotations

from welkin.core import errors


class BadDigest(errors.BadRequest):
    code = "BadDigest"


class BucketAlreadyExists(errors.AlreadyExists):
    code = "BucketAlreadyExists"


class BucketAlreadyOwnedByYou(errors.AlreadyExists):
    code = "BucketAlreadyOwnedByYou"


class BucketNotEmpty(errors.Conflict):
    code = "BucketNotEmpty"


class EntityTooLarge(errors.BadRequest):
    code = "EntityTooLarge"


class EntityTooSmall(errors.BadRequest):
    code = "EntityTooSmall"


class InvalidBucketName(errors.BadRequest):
    code = "InvalidBucketName"


class InvalidPart(errors.BadRequest):
    code = "InvalidPart"


class InvalidPartOrder(errors.BadRequest):
    code = "InvalidPartOrder"


class InvalidRange(errors.WelkinError):
    code = "InvalidRange"
    status = 416


class InvalidRequest(errors.BadRequest):
    code = "InvalidRequest"


class KeyTooLongError(errors.BadRequest):
    code = "KeyTooLongError"


class MalformedXML(errors.MalformedBody):
    code = "MalformedXML"


class MissingContentLength(errors.WelkinError):
    code = "MissingContentLength"
    status = 411


class NoSuchBucket(errors.NotFound):
    code = "NoSuchBucket"


class NoSuchKey(errors.NotFound):
    code = "NoSuchKey"


class NoSuchUpload(errors.NotFound):
    code = "NoSuchUpload"


class NoSuchVersion(errors.NotFound):
    code = "NoSuchVersion"


class NotImplementedByWelkin(errors.WelkinError):
    code = "NotImplemented"
    status = 501


class NotModified(errors.WelkinError):
    """Not a failure: a conditional GET whose object has not changed (304, no body)."""

    code = "NotModified"
    status = 304


class PreconditionFailed(errors.WelkinError):
    code = "PreconditionFailed"
    status = 412


class InvalidLocationConstraint(errors.BadRequest):
    code = "InvalidLocationConstraint"


class IncompleteBody(errors.BadRequest):
    code = "IncompleteBody"


class InvalidTag(errors.BadRequest):
    code = "InvalidTag"


class MetadataTooLarge(errors.BadRequest):
    code = "MetadataTooLarge"


class InvalidDigest(errors.BadRequest):
    code = "InvalidDigest"

