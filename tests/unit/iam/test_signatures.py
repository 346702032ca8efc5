"""Signature verification against requests signed by the real Huawei SDK and botocore.

Every known-good vector is produced at test time by the vendors' own signers; the
module under test never sees their code. Time is frozen: the Huawei signer takes the
X-Sdk-Date we hand it and botocore's clock is patched.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import boto3
import botocore.auth
import pytest
import requests
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.config import Config
from botocore.credentials import Credentials
from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
from huaweicloudsdkcore.region.region import Region
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkiam.v3 import (
    IamClient,
    KeystoneCreateUserOption,
    KeystoneCreateUserRequest,
    KeystoneCreateUserRequestBody,
    KeystoneListUsersRequest,
)

from welkin.core import errors
from welkin.iam.signatures import (
    EMPTY_SHA256,
    HttpRequestView,
    Scheme,
    SignatureClaim,
    VerifiedSignature,
    parse_claim,
    verify,
)

AK = "WELKINTESTACCESSKEY1"
SK = "s3cr3t/Key+with=odd&chars"
TOKEN = "tmp-token/with+base64=="
NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
SDK_DATE = "20250301T120000Z"
REGION = "eu-west-1"


@pytest.fixture(autouse=True)
def frozen_botocore_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check(view: HttpRequestView, secret: str = SK, now: datetime = NOW) -> VerifiedSignature:
    claim = parse_claim(view)
    assert claim is not None
    return verify(view, claim, secret, now)


# --- request builders ---------------------------------------------------------------


def huawei(
    method: str = "GET",
    path: str = "/v3/projects",
    query: list[tuple[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    body: str | bytes | None = None,
    token: str | None = None,
) -> HttpRequestView:
    """Sign through BasicCredentials.sign_request, the path the SDK's clients take."""
    header_params = {
        "X-Sdk-Date": SDK_DATE,
        "User-Agent": "huaweicloud-usdk-python/3.0",
        "Content-Type": "application/json",
        **(headers or {}),
    }
    request = SdkRequest(
        method=method,
        schema="https",
        host="iam.welkin.test",
        resource_path=path,
        query_params=list(query or []),
        header_params=header_params,
        body=body,
    )
    credentials = BasicCredentials(AK, SK, "0123456789abcdef0123456789abcdef")
    if token is not None:
        credentials.with_security_token(token)
    credentials.sign_request(request)
    raw_path, _, raw_query = request.uri.partition("?")
    sent = request.body if isinstance(request.body, bytes) else b""
    return HttpRequestView(
        method=request.method,
        raw_path=raw_path,
        raw_query=raw_query,
        headers={name.lower(): value for name, value in request.header_params.items()},
        body_sha256=sha256_hex(sent),
    )


def view_of(method: str, url: str, headers: Mapping[str, str | bytes], body: Any) -> HttpRequestView:
    """What a server would see of a client's outgoing request; streamed bodies stay unread."""
    parts = urlsplit(url)
    sent = {k.lower(): v.decode("latin-1") if isinstance(v, bytes) else v for k, v in headers.items()}
    sent.setdefault("host", parts.netloc)
    if isinstance(body, str):
        body = body.encode()
    digest = sha256_hex(body or b"") if body is None or isinstance(body, bytes) else None
    return HttpRequestView(method, parts.path, parts.query, sent, digest)


def aws(
    signer: type[SigV4Auth] = S3SigV4Auth,
    url: str = "https://bucket.s3.welkin.test/photos/cat.jpg",
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    service: str = "s3",
    token: str | None = None,
    context: dict[str, Any] | None = None,
    **signer_args: Any,
) -> HttpRequestView:
    request = AWSRequest(method=method, url=url, headers=headers or {}, data=body)
    request.context.update(context or {})
    signer(Credentials(AK, SK, token), service, REGION, **signer_args).add_auth(request)
    prepared = request.prepare()
    return view_of(prepared.method, prepared.url, prepared.headers, prepared.body)


def presigned(url: str = "https://bucket.s3.welkin.test/photos/cat.jpg", **kwargs: Any) -> HttpRequestView:
    kwargs.setdefault("expires", 3600)
    return aws(S3SigV4QueryAuth, url, **kwargs)


def with_headers(view: HttpRequestView, **changes: str) -> HttpRequestView:
    return dataclasses.replace(view, headers={**view.headers, **changes})


# --- Huawei SDK-HMAC-SHA256 ----------------------------------------------------------


