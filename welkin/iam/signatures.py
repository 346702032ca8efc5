"""Verification of signed HTTP requests.

Three HMAC-SHA256 schemes are verified here, each over a canonical form of the request
(the HMAC-SHA1 family, OBS and AWS SigV2, lives in :mod:`welkin.iam.signatures_v2`):

* Huawei ``SDK-HMAC-SHA256``, as ``huaweicloudsdkcore`` signs:
  ``Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`` with the
  time in ``X-Sdk-Date``. The secret key signs the string to sign directly (no derived key).
  The canonical URI always ends in ``/``; the payload hash is ``X-Sdk-Content-Sha256`` when
  sent (``UNSIGNED-PAYLOAD``), else the body's; temporary keys add ``X-Security-Token``.
* AWS Signature Version 4 in the ``Authorization`` header
  (``AWS4-HMAC-SHA256 Credential=AK/date/region/service/aws4_request, ...``), time in
  ``X-Amz-Date``, payload hash declared in ``x-amz-content-sha256``: hex, ``UNSIGNED-PAYLOAD``
  or ``STREAMING-*``. For streaming bodies only the seed signature is checked here; the
  result carries what a chunk verifier needs.
* AWS SigV4 presigned URLs: the same algorithm with its parameters in the query
  (``X-Amz-Credential``, ``X-Amz-Expires``, ...) and an ``UNSIGNED-PAYLOAD`` body.

:func:`parse_claim` reads what a request asserts without any secret, so the caller can
look the access key up; :func:`verify` then recomputes the signature with its secret.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import quote, unquote, unquote_plus, unquote_to_bytes

from welkin.core import errors
from welkin.iam import signatures_v2
from welkin.iam.signed_request import (
    HttpRequestView,
    Scheme,
    SignatureClaim,
    VerifiedSignature,
    as_utf8_text,
    http_time,
    lowered,
    query_pairs,
)

__all__ = [
    "EMPTY_SHA256",
    "MAX_PRESIGNED_SECONDS",
    "UNSIGNED_PAYLOAD",
    "HttpRequestView",
    "Scheme",
    "SignatureClaim",
    "VerifiedSignature",
    "parse_claim",
    "verify",
]

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_PRESIGNED_SECONDS = 7 * 24 * 3600

_HUAWEI = "SDK-HMAC-SHA256"
_AWS = "AWS4-HMAC-SHA256"
# Signature algorithms we recognise but do not implement (AWS SigV4a, Huawei's other
# signers): refusing them clearly beats treating the request as anonymous.
_UNSUPPORTED_AWS = ("AWS4-ECDSA-P256-SHA256",)
_UNSUPPORTED_HUAWEI = ("SDK-HMAC-SM3", "SDK-ECDSA-P256-SHA256", "SDK-SM2-SM3", "V11-HMAC-SHA256")
_UNSUPPORTED = frozenset((*_UNSUPPORTED_AWS, *_UNSUPPORTED_HUAWEI))
_PRESIGN_PARAMS = tuple(
    f"X-Amz-{name}" for name in ("Algorithm", "Credential", "Date", "Expires", "SignedHeaders", "Signature")
)
_BASIC_FORMAT = "%Y%m%dT%H%M%SZ"
_BASIC_RE = re.compile(r"\d{8}T\d{6}Z", re.ASCII)
_HEX64_RE = re.compile(r"[0-9a-fA-F]{64}")
_DECLARED_RE = re.compile(r"[0-9a-fA-F]{64}|UNSIGNED-PAYLOAD|STREAMING-[A-Z0-9-]+")
_UNRESERVED = "-_.~"


def parse_claim(request: HttpRequestView) -> SignatureClaim | None:
    """The claim the request makes, or None when it carries no signature at all.

    Raises MissingAuthentication when the date is missing and InvalidArgument when the
    Authorization header or presigned parameters are malformed or unsupported.
    """
    headers = lowered(request.headers)
    scheme, _, rest = headers.get("authorization", "").strip().partition(" ")
    auth_params: dict[str, str] = {}
    pairs = query_pairs(request.raw_query)
    names: set[str] = set()
    for key, value in pairs:
        name = unquote_plus(key)
        names.add(name)
        if name in _PRESIGN_PARAMS or name == "X-Amz-Security-Token":
            if name in auth_params:
                raise errors.InvalidArgument(f"query parameter {name} appears more than once")
            auth_params[name] = unquote_plus(value)
    presigned = any(n in auth_params for n in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"))
    v2_key_ids = [signatures_v2.QUERY_KEY_IDS[n] for n in names & signatures_v2.QUERY_KEY_IDS.keys()]
    v2_presigned = "Signature" in names and bool(v2_key_ids)
    if scheme in (_HUAWEI, _AWS) or scheme in _UNSUPPORTED or scheme in signatures_v2.HEADER_SCHEMES:
        if presigned or v2_presigned:
            raise errors.InvalidArgument("only one authentication mechanism is allowed per request")
        if scheme == _HUAWEI:
            return _huawei_claim(rest, headers)
        if scheme == _AWS:
            return _aws_header_claim(rest, headers)
        if scheme in signatures_v2.HEADER_SCHEMES:
            return signatures_v2.header_claim(signatures_v2.HEADER_SCHEMES[scheme], rest, headers)
        raise errors.InvalidArgument(f"unsupported signature algorithm {scheme}")
    if (presigned and v2_presigned) or len(v2_key_ids) > 1:
        raise errors.InvalidArgument("only one authentication mechanism is allowed per request")
    if presigned:
        return _aws_query_claim(auth_params, headers)
    if v2_presigned:
        return signatures_v2.query_claim(v2_key_ids[0], pairs)
    return None


def verify(
    request: HttpRequestView,
    claim: SignatureClaim,
    secret_key: str,
    now: datetime,
    max_skew: timedelta = timedelta(minutes=15),
) -> VerifiedSignature:
    """Check ``claim`` against ``request`` with ``secret_key``; ``now`` must be aware.

    Raises RequestExpired (outside the skew window; presigned: expired or dated ahead),
    SignatureDoesNotMatch, InvalidArgument when the signature covers a body whose hash is
    not given, and ContentHashMismatch when a correctly signed AWS request declares a hex
    body hash that ``body_sha256`` contradicts; with ``body_sha256`` None, comparing the body
    with ``claim.payload_hash`` once read is the caller's job.
    """
    _check_time(claim, now, max_skew)
    if claim.scheme.hmac_sha1:
        return signatures_v2.verify_v2(request, claim, secret_key)
    headers = lowered(request.headers)
    stamp = claim.timestamp.strftime(_BASIC_FORMAT)
    huawei = claim.scheme is Scheme.HUAWEI_SDK
    if huawei:
        uri, payload = _huawei_uri(request.raw_path), _huawei_payload(request, headers)
    else:
        _refuse_unsigned_amz_headers(headers, claim)
        uri = _aws_uri(request.raw_path, claim.service)
        payload = claim.payload_hash or _actual_body_hash(request, headers)
    query = _canonical_query(request.raw_query, huawei)
    signed = ";".join(claim.signed_headers)
    canonical_headers = _canonical_headers(headers, claim.signed_headers, trim_all=not huawei)
    canonical = f"{request.method.upper()}\n{uri}\n{query}\n{canonical_headers}\n{signed}\n{payload}"
    canonical_hash = hashlib.sha256(canonical.encode()).hexdigest()
    if huawei:
        scope, key = None, secret_key.encode()
        string_to_sign = f"{_HUAWEI}\n{stamp}\n{canonical_hash}"
    else:
        scope = f"{stamp[:8]}/{claim.region}/{claim.service}/aws4_request"
        key = _signing_key(secret_key, scope)
        string_to_sign = f"{_AWS}\n{stamp}\n{scope}\n{canonical_hash}"
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), claim.signature.encode()):
        raise errors.SignatureDoesNotMatch("the request signature does not match the one computed for it")
    # Only once the signature holds, so that a forged request always reads as forged.
    _check_declared_hash(request, claim.payload_hash, huawei)
    return VerifiedSignature(claim.signature, stamp, scope, None if huawei else key)


@functools.lru_cache(maxsize=1024)
def _signing_key(secret_key: str, scope: str) -> bytes:
    # Four HMACs that give the same key all day for one key and scope: the AWS SDKs
    # cache it too. Whether the key may still be used is checked before, on every request.
    key = f"AWS4{secret_key}".encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _huawei_claim(rest: str, headers: Mapping[str, str]) -> SignatureClaim:
    fields = _auth_fields(rest, ("Access", "SignedHeaders", "Signature"))
    raw_date = headers.get("x-sdk-date")
    if not raw_date:
        raise errors.MissingAuthentication("an SDK-HMAC-SHA256 signature needs an X-Sdk-Date header")
    return SignatureClaim(
        scheme=Scheme.HUAWEI_SDK,
        access_key=fields["Access"],
        signed_headers=_signed_headers(fields["SignedHeaders"]),
        signature=_signature(fields["Signature"]),
        timestamp=_basic_time(raw_date, "X-Sdk-Date"),
        security_token=headers.get("x-security-token"),
        region=None,
        service=None,
        expires_seconds=None,
        payload_hash=headers.get("x-sdk-content-sha256", ""),
    )


def _aws_header_claim(rest: str, headers: Mapping[str, str]) -> SignatureClaim:
    fields = _auth_fields(rest, ("Credential", "SignedHeaders", "Signature"))
    if headers.get("x-amz-date"):
        timestamp = _basic_time(headers["x-amz-date"], "X-Amz-Date")
    elif headers.get("date"):
        # SigV4 allows the plain Date header instead; botocore uses it when one is set.
        timestamp = http_time(headers["date"])
    else:
        raise errors.MissingAuthentication("AWS authentication requires a valid Date or X-Amz-Date header")
    access_key, region, service = _credential(fields["Credential"], timestamp)
    declared = headers.get("x-amz-content-sha256", "")
    if declared and not _DECLARED_RE.fullmatch(declared):
        raise errors.InvalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-* or hex")
    return SignatureClaim(
        scheme=Scheme.AWS_V4_HEADER,
        access_key=access_key,
        signed_headers=_signed_headers(fields["SignedHeaders"], need_host=True),
        signature=_signature(fields["Signature"]),
        timestamp=timestamp,
        security_token=headers.get("x-amz-security-token"),
        region=region,
        service=service,
        expires_seconds=None,
        payload_hash=declared,
    )


def _aws_query_claim(params: Mapping[str, str], headers: Mapping[str, str]) -> SignatureClaim:
    missing = [name for name in _PRESIGN_PARAMS if not params.get(name)]
    if missing:
        raise errors.InvalidArgument(f"presigned URL lacks {', '.join(missing)}")
    if params["X-Amz-Algorithm"] != _AWS:
        raise errors.InvalidArgument(f"unsupported X-Amz-Algorithm {params['X-Amz-Algorithm']}")
    expires = params["X-Amz-Expires"]
    if not (expires.isascii() and expires.isdigit()) or not 1 <= int(expires) <= MAX_PRESIGNED_SECONDS:
        raise errors.InvalidArgument(f"X-Amz-Expires must be from 1 to {MAX_PRESIGNED_SECONDS} seconds")
    timestamp = _basic_time(params["X-Amz-Date"], "X-Amz-Date")
    access_key, region, service = _credential(params["X-Amz-Credential"], timestamp)
    # A presigner cannot know the body, hence UNSIGNED-PAYLOAD; S3 still honours a sent
    # header, and other services hash the body as usual.
    payload = headers.get("x-amz-content-sha256") or (UNSIGNED_PAYLOAD if service == "s3" else "")
    return SignatureClaim(
        scheme=Scheme.AWS_V4_QUERY,
        access_key=access_key,
        signed_headers=_signed_headers(params["X-Amz-SignedHeaders"], need_host=True),
        signature=_signature(params["X-Amz-Signature"]),
        timestamp=timestamp,
        security_token=params.get("X-Amz-Security-Token"),
        region=region,
        service=service,
        expires_seconds=int(expires),
        payload_hash=payload,
    )


def _auth_fields(rest: str, names: tuple[str, ...]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep or key not in names or key in fields or not value.strip():
            raise errors.InvalidArgument(f"malformed Authorization header near {item.strip()!r}")
        fields[key] = value.strip()
    missing = [name for name in names if name not in fields]
    if missing:
        raise errors.InvalidArgument(f"Authorization header lacks {', '.join(missing)}")
    return fields


def _signed_headers(value: str, need_host: bool = False) -> tuple[str, ...]:
    names = tuple(name.strip().lower() for name in value.split(";"))
    if not all(names) or len(set(names)) != len(names):
        raise errors.InvalidArgument(f"malformed SignedHeaders {value!r}")
    if need_host and "host" not in names:
        raise errors.InvalidArgument("the host header must be signed")
    return names


def _signature(value: str) -> str:
    if not _HEX64_RE.fullmatch(value):
        raise errors.InvalidArgument("the signature must be 64 hex digits")
    return value.lower()


def _credential(value: str, timestamp: datetime) -> tuple[str, str, str]:
    parts = value.split("/")
    if len(parts) != 5 or not all(parts) or parts[4] != "aws4_request":
        raise errors.InvalidArgument(f"credential {value!r} is not AK/date/region/service/aws4_request")
    if parts[1] != timestamp.strftime("%Y%m%d"):
        raise errors.InvalidArgument("the credential scope date is not the request date")
    return parts[0], parts[2], parts[3]


def _basic_time(value: str, name: str) -> datetime:
    try:
        if not _BASIC_RE.fullmatch(value):
            raise ValueError(value)
        # The pattern above admits only the basic form, which fromisoformat reads far
        # faster than strptime does, with the same range checks.
        return datetime.fromisoformat(value)
    except ValueError:
        raise errors.InvalidArgument(f"{name} must look like 20250301T120000Z, got {value!r}") from None


def _check_time(claim: SignatureClaim, now: datetime, max_skew: timedelta) -> None:
    if claim.scheme.presigned and claim.scheme.hmac_sha1:
        # Dated by their absolute expiry, which OBS and S3 let lie any distance ahead.
        if now > claim.timestamp:
            raise errors.RequestExpired("the presigned URL has expired")
        return
    if claim.expires_seconds is None:
        if abs(now - claim.timestamp) > max_skew:
            raise errors.RequestExpired("the request time is too far from the server time")
        return
    if claim.timestamp - now > max_skew:
        raise errors.RequestExpired("the presigned URL is dated in the future")
    if now > claim.timestamp + timedelta(seconds=claim.expires_seconds):
        raise errors.RequestExpired("the presigned URL has expired")


def _canonical_headers(headers: Mapping[str, str], names: tuple[str, ...], trim_all: bool) -> str:
    lines = []
    for name in names:
        value = headers.get(name)
        if value is None:
            raise errors.SignatureDoesNotMatch(f"signed header {name!r} is not in the request")
        value = as_utf8_text(value)
        # SigV4 collapses inner runs of spaces; the Huawei SDK only strips the ends.
        lines.append(f"{name}:{' '.join(value.split()) if trim_all else value.strip()}\n")
    return "".join(lines)


def _refuse_unsigned_amz_headers(headers: Mapping[str, str], claim: SignatureClaim) -> None:
    # As S3 does: an unsigned x-amz-* header (say x-amz-copy-source) could be added to a
    # captured request to change its meaning. The content hash is bound by the payload line.
    unsigned = sorted(
        name
        for name in headers
        if name.startswith("x-amz-") and name != "x-amz-content-sha256" and name not in claim.signed_headers
    )
    if unsigned:
        raise errors.SignatureDoesNotMatch(f"headers present but not signed: {', '.join(unsigned)}")


def _reencode(raw: str, plus: bool = False) -> str:
    # Works on octets, so that whatever a client encoded (even invalid UTF-8) round-trips.
    return quote(unquote_to_bytes(raw.replace("+", " ") if plus else raw), safe=_UNRESERVED)


def _huawei_uri(raw_path: str) -> str:
    # The SDK decodes the whole path before splitting it: an encoded slash separates segments.
    segments = unquote(as_utf8_text(raw_path)).split("/")
    uri = "/".join(quote(segment, safe=_UNRESERVED) for segment in segments)
    return uri if uri.endswith("/") else uri + "/"


def _aws_uri(raw_path: str, service: str | None) -> str:
    # Segment by segment, so an encoded slash stays inside its segment.
    segments = [_reencode(segment) for segment in as_utf8_text(raw_path).split("/")]
    if service == "s3":
        return "/".join(segments) or "/"
    # Other services sign a path without dot segments or empty segments, encoded twice.
    kept: list[str] = []
    for segment in segments:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment not in ("", "."):
            kept.append(segment)
    path = "/" + "/".join(kept) + ("/" if kept and segments[-1] == "" else "")
    return quote(path, safe="/~")


def _canonical_query(raw_query: str, huawei: bool) -> str:
    pairs = query_pairs(raw_query)
    if huawei:
        # The SDK sorts decoded (key, value) pairs, which is not the order of their encodings.
        decoded = sorted((unquote_plus(k), unquote_plus(v)) for k, v in pairs)
        encoded = [(quote(k, safe=_UNRESERVED), quote(v, safe=_UNRESERVED)) for k, v in decoded]
    else:
        encoded = sorted(
            (_reencode(k, plus=True), _reencode(v, plus=True))
            for k, v in pairs
            if unquote_plus(k) != "X-Amz-Signature"
        )
    return "&".join(f"{k}={v}" for k, v in encoded)


def _huawei_payload(request: HttpRequestView, headers: Mapping[str, str]) -> str:
    declared = headers.get("x-sdk-content-sha256")
    if not declared:
        return _actual_body_hash(request, headers)
    length = headers.get("content-length")
    # The SDK ignores its own declaration when the body is empty. Without Content-Length or
    # Transfer-Encoding an HTTP/1.1 request has no body.
    unread_and_absent = request.body_sha256 is None and length is None and "transfer-encoding" not in headers
    empty = request.body_sha256 == EMPTY_SHA256 or length == "0" or unread_and_absent
    return EMPTY_SHA256 if empty else declared


def _actual_body_hash(request: HttpRequestView, headers: Mapping[str, str]) -> str:
    if request.body_sha256 is not None:
        return request.body_sha256.lower()
    if headers.get("content-length") == "0":
        return EMPTY_SHA256
    raise errors.InvalidArgument("this signature covers the body: its SHA-256 is needed to verify it")


def _check_declared_hash(request: HttpRequestView, declared: str, huawei: bool) -> None:
    actual = request.body_sha256
    if not _HEX64_RE.fullmatch(declared) or actual is None or actual.lower() == declared.lower():
        return
    if huawei:
        raise errors.SignatureDoesNotMatch("the body does not match the signed X-Sdk-Content-Sha256")
    raise errors.ContentHashMismatch("the body does not match the declared x-amz-content-sha256")
