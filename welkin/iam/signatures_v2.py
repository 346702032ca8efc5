"""The HMAC-SHA1 ("signature version 2") family: Huawei OBS and AWS S3.

* ``Authorization: OBS AK:base64`` with ``x-obs-*`` headers, as ``esdk-obs-python`` signs
  with ``signature='obs'``; ``Authorization: AWS AK:base64`` with ``x-amz-*`` headers, as
  botocore's ``HmacV1Auth`` and the OBS SDK with ``signature='v2'`` sign.
* Presigned URLs: ``AccessKeyId`` (OBS) or ``AWSAccessKeyId`` (AWS), ``Signature`` and
  ``Expires``, the absolute expiry in epoch seconds that takes the Date's place.

String to sign: method, Content-MD5, Content-Type, the date (empty when an ``x-obs-date``
or ``x-amz-date`` header carries it), the sorted ``name:value`` lines of the prefixed
headers, then the resource: ``/bucket/key`` as sent (the bucket prepended for
virtual-hosted requests) and the sorted sub-resources of the query.

The clients disagree on one thing: botocore turns a presigned URL's ``x-amz-*`` headers
(the security token among them) into query parameters signed as header lines, while the
OBS SDK signs its prefixed query parameters as sub-resources. Both readings are tried.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote, unquote, unquote_plus

from welkin.core import errors
from welkin.iam.signed_request import (
    HttpRequestView,
    Scheme,
    SignatureClaim,
    VerifiedSignature,
    as_utf8_text,
    http_time,
    lowered,
)

HEADER_SCHEMES = {"OBS": Scheme.OBS_HEADER, "AWS": Scheme.AWS_V2_HEADER}
QUERY_KEY_IDS = {"AccessKeyId": Scheme.OBS_QUERY, "AWSAccessKeyId": Scheme.AWS_V2_QUERY}
_QUERY_AUTH = frozenset({"Expires", "Signature", *QUERY_KEY_IDS})
_OBS = (Scheme.OBS_HEADER, Scheme.OBS_QUERY)
_STANDARD = ("content-md5", "content-type")
_SHA1_B64_RE = re.compile(r"[A-Za-z0-9+/]{27}=")
# Query parameters that name a sub-resource, compared case-insensitively: the union of the
# OBS SDK's list and botocore's, so a request from either signs the same resource.
_SUB_RESOURCES = frozenset(
    name.lower()
    for name in (
        *("acl", "backtosource", "policy", "torrent", "logging", "location", "storageinfo", "quota"),
        *("storageclass", "storagepolicy", "requestpayment", "versions", "versioning", "versionid"),
        *("uploads", "uploadid", "partnumber", "website", "notification", "dispolicy", "lifecycle"),
        *("deletebucket", "delete", "cors", "restore", "tagging", "replication", "metadata"),
        *("encryption", "publicaccessblock", "bucketstatus", "policystatus", "x-obs-accesslabel"),
        *("inventory", "obscompresspolicy", "object-lock", "retention", "directcoldaccess"),
        *("append", "position", "truncate", "modify", "rename", "length", "name", "fileinterface"),
        *("response-content-type", "response-content-language", "response-expires"),
        *("response-cache-control", "response-content-disposition", "response-content-encoding"),
        *("x-image-save-bucket", "x-image-save-object", "x-image-process", "x-oss-process"),
        *("x-workflow-prefix", "x-workflow-start", "x-workflow-limit", "x-workflow-template-name"),
        *("x-workflow-graph-name", "x-workflow-execution-state", "x-workflow-execution-type"),
        *("x-workflow-next-marker", "obsworkflowtriggerpolicy", "obsbucketalias", "obsalias"),
        *("accelerate", "defaultObjectAcl", "analytics", "metrics", "select", "select-type"),
    )
)


def header_claim(scheme: Scheme, rest: str, headers: Mapping[str, str]) -> SignatureClaim:
    """The claim of ``Authorization: OBS|AWS AK:signature``; ``headers`` lower-cased."""
    access_key, sep, signature = rest.strip().rpartition(":")
    if not sep or not access_key:
        raise errors.InvalidArgument("the Authorization header must read AK:signature")
    prefix = _prefix(scheme)
    if headers.get(prefix + "date"):
        timestamp = _header_time(headers[prefix + "date"])
    elif headers.get("date"):
        timestamp = http_time(headers["date"])
    else:
        raise errors.MissingAuthentication(f"a signed request needs a Date or {prefix}date header")
    return _claim(scheme, access_key, signature, timestamp, headers.get(prefix + "security-token"))


def query_claim(scheme: Scheme, pairs: list[tuple[str, str]]) -> SignatureClaim:
    """The claim of a presigned URL, from the query's still-encoded pairs."""
    params: dict[str, str] = {}
    for key, value in pairs:
        name = unquote_plus(key)
        if name in _QUERY_AUTH or name == _prefix(scheme) + "security-token":
            if name in params:
                raise errors.InvalidArgument(f"query parameter {name} appears more than once")
            params[name] = unquote(value)
    key_id = "AccessKeyId" if scheme is Scheme.OBS_QUERY else "AWSAccessKeyId"
    missing = [name for name in (key_id, "Signature", "Expires") if not params.get(name)]
    if missing:
        raise errors.InvalidArgument(f"presigned URL lacks {', '.join(missing)}")
    expires = params["Expires"]
    try:
        if not (expires.isascii() and expires.isdigit()):
            raise ValueError(expires)
        expiry = datetime.fromtimestamp(int(expires), UTC)
    except (ValueError, OverflowError, OSError):
        raise errors.InvalidArgument(f"Expires must be epoch seconds, got {expires!r}") from None
    token = params.get(_prefix(scheme) + "security-token")
    return _claim(scheme, params[key_id], params["Signature"], expiry, token)