def test_huawei_get_with_query_is_accepted() -> None:
    view = huawei(
        query=[("name", "a b+c"), ("tag", "z"), ("tag", "a"), ("empty", ""), ("enabled", True), ("ü", "é")]
    )
    claim = parse_claim(view)
    assert claim is not None
    assert claim.scheme is Scheme.HUAWEI_SDK
    assert claim.access_key == AK
    assert claim.timestamp == NOW
    assert claim.region is None
    assert claim.service is None
    assert claim.security_token is None
    assert "host" in claim.signed_headers
    assert "x-sdk-date" in claim.signed_headers
    verified = verify(view, claim, SK, NOW)
    assert verified.signature == claim.signature
    assert verified.signing_key is None
    assert verified.scope is None


def test_huawei_query_order_on_the_wire_does_not_matter() -> None:
    view = huawei(query=[("b", "2"), ("a", "1"), ("a", "0")])
    assert view.raw_query == "a=0&a=1&b=2"
    check(dataclasses.replace(view, raw_query="b=2&a=1&a=0"))


def test_huawei_post_json_body_is_accepted() -> None:
    view = huawei("POST", "/v3/users", body='{"user": {"name": "alice"}}')
    claim = parse_claim(view)
    assert claim is not None
    assert claim.payload_hash == ""
    check(view)


def test_huawei_post_body_tampered_is_rejected() -> None:
    view = huawei("POST", "/v3/users", body='{"user": {"name": "alice"}}')
    with pytest.raises(errors.SignatureDoesNotMatch):
        check(dataclasses.replace(view, body_sha256=sha256_hex(b'{"user": {"name": "mallory"}}')))


def test_huawei_body_hash_needed_but_unknown() -> None:
    view = huawei("POST", "/v3/users", body='{"a": 1}')
    with pytest.raises(errors.InvalidArgument, match="SHA-256"):
        check(dataclasses.replace(view, body_sha256=None))


def test_huawei_unicode_path_and_encoded_slash() -> None:
    path = "/v1/" + quote("桶 名", safe="") + "/objects/" + quote("dir/ключ~.txt", safe="")
    view = huawei(path=path)
    assert "%2F" in view.raw_path
    check(view)


def test_huawei_temporary_credentials_sign_the_security_token() -> None:
    view = huawei(token=TOKEN)
    claim = parse_claim(view)
    assert claim is not None
    assert claim.security_token == TOKEN
    assert "x-security-token" in claim.signed_headers
    check(view)
    with pytest.raises(errors.SignatureDoesNotMatch):
        check(with_headers(view, **{"x-security-token": "another-token"}))


def test_huawei_unsigned_payload_for_streamed_body() -> None:
    view = huawei(
        "PUT",
        "/v1/objects/blob",
        headers={"Content-Type": "application/octet-stream", "Content-Length": "5"},
        body=b"hello",
    )
    claim = parse_claim(view)
    assert claim is not None
    assert claim.payload_hash == "UNSIGNED-PAYLOAD"
    check(dataclasses.replace(view, body_sha256=None))
    check(dataclasses.replace(view, body_sha256=sha256_hex(b"other bytes")))


def test_huawei_empty_body_signs_the_empty_hash_despite_declaring_unsigned() -> None:
    view = huawei(headers={"Content-Type": "application/xml"})
    assert view.headers["x-sdk-content-sha256"] == "UNSIGNED-PAYLOAD"
    check(view)
    check(dataclasses.replace(view, body_sha256=None))


def test_huawei_non_ascii_header_value() -> None:
    view = huawei(headers={"X-Description": "  héllo   世界 "})
    check(view)


def test_huawei_header_names_are_case_insensitive() -> None:
    view = huawei(query=[("a", "1")])
    check(dataclasses.replace(view, headers={name.title(): value for name, value in view.headers.items()}))


def test_huawei_missing_date() -> None:
    view = huawei()
    headers = {k: v for k, v in view.headers.items() if k != "x-sdk-date"}
    with pytest.raises(errors.MissingAuthentication):
        parse_claim(dataclasses.replace(view, headers=headers))


# --- AWS SigV4, Authorization header --------------------------------------------------


