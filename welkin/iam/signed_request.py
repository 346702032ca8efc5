"""What a signed request claims and how it reads, shared by every signature family.

Header values, path and query are expected as Python servers hand them over (ASGI, WSGI):
the wire bytes decoded as latin-1. Clients sign the UTF-8 text those bytes spell, so
non-ASCII octets are re-read as UTF-8 before canonicalisation.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from welkin.core import errors


@dataclass(frozen=True)
class HttpRequestView:
    """What verification needs from a request, independent of any web framework."""

    method: str
    raw_path: str  # as sent on the wire, still percent-encoded
    raw_query: str  # as sent, without '?'
    headers: Mapping[str, str]  # lower-cased names -> value (multi-valued joined with ',')
    # hex sha256 of the body when the caller has read it; None while it is an unread stream
    body_sha256: str | None
    # The bucket a virtual-hosted request names in its Host; the edge resolves it, and the
    # HMAC-SHA1 family signs it as the first segment of the resource.
    virtual_bucket: str | None = None


class Scheme(enum.Enum):
    HUAWEI_SDK = "SDK-HMAC-SHA256"
    AWS_V4_HEADER = "AWS4-HMAC-SHA256"
    AWS_V4_QUERY = "AWS4-HMAC-SHA256-QUERY"
    OBS_HEADER = "OBS"
    OBS_QUERY = "OBS-QUERY"
    AWS_V2_HEADER = "AWS"
    AWS_V2_QUERY = "AWS-QUERY"

    @property
    def presigned(self) -> bool:
        """Signed in the query: a URL handed out to be used until it expires."""
        return self in (Scheme.AWS_V4_QUERY, Scheme.OBS_QUERY, Scheme.AWS_V2_QUERY)

    @property
    def hmac_sha1(self) -> bool:
        return self in (Scheme.OBS_HEADER, Scheme.OBS_QUERY, Scheme.AWS_V2_HEADER, Scheme.AWS_V2_QUERY)


@dataclass(frozen=True)
class SignatureClaim:
    scheme: Scheme
    access_key: str
    signed_headers: tuple[str, ...]  # lower-case, in the order the client signed them; () for HMAC-SHA1
    signature: str  # lower-case hex; base64 for the HMAC-SHA1 family
    # aware UTC; for HMAC-SHA1 presigned URLs the absolute expiry (their Expires)
    timestamp: datetime
    security_token: str | None = field(repr=False)
    region: str | None  # AWS credential scope parts; None for the others
    service: str | None
    expires_seconds: int | None  # SigV4 presigned only
    # Declared payload hash: hex, UNSIGNED-PAYLOAD or STREAMING-*; empty when the request
    # declares none, in which case the signature covers the body's actual hash.
    payload_hash: str


@dataclass(frozen=True)
class VerifiedSignature:
    """What a streaming-chunk verifier needs to continue the signature chain."""

    signature: str  # the seed signature
    timestamp: str  # as it entered the string to sign, e.g. 20250301T120000Z
    scope: str | None  # 20250301/region/service/aws4_request; None for the others
    signing_key: bytes | None = field(repr=False)  # derived SigV4 key; None for the others


def lowered(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def as_utf8_text(value: str) -> str:
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        # Not latin-1-decoded UTF-8: either already real text or raw latin-1, used as is.
        return value


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    """The query's (key, value) items still encoded; a key without '=' gets value ''."""
    pairs = []
    for item in as_utf8_text(raw_query).split("&"):
        if item:
            key, _, value = item.partition("=")
            pairs.append((key, value))
    return pairs


def http_time(value: str) -> datetime:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise errors.InvalidArgument(f"unreadable Date header {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