def verify_v2(request: HttpRequestView, claim: SignatureClaim, secret_key: str) -> VerifiedSignature:
    """Recompute an HMAC-SHA1 signature; the caller has checked the time already."""
    headers = lowered(request.headers)
    prefix = _prefix(claim.scheme)
    foreign = "x-amz-" if claim.scheme in _OBS else "x-obs-"
    # As S3 does with unsigned x-amz-* headers: the other family's headers are not covered
    # by this signature, and one added to a captured request could change its meaning.
    unsigned = sorted(name for name in headers if name.startswith(foreign))
    if unsigned:
        raise errors.SignatureDoesNotMatch(f"headers present but not signed: {', '.join(unsigned)}")
    pairs = [(k, v) for k, v in _query_items(request.raw_query) if unquote_plus(k) not in _QUERY_AUTH]
    if claim.scheme.presigned:
        date = str(int(claim.timestamp.timestamp()))
    else:
        date = "" if headers.get(prefix + "date") else headers.get("date", "").strip()
    moved = (unquote_plus(k).lower() for k, _ in pairs)
    both = claim.scheme is Scheme.AWS_V2_QUERY and any(n.startswith(prefix) or n in _STANDARD for n in moved)
    path = as_utf8_text(request.raw_path) or "/"
    if request.virtual_bucket:
        path = f"/{request.virtual_bucket}{path}"
    # A path-style bucket request is sent as /bucket; the OBS SDK signs that, botocore /bucket/.
    paths = [path, path + "/"] if path.count("/") == 1 and len(path) > 1 else [path]
    readings = [
        _string_to_sign(request.method, headers, pairs, prefix, date, resource_path, query_as_headers)
        for resource_path in paths
        for query_as_headers in ((False, True) if both else (False,))
    ]
    key = secret_key.encode()
    for string_to_sign in readings:
        digest = hmac.new(key, string_to_sign.encode(), hashlib.sha1).digest()
        if hmac.compare_digest(base64.b64encode(digest), claim.signature.encode()):
            return VerifiedSignature(claim.signature, date, None, None)
    raise errors.SignatureDoesNotMatch("the request signature does not match the one computed for it")


def _claim(
    scheme: Scheme, access_key: str, signature: str, timestamp: datetime, token: str | None
) -> SignatureClaim:
    # Base64 has no spaces: one here is a '+' that a query decoder read as a space.
    signature = signature.strip().replace(" ", "+")
    if not _SHA1_B64_RE.fullmatch(signature):
        raise errors.InvalidArgument("the signature must be a base64 HMAC-SHA1 digest")
    return SignatureClaim(
        scheme=scheme,
        access_key=access_key,
        signed_headers=(),
        signature=signature,
        timestamp=timestamp,
        security_token=token,
        region=None,
        service=None,
        expires_seconds=None,
        payload_hash="",
    )


def _prefix(scheme: Scheme) -> str:
    return "x-obs-" if scheme in _OBS else "x-amz-"


def _header_time(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return http_time(value)


def _string_to_sign(
    method: str,
    headers: Mapping[str, str],
    pairs: list[tuple[str, str | None]],
    prefix: str,
    date: str,
    path: str,
    query_as_headers: bool,
) -> str:
    """botocore's presigned reading (``query_as_headers``) or everyone else's."""
    signed = {name: value for name, value in headers.items() if name.startswith(prefix)}
    standard = {name: headers.get(name, "") for name in _STANDARD}
    sub_resources: list[tuple[str, str | None]] = []
    for key, value in pairs:
        name = unquote_plus(key)
        if query_as_headers and (name.lower().startswith(prefix) or name in standard):
            if name in standard:
                standard[name] = standard[name] or unquote(value or "")
            else:
                signed[name.lower()] = unquote(value or "")
        elif name.lower() in _SUB_RESOURCES or name.lower().startswith(prefix):
            sub_resources.append((name, None if value is None else unquote(value)))
    lines = [method.upper(), standard["content-md5"].strip(), standard["content-type"].strip(), date]
    lines += [f"{name}:{as_utf8_text(signed[name]).strip()}" for name in sorted(signed)]
    return "\n".join(lines) + "\n" + path + _sub_resource_query(sub_resources)


def _query_items(raw_query: str) -> list[tuple[str, str | None]]:
    # Unlike query_pairs, "uploads" and "uploads=" differ here: the clients sign what they send.
    items: list[tuple[str, str | None]] = []
    for item in as_utf8_text(raw_query).split("&"):
        if item:
            key, sep, value = item.partition("=")
            items.append((key, value if sep else None))
    return items


def _sub_resource_query(sub_resources: list[tuple[str, str | None]]) -> str:
    items = [
        quote(name, safe="/") if value is None else f"{quote(name, safe='/')}={value}"
        for name, value in sorted(sub_resources, key=lambda item: item[0])
    ]
    return "?" + "&".join(items) if items else ""