def test_aws_s3_get_with_query_is_accepted() -> None:
    view = aws(url="https://bucket.s3.welkin.test/?list-type=2&prefix=a%20b&empty=&flag&tag=z&tag=a")
    claim = parse_claim(view)
    assert claim is not None
    assert claim.scheme is Scheme.AWS_V4_HEADER
    assert (claim.access_key, claim.region, claim.service) == (AK, REGION, "s3")
    assert claim.payload_hash == EMPTY_SHA256
    assert claim.timestamp == NOW
    verified = verify(view, claim, SK, NOW)
    assert verified.scope == f"20250301/{REGION}/s3/aws4_request"
    assert verified.timestamp == SDK_DATE


def test_aws_s3_put_signed_body() -> None:
    view = aws(method="PUT", body=b"meow", headers={"Content-Type": "image/jpeg"})
    claim = parse_claim(view)
    assert claim is not None
    assert claim.payload_hash == sha256_hex(b"meow")
    check(view)
    # The hash is declared and signed, so an unread body still verifies.
    check(dataclasses.replace(view, body_sha256=None))


def test_aws_s3_body_differs_from_declared_hash() -> None:
    view = aws(method="PUT", body=b"meow")
    with pytest.raises(errors.ContentHashMismatch) as raised:
        check(dataclasses.replace(view, body_sha256=sha256_hex(b"woof")))
    assert raised.value.code == "XAmzContentSHA256Mismatch"
    assert isinstance(raised.value, errors.BadRequest)


def test_aws_s3_declared_hash_tampered() -> None:
    view = aws(method="PUT", body=b"meow")
    forged = with_headers(view, **{"x-amz-content-sha256": sha256_hex(b"woof")})
    with pytest.raises(errors.SignatureDoesNotMatch):
        check(dataclasses.replace(forged, body_sha256=sha256_hex(b"woof")))


def test_aws_s3_session_token() -> None:
    view = aws(token=TOKEN)
    claim = parse_claim(view)
    assert claim is not None
    assert claim.security_token == TOKEN
    assert "x-amz-security-token" in claim.signed_headers
    check(view)


def test_aws_s3_unsigned_payload() -> None:
    view = aws(
        method="PUT",
        body=b"meow",
        context={"client_config": Config(s3={"payload_signing_enabled": False})},
    )
    assert view.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    check(dataclasses.replace(view, body_sha256=None))
    check(dataclasses.replace(view, body_sha256=sha256_hex(b"anything")))


