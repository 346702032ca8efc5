"""Welkin's one error tree.

Every failure a client can cause or observe is a ``WelkinError`` subclass with a
stable ``code`` and a default HTTP ``status``. Services raise these; each protocol
edge renders them in its own wire format (S3 XML, Huawei JSON, Keystone JSON).
Anything that is not a ``WelkinError`` is a bug: the outer middleware logs its
traceback and answers 500 with a request id only.

    WelkinError (500 InternalError)
    ├── BadRequest (400)
    │   ├── MalformedBody            body is not valid JSON/XML or has the wrong shape
    │   ├── InvalidArgument          a field or parameter has a bad value
    │   ├── InvalidPolicy            a policy document does not parse or validate
    │   ├── MethodNotAllowed (405)   the path exists, the HTTP method does not
    │   ├── ContentHashMismatch      body differs from its declared SHA-256
    │   └── RequestTooLarge (413)
    ├── Unauthenticated (401)
    │   ├── MissingAuthentication    no token, signature or security token
    │   ├── InvalidToken             unknown, tampered or expired token
    │   ├── InvalidAccessKey         unknown or disabled access key
    │   ├── SignatureDoesNotMatch    signature over the request is wrong
    │   ├── RequestExpired           timestamp outside the clock-skew window
    │   └── InvalidCredentials       wrong user name or password
    ├── AccessDenied (403)
    │   └── AccountDisabled
    ├── NotFound (404)
    ├── Conflict (409)
    │   └── AlreadyExists
    ├── QuotaExceeded (403)
    │   └── TooManyRequests (429)  a concurrency limit is reached; retrying later may succeed
    └── Unavailable (503)
"""

from __future__ import annotations

from typing import ClassVar


class WelkinError(Exception):
    """Base of every error a client may see."""

    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        # Extra response headers a protocol edge sends with the error (S3's
        # x-amz-delete-marker, Allow, ...).
        self.headers: dict[str, str] = {}


class BadRequest(WelkinError):
    code = "BadRequest"
    status = 400


class MalformedBody(BadRequest):
    code = "MalformedBody"


class InvalidArgument(BadRequest):
    code = "InvalidArgument"


class InvalidPolicy(BadRequest):
    code = "InvalidPolicy"


class ContentHashMismatch(BadRequest):
    """The body's SHA-256 differs from the one the (correctly signed) request declared."""

    code = "XAmzContentSHA256Mismatch"


class MethodNotAllowed(BadRequest):
    code = "MethodNotAllowed"
    status = 405


class RequestTooLarge(BadRequest):
    code = "RequestTooLarge"
    status = 413


class Unauthenticated(WelkinError):
    code = "Unauthenticated"
    status = 401


class MissingAuthentication(Unauthenticated):
    code = "MissingAuthentication"


class InvalidToken(Unauthenticated):
    code = "InvalidToken"


class InvalidAccessKey(Unauthenticated):
    code = "InvalidAccessKeyId"


class SignatureDoesNotMatch(Unauthenticated):
    code = "SignatureDoesNotMatch"


class RequestExpired(Unauthenticated):
    code = "RequestExpired"


class InvalidCredentials(Unauthenticated):
    code = "InvalidCredentials"


class AccessDenied(WelkinError):
    code = "AccessDenied"
    status = 403


class AccountDisabled(AccessDenied):
    code = "AccountDisabled"


class NotFound(WelkinError):
    code = "NotFound"
    status = 404


class Conflict(WelkinError):
    code = "Conflict"
    status = 409


class AlreadyExists(Conflict):
    code = "AlreadyExists"


class QuotaExceeded(WelkinError):
    code = "QuotaExceeded"
    status = 403


class TooManyRequests(QuotaExceeded):
    """A concurrency limit (instances of a function, of the region) is reached for now."""

    code = "TooManyRequests"
    status = 429


class Unavailable(WelkinError):
    code = "Unavailable"
    status = 503
