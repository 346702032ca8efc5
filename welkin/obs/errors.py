"""S3 errors, one class each, placed in Welkin's error tree (welkin/core/errors.py).

The class's ``code`` is the S3 error code and its ``status`` the HTTP status S3 answers
with; the S3 edge renders any of them as ``<Error><Code>..</Code>..</Error>``.
"""

from __future__ import annotations

from welkin.core import errors


class BadDigest(errors.BadRequest):
    """The body does not match the Content-MD5 or x-amz-checksum-* the client declared."""

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


class IncompleteBody(errors.BadRequest):
    """The body ended before the length it declared, or before its chunked framing ended."""

    code = "IncompleteBody"


class InsufficientStorageSpace(errors.QuotaExceeded):
    """The write would take the account past its stored-bytes quota (OBS's code for a full quota)."""

    code = "InsufficientStorageSpace"


class InvalidBucketName(errors.BadRequest):
    code = "InvalidBucketName"


class InvalidChunkSizeError(errors.BadRequest):
    """An aws-chunked chunk declares a size this server will not hold in memory."""

    code = "InvalidChunkSizeError"


class InvalidDigest(errors.BadRequest):
    """A Content-MD5 value that is not the base64 of 16 bytes."""

    code = "InvalidDigest"


class InvalidLocationConstraint(errors.BadRequest):
    code = "InvalidLocationConstraint"


class InvalidPart(errors.BadRequest):
    code = "InvalidPart"


class InvalidPartOrder(errors.BadRequest):
    code = "InvalidPartOrder"


class InvalidPolicyDocument(errors.BadRequest):
    """A POST form's policy that is not valid base64 JSON of the expected shape."""

    code = "InvalidPolicyDocument"


class InvalidRange(errors.WelkinError):
    code = "InvalidRange"
    status = 416


class InvalidRequest(errors.InvalidArgument):
    """A request S3 refuses as a whole: malformed chunk framing, a bad checksum value, ..."""

    code = "InvalidRequest"


class InvalidTag(errors.BadRequest):
    code = "InvalidTag"


class KeyTooLongError(errors.BadRequest):
    code = "KeyTooLongError"


class MalformedPolicy(errors.InvalidPolicy):
    """A bucket policy that does not parse, or names something it may not."""

    code = "MalformedPolicy"
    status = 400


class MalformedPOSTRequest(errors.BadRequest):
    """A POST upload whose body is not well-formed multipart/form-data."""

    code = "MalformedPOSTRequest"


class MalformedXML(errors.MalformedBody):
    code = "MalformedXML"


class MaxPostPreDataLengthExceededError(errors.BadRequest):
    """The form fields before a POST upload's file are larger than the server will hold."""

    code = "MaxPostPreDataLengthExceededError"


class MetadataTooLarge(errors.BadRequest):
    code = "MetadataTooLarge"


class MissingContentLength(errors.WelkinError):
    code = "MissingContentLength"
    status = 411


class NoSuchBucket(errors.NotFound):
    code = "NoSuchBucket"


class NoSuchBucketPolicy(errors.NotFound):
    code = "NoSuchBucketPolicy"
    status = 404


class NoSuchCORSConfiguration(errors.NotFound):
    code = "NoSuchCORSConfiguration"
    status = 404


class NoSuchLifecycleConfiguration(errors.NotFound):
    code = "NoSuchLifecycleConfiguration"


class NoSuchKey(errors.NotFound):
    code = "NoSuchKey"


class NoSuchTagSet(errors.NotFound):
    code = "NoSuchTagSet"
    status = 404


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


class TooManyBuckets(errors.QuotaExceeded):
    """The account has as many buckets as its quota allows (400, as S3 and OBS answer)."""

    code = "TooManyBuckets"
    status = 400