def test_aws_s3_streaming_declared_hash_returns_seed_material() -> None:
    view = aws(
        method="PUT",
        headers={"x-amz-trailer": "x-amz-checksum-crc32", "x-amz-decoded-content-length": "4"},
        body=b"meow",
        context={"checksum": {"request_algorithm": {"in": "trailer", "name": "x-amz-checksum-crc32"}}},
    )
    claim = parse_claim(view)
    assert claim is not None
    assert claim.payload_hash == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    verified = verify(view, claim, SK, NOW)
    assert verified.signature == claim.signature
    key = f"AWS4{SK}".encode()
    for part in ("20250301", REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    assert verified.signing_key == key
    assert verified.scope == f"20250301/{REGION}/s3/aws4_request"
    assert verified.timestamp == SDK_DATE
    assert repr(key) not in repr(verified)


def test_aws_s3_unicode_key_and_encoded_slash() -> None:
    key = quote("фото/кот 1~!.jpg", safe="/~") + "/" + quote("a/b", safe="")
    view = aws(url=f"https://bucket.s3.welkin.test/{key}")
    assert "%2F" in view.raw_path
    check(view)


def test_aws_other_service_double_encodes_the_path() -> None:
    view = aws(
        SigV4Auth,
        url="https://lambda.welkin.test/2015-03-31/functions/my%20fn/./invocations",
        method="POST",
        body=b'{"x": 1}',
        headers={"Content-Type": "application/json"},
        service="lambda",
    )
    assert "x-amz-content-sha256" not in view.headers
    check(view)
    with pytest.raises(errors.InvalidArgument, match="SHA-256"):
        check(dataclasses.replace(view, body_sha256=None))
    with pytest.raises(errors.SignatureDoesNotMatch):
        check(dataclasses.replace(view, body_sha256=sha256_hex(b'{"x": 2}')))


def test_aws_declared_hash_must_be_well_formed() -> None:
    view = aws(method="PUT", body=b"meow")
    with pytest.raises(errors.InvalidArgument, match="x-amz-content-sha256"):
        parse_claim(with_headers(view, **{"x-amz-content-sha256": "not-a-hash"}))


def test_aws_header_whitespace_is_collapsed() -> None:
    view = aws(headers={"X-Amz-Meta-Note": "  two   spaces  here "})
    check(view)
    check(with_headers(view, **{"x-amz-meta-note": "two spaces here"}))


def test_aws_unsigned_amz_header_is_rejected() -> None:
    view = aws()
    with pytest.raises(errors.SignatureDoesNotMatch, match="x-amz-copy-source"):
        check(with_headers(view, **{"x-amz-copy-source": "/other-bucket/secret"}))


def test_aws_host_must_be_signed() -> None:
    view = aws()
    authorization = view.headers["authorization"].replace("SignedHeaders=host;", "SignedHeaders=")
    with pytest.raises(errors.InvalidArgument, match="host"):
        parse_claim(with_headers(view, authorization=authorization))


def test_aws_missing_date() -> None:
    view = aws()
    headers = {k: v for k, v in view.headers.items() if k != "x-amz-date"}
    with pytest.raises(errors.MissingAuthentication):
        parse_claim(dataclasses.replace(view, headers=headers))


def test_aws_date_header_instead_of_x_amz_date() -> None:
    view = aws(headers={"Date": "placeholder"})
    assert "x-amz-date" not in view.headers
    check(view)


def test_aws_credential_date_must_match_request_date() -> None:
    view = aws()
    authorization = view.headers["authorization"].replace("/20250301/", "/20250302/")
    with pytest.raises(errors.InvalidArgument, match="scope date"):
        parse_claim(with_headers(view, authorization=authorization))


# --- AWS SigV4 presigned URLs ---------------------------------------------------------


def test_presigned_get_is_accepted() -> None:
    view = presigned("https://bucket.s3.welkin.test/photos/cat%201.jpg?versionId=v%2B1")
    assert "authorization" not in view.headers
    claim = parse_claim(view)
    assert claim is not None
    assert claim.scheme is Scheme.AWS_V4_QUERY
    assert claim.expires_seconds == 3600
    assert claim.payload_hash == "UNSIGNED-PAYLOAD"
    check(view, now=NOW + timedelta(minutes=59))


def test_presigned_with_session_token() -> None:
    view = presigned(token=TOKEN)
    claim = parse_claim(view)
    assert claim is not None
    assert claim.security_token == TOKEN
    check(view)
    with pytest.raises(errors.SignatureDoesNotMatch):
        check(dataclasses.replace(view, raw_query=view.raw_query.replace("tmp-token", "tmp-tokem")))


def test_presigned_expired() -> None:
    view = presigned()
    with pytest.raises(errors.RequestExpired, match="expired"):
        check(view, now=NOW + timedelta(seconds=3601))


def test_presigned_dated_in_the_future() -> None:
    view = presigned()
    check(view, now=NOW - timedelta(minutes=14))
    with pytest.raises(errors.RequestExpired, match="future"):
        check(view, now=NOW - timedelta(minutes=16))


def test_presigned_expiry_longer_than_a_week() -> None:
    check(presigned(expires=604800), now=NOW + timedelta(days=6))
    with pytest.raises(errors.InvalidArgument, match="X-Amz-Expires"):
        parse_claim(presigned(expires=604801))


def test_presigned_and_header_together_are_refused() -> None:
    view = presigned()
    with pytest.raises(errors.InvalidArgument, match="one authentication"):
        parse_claim(with_headers(view, authorization=aws().headers["authorization"]))


# --- tampering, shared by all three schemes --------------------------------------------


SIGNED = {
    "huawei": lambda: huawei("POST", "/v3/users", query=[("a", "1")], body='{"n": 1}'),
    "aws-header": lambda: aws(url="https://bucket.s3.welkin.test/k?a=1", method="PUT", body=b"x"),
    "aws-query": lambda: presigned("https://bucket.s3.welkin.test/k?a=1", method="PUT"),
}
DATE_HEADER = {"huawei": "x-sdk-date", "aws-header": "x-amz-date"}


@pytest.fixture(params=sorted(SIGNED))
def signed(request: pytest.FixtureRequest) -> HttpRequestView:
    view: HttpRequestView = SIGNED[request.param]()
    check(view)
    return view


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda v: dataclasses.replace(v, method="DELETE"), id="method"),
        pytest.param(lambda v: dataclasses.replace(v, raw_path=v.raw_path + "x"), id="path"),
        pytest.param(
            lambda v: dataclasses.replace(v, raw_query=v.raw_query.replace("a=1", "a=2")), id="query"
        ),
        pytest.param(lambda v: dataclasses.replace(v, raw_query=v.raw_query + "&b=1"), id="extra-query"),
        pytest.param(lambda v: with_headers(v, host="evil.welkin.test"), id="signed-header"),
        pytest.param(
            lambda v: dataclasses.replace(v, headers={k: x for k, x in v.headers.items() if k != "host"}),
            id="signed-header-absent",
        ),
    ],
)
def test_tampered_request_is_rejected(signed: HttpRequestView, tamper: Any) -> None:
    with pytest.raises(errors.SignatureDoesNotMatch):
        check(tamper(signed))


def test_wrong_secret_is_rejected(signed: HttpRequestView) -> None:
    with pytest.raises(errors.SignatureDoesNotMatch):
        check(signed, secret=SK + "x")


def test_date_outside_skew_is_rejected(signed: HttpRequestView) -> None:
    claim = parse_claim(signed)
    assert claim is not None
    if claim.expires_seconds is None:
        verify(signed, claim, SK, NOW + timedelta(minutes=14))
        with pytest.raises(errors.RequestExpired):
            verify(signed, claim, SK, NOW + timedelta(minutes=16))
    with pytest.raises(errors.RequestExpired):
        verify(signed, claim, SK, NOW - timedelta(minutes=16))


def test_changed_date_is_rejected() -> None:
    for view, header in ((SIGNED["huawei"](), "x-sdk-date"), (SIGNED["aws-header"](), "x-amz-date")):
        with pytest.raises(errors.SignatureDoesNotMatch):
            check(with_headers(view, **{header: "20250301T120001Z"}))


def test_tampered_signature_is_rejected(signed: HttpRequestView) -> None:
    claim = parse_claim(signed)
    assert claim is not None
    forged = dataclasses.replace(
        claim, signature=("0" if claim.signature[0] != "0" else "1") + claim.signature[1:]
    )
    with pytest.raises(errors.SignatureDoesNotMatch):
        verify(signed, forged, SK, NOW)


@pytest.mark.parametrize("date", ["2025-03-01T12:00:00Z", "20250301T120000", "20251301T120000Z", "yesterday"])
@pytest.mark.parametrize("header", ["x-sdk-date", "x-amz-date"])
def test_bad_date_format(header: str, date: str) -> None:
    view = SIGNED["huawei" if header == "x-sdk-date" else "aws-header"]()
    with pytest.raises(errors.InvalidArgument, match="20250301T120000Z"):
        parse_claim(with_headers(view, **{header: date}))


# --- malformed or absent claims -------------------------------------------------------


SIG = "a" * 64


@pytest.mark.parametrize(
    "authorization",
    [
        "SDK-HMAC-SHA256",
        "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host",
        f"SDK-HMAC-SHA256 Access=AK SignedHeaders=host Signature={SIG}",
        f"SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature={SIG}",
        f"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;;x-sdk-date, Signature={SIG}",
        "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=nothex",
        f"SDK-HMAC-SHA256 Access=AK, Access=AK, SignedHeaders=host, Signature={SIG}",
        f"SDK-HMAC-SHA256 Access=AK, Bogus=1, SignedHeaders=host, Signature={SIG}",
        f"AWS4-HMAC-SHA256 Credential=AK/20250301/r/s3, SignedHeaders=host, Signature={SIG}",
        f"AWS4-HMAC-SHA256 Credential=AK/20250301/r/s3/aws4_request, Signature={SIG}",
        f"AWS4-HMAC-SHA256 Credential=AK/20250301/r/s3/aws4_request, SignedHeaders=host, Signature={SIG}0",
        f"AWS4-ECDSA-P256-SHA256 Credential=AK/20250301/s3/aws4_request, SignedHeaders=host, Signature={SIG}",
        "AWS AK:c2lnbmF0dXJl",
        f"SDK-HMAC-SM3 Access=AK, SignedHeaders=host, Signature={SIG}",
    ],
)
def test_malformed_authorization_header(authorization: str) -> None:
    view = HttpRequestView(
        method="GET",
        raw_path="/",
        raw_query="",
        headers={"host": "h", "x-sdk-date": SDK_DATE, "x-amz-date": SDK_DATE, "authorization": authorization},
        body_sha256=EMPTY_SHA256,
    )
    with pytest.raises(errors.InvalidArgument):
        parse_claim(view)


def test_malformed_presigned_query() -> None:
    view = presigned()
    for name in ("X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders"):
        stripped = "&".join(p for p in view.raw_query.split("&") if not p.startswith(name + "="))
        with pytest.raises(errors.InvalidArgument, match=name):
            parse_claim(dataclasses.replace(view, raw_query=stripped))
    with pytest.raises(errors.InvalidArgument, match="more than once"):
        parse_claim(dataclasses.replace(view, raw_query=view.raw_query + "&X-Amz-Expires=1"))
    with pytest.raises(errors.InvalidArgument, match="X-Amz-Expires"):
        parse_claim(
            dataclasses.replace(
                view, raw_query=view.raw_query.replace("X-Amz-Expires=3600", "X-Amz-Expires=-5")
            )
        )


@pytest.mark.parametrize("authorization", [None, "Bearer abc.def.ghi", "Basic dXNlcjpwYXNz"])
def test_no_signature_gives_no_claim(authorization: str | None) -> None:
    headers = {"host": "h"} if authorization is None else {"host": "h", "authorization": authorization}
    view = HttpRequestView(method="GET", raw_path="/", raw_query="a=1", headers=headers, body_sha256=None)
    assert parse_claim(view) is None


def test_claim_repr_hides_the_security_token() -> None:
    claim = parse_claim(huawei(token=TOKEN))
    assert isinstance(claim, SignatureClaim)
    assert TOKEN not in repr(claim)


# --- whole clients, captured just before the wire ---------------------------------------


def test_boto3_s3_client_requests_verify() -> None:
    seen: list[HttpRequestView] = []

    class EmptyBody:
        def stream(self, **_: Any) -> Iterator[bytes]:
            return iter([b""])

    def capture(request: Any, **_: Any) -> AWSResponse:
        seen.append(view_of(request.method, request.url, request.headers, request.body))
        return AWSResponse(request.url, 200, {}, EmptyBody())

    s3 = boto3.client(
        "s3",
        endpoint_url="https://s3.welkin.test:8443",
        aws_access_key_id=AK,
        aws_secret_access_key=SK,
        aws_session_token=TOKEN,
        region_name=REGION,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_supported",
        ),
    )
    s3.meta.events.register("before-send", capture)
    s3.put_object(Bucket="b", Key="dir/ключ with space+plus~!*'().txt", Body=b"hello")
    s3.list_objects_v2(Bucket="b", Prefix="a b/ü", Delimiter="/")
    s3.get_object(Bucket="b", Key="a//b/../c", Range="bytes=0-1")
    s3.copy_object(
        Bucket="b", Key="k2", CopySource={"Bucket": "b", "Key": "src key"}, Metadata={"n": " a  b "}
    )
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "x y/ü"}, ExpiresIn=600)
    seen.append(view_of("GET", url, {}, b""))

    assert len(seen) == 5
    for view in seen:
        claim = parse_claim(view)
        assert claim is not None
        assert claim.security_token == TOKEN
        verify(view, claim, SK, NOW)
    # Recent botocore streams uploads with a trailing checksum by default.
    first = parse_claim(seen[0])
    assert first is not None
    assert first.payload_hash == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"


def test_huawei_sdk_client_requests_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[HttpRequestView] = []

    def capture(self: requests.Session, prepared: requests.PreparedRequest, **_: Any) -> requests.Response:
        assert prepared.method is not None
        assert prepared.url is not None
        seen.append(view_of(prepared.method, prepared.url, prepared.headers, prepared.body))
        response = requests.Response()
        response.status_code, response._content, response.request = 200, b"{}", prepared
        response.headers["Content-Type"] = "application/json"
        return response

    monkeypatch.setattr(requests.Session, "send", capture)
    credentials = GlobalCredentials(AK, SK, "domain-id").with_security_token(TOKEN)
    region = Region("welkin-1", "https://iam.welkin.test")
    client = IamClient.new_builder().with_credentials(credentials).with_region(region).build()
    client.keystone_list_users(KeystoneListUsersRequest(name="al ice/é", domain_id="d", enabled=True))
    user = KeystoneCreateUserOption(name="bob", domain_id="d")
    client.keystone_create_user(KeystoneCreateUserRequest(body=KeystoneCreateUserRequestBody(user=user)))

    assert len(seen) == 2
    for view in seen:
        claim = parse_claim(view)
        assert claim is not None
        # The SDK signs every header it sets, the security token and User-Agent included.
        assert {"content-type", "host", "user-agent", "x-sdk-date", "x-security-token"} <= set(
            claim.signed_headers
        )
        verify(view, claim, SK, claim.timestamp)
