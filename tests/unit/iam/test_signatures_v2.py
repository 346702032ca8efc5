"""HMAC-SHA1 signatures (OBS and AWS SigV2) against requests signed by the real clients.

Known-good vectors come from esdk-obs-python's own ``Authentication`` signer and
``ObsClient.createSignedUrl``, and from botocore's ``HmacV1Auth`` (through boto3 with
``signature_version="s3"``); the module under test never sees their code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.config import Config
from obs import ObsClient
from obs.auth import Authentication
from obs.convertor import Adapter
from obs.util import RequestFormat

from welkin.core import errors
from welkin.iam.signatures import HttpRequestView, Scheme, parse_claim, verify

AK = "WELKINTESTACCESSKEY1"
SK = "s3cr3t/Key+with=odd&chars"
TOKEN = "tmp-token/with+base64=="
NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
SERVER = "obs.welkin.test"
KEYS = ("photos/cat.jpg", "dir/ключ with space+plus~!*'().txt", "a+b c", "ü/x y+z", "")


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def obs_signed(
    signature: str = "obs",
    path_style: bool = True,
    method: str = "PUT",
    bucket: str = "b",
    key: str = "photos/cat.jpg",
    path_args: dict[str, str | None] | None = None,
    headers: Mapping[str, str] | None = None,
    token: str | None = None,
) -> HttpRequestView:
    """A request as ObsClient sends it, signed by the SDK's own Authentication class."""
    adapter = Adapter(signature)
    sent = dict(headers or {})
    if adapter.date_header() not in sent:
        sent["Date"] = http_date(NOW)
    if token is not None:
        sent[adapter.security_token_header()] = token
    signer = Authentication(AK, SK, path_style, adapter, SERVER, False)
    sent["Authorization"] = signer.doAuth(method, bucket, key, path_args, sent)["Authorization"]
    form = RequestFormat.get_path_format() if path_style else RequestFormat.get_sub_domain_format()
    raw_path, _, raw_query = form.get_url(bucket, key, path_args).partition("?")
    sent["Host"] = form.get_server(SERVER, bucket)
    lowered = {name.lower(): value for name, value in sent.items()}
    virtual = None if path_style else bucket
    return HttpRequestView(method, raw_path, raw_query, lowered, None, virtual_bucket=virtual)


def view_of_url(
    url: str, method: str = "GET", headers: Mapping[str, str] | None = None, virtual_bucket: str | None = None
) -> HttpRequestView:
    parts = urlsplit(url)
    sent = {name.lower(): value for name, value in (headers or {}).items()}
    sent.setdefault("host", parts.netloc)
    return HttpRequestView(method, parts.path, parts.query, sent, None, virtual_bucket=virtual_bucket)


def accept(view: HttpRequestView, now: datetime = NOW) -> Scheme:
    claim = parse_claim(view)
    assert claim is not None
    result = verify(view, claim, SK, now)
    assert result.signing_key is None
    assert result.scope is None
    return claim.scheme


def refuse(view: HttpRequestView, error: type[errors.WelkinError], now: datetime = NOW) -> None:
    claim = parse_claim(view)
    assert claim is not None
    with pytest.raises(error):
        verify(view, claim, SK, now)


# --- OBS SDK, Authorization header ---------------------------------------------------------


@pytest.mark.parametrize("signature", ["obs", "v2"])
@pytest.mark.parametrize("path_style", [True, False])
@pytest.mark.parametrize("key", KEYS)
def test_obs_sdk_header_signatures_verify(signature: str, path_style: bool, key: str) -> None:
    prefix = "x-obs-" if signature == "obs" else "x-amz-"
    view = obs_signed(
        signature,
        path_style,
        key=key,
        headers={
            "Content-Type": "text/plain",
            "Content-MD5": "XrY7u+Ae7tCTyyK7j1rNww==",
            f"{prefix}meta-Colour": " blue ",
            f"{prefix}acl": "private",
        },
        token=TOKEN,
    )
    claim = parse_claim(view)
    assert claim is not None
    assert claim.access_key == AK
    assert claim.security_token == TOKEN
    assert claim.timestamp == NOW
    expected = Scheme.OBS_HEADER if signature == "obs" else Scheme.AWS_V2_HEADER
    assert accept(view) is expected


@pytest.mark.parametrize("path_style", [True, False])
@pytest.mark.parametrize(
    "path_args",
    [
        {"acl": None},
        {"uploads": None},
        {"uploadId": "0123abc", "partNumber": "2"},
        {"versionId": "v1", "response-content-disposition": 'attachment; filename="a b+c.txt"'},
        {"prefix": "a b", "max-keys": "10", "x-obs-accesslabel": None, "storageClass": None},
        {"x-image-process": "image/resize,w_100"},
    ],
)
def test_obs_sdk_sub_resources_verify(path_style: bool, path_args: dict[str, str | None]) -> None:
    assert accept(obs_signed(path_style=path_style, path_args=path_args, key="k y+z")) is Scheme.OBS_HEADER
    assert accept(obs_signed(path_style=path_style, path_args=path_args, key="")) is Scheme.OBS_HEADER


@pytest.mark.parametrize("signature", ["obs", "v2"])
def test_prefixed_date_header_blanks_the_date_line(signature: str) -> None:
    prefix = "x-obs-" if signature == "obs" else "x-amz-"
    view = obs_signed(signature, headers={f"{prefix}date": http_date(NOW)})
    assert "date" not in view.headers
    accept(view)
    refuse(view, errors.RequestExpired, NOW + timedelta(minutes=16))


def test_tampering_is_refused() -> None:
    view = obs_signed(
        path_args={"uploadId": "u1", "partNumber": "1"}, headers={"x-obs-meta-a": "1", "Content-Type": "a/b"}
    )
    accept(view)
    headers = dict(view.headers)
    tampered = [
        dataclasses.replace(view, method="POST"),
        dataclasses.replace(view, raw_path="/b/photos/dog.jpg"),
        dataclasses.replace(view, raw_query=view.raw_query.replace("partNumber=1", "partNumber=2")),
        dataclasses.replace(view, raw_query=view.raw_query + "&acl"),
        dataclasses.replace(view, headers={**headers, "x-obs-meta-a": "2"}),
        dataclasses.replace(view, headers={**headers, "content-type": "a/c"}),
        dataclasses.replace(view, headers={**headers, "x-obs-copy-source": "/other/key"}),
        dataclasses.replace(view, headers={**headers, "x-amz-copy-source": "/other/key"}),
        dataclasses.replace(view, headers={**headers, "date": http_date(NOW + timedelta(seconds=1))}),
        dataclasses.replace(view, virtual_bucket="other"),
    ]
    for forged in tampered:
        refuse(forged, errors.SignatureDoesNotMatch)
    claim = parse_claim(view)
    assert claim is not None
    with pytest.raises(errors.SignatureDoesNotMatch):
        verify(view, claim, SK + "x", NOW)


def test_unsigned_query_parameters_are_not_sub_resources() -> None:
    view = obs_signed(method="GET", key="")
    accept(dataclasses.replace(view, raw_query="prefix=a&marker=b"))


def test_date_outside_the_skew_window_is_refused() -> None:
    view = obs_signed()
    accept(view, NOW + timedelta(minutes=14))
    refuse(view, errors.RequestExpired, NOW + timedelta(minutes=16))
    refuse(view, errors.RequestExpired, NOW - timedelta(minutes=16))


@pytest.mark.parametrize(
    ("authorization", "headers", "error"),
    [
        ("OBS AKONLY", {"date": "Sat, 01 Mar 2025 12:00:00 GMT"}, errors.InvalidArgument),
        ("OBS AK:c2lnbmF0dXJl", {"date": "Sat, 01 Mar 2025 12:00:00 GMT"}, errors.InvalidArgument),
        ("OBS :EwBjqPiBhdTNMLnwmFfe68eMYRc=", {"date": "x"}, errors.InvalidArgument),
        ("OBS AK:EwBjqPiBhdTNMLnwmFfe68eMYRc=", {"date": "yesterday"}, errors.InvalidArgument),
        ("AWS AK:EwBjqPiBhdTNMLnwmFfe68eMYRc=", {}, errors.MissingAuthentication),
    ],
)
def test_malformed_headers(authorization: str, headers: dict[str, str], error: type[Exception]) -> None:
    view = HttpRequestView("GET", "/", "", {"authorization": authorization, **headers}, None)
    with pytest.raises(error):
        parse_claim(view)


# --- OBS SDK, presigned URLs ---------------------------------------------------------------


@pytest.mark.parametrize("signature", ["obs", "v2"])
@pytest.mark.parametrize("path_style", [True, False])
@pytest.mark.parametrize("key", KEYS[:4])
def test_obs_sdk_signed_urls_verify(signature: str, path_style: bool, key: str) -> None:
    client = ObsClient(
        access_key_id=AK,
        secret_access_key=SK,
        security_token=TOKEN,
        server=f"http://{SERVER}",  # https makes the SDK build a deprecated SSL context
        signature=signature,
        path_style=path_style,
    )
    # The SDK itself falls back to v2 for path-style addressing.
    effective = client.signature
    assert effective == ("v2" if path_style else signature)
    prefix = "x-obs-" if effective == "obs" else "x-amz-"
    signed = client.createSignedUrl(
        "PUT",
        "b",
        key,
        expires=300,
        queryParams={"versionId": "v1", "foo": "x y"},
        headers={f"{prefix}meta-a": "1", "Content-Type": "text/plain"},
    )
    view = view_of_url(
        signed.signedUrl, "PUT", signed.actualSignedRequestHeaders, None if path_style else "b"
    )
    now = datetime.now(UTC)
    expected = Scheme.OBS_QUERY if effective == "obs" else Scheme.AWS_V2_QUERY
    claim = parse_claim(view)
    assert claim is not None
    assert claim.security_token == TOKEN
    assert claim.scheme.presigned
    assert accept(view, now) is expected
    # Usable until Expires, not a clock-skew window after signing.
    assert accept(view, now + timedelta(seconds=290)) is expected
    refuse(view, errors.RequestExpired, now + timedelta(seconds=310))
    later = view.raw_query.replace("Expires=", "Expires=1")
    refuse(dataclasses.replace(view, raw_query=later), errors.SignatureDoesNotMatch, now)
    refuse(dataclasses.replace(view, method="GET"), errors.SignatureDoesNotMatch, now)
    refuse(dataclasses.replace(view, raw_query=view.raw_query + "&acl"), errors.SignatureDoesNotMatch, now)


def test_malformed_presigned_queries() -> None:
    good = "AccessKeyId=AK&Expires=1740830400&Signature=EwBjqPiBhdTNMLnwmFfe68eMYRc%3D"
    for query in (
        good.replace("1740830400", "soon"),
        good.replace("1740830400", "9" * 30),
        good + "&Expires=1",
        good.replace("Signature=EwBjqPiBhdTNMLnwmFfe68eMYRc%3D", "Signature=abc"),
        good + "&AWSAccessKeyId=AK",
        good + "&X-Amz-Signature=ab",
    ):
        with pytest.raises(errors.InvalidArgument):
            parse_claim(HttpRequestView("GET", "/b/k", query, {}, None))
    header = {"authorization": "OBS AK:EwBjqPiBhdTNMLnwmFfe68eMYRc=", "date": http_date(NOW)}
    with pytest.raises(errors.InvalidArgument, match="only one"):
        parse_claim(HttpRequestView("GET", "/b/k", good, header, None))
    assert parse_claim(HttpRequestView("GET", "/b/k", "AccessKeyId=AK", {}, None)) is None


# --- botocore HmacV1 (boto3 with signature_version="s3") ------------------------------------


class EmptyBody:
    def stream(self, **kwargs: Any) -> list[bytes]:
        return []


@pytest.mark.parametrize("style", ["path", "virtual"])
def test_boto3_sigv2_requests_verify(style: str) -> None:
    seen: list[HttpRequestView] = []

    def capture(request: AWSRequest, **kwargs: Any) -> AWSResponse:
        host = urlsplit(request.url).hostname or ""
        # As the edge would: a host below the endpoint names the bucket.
        virtual = host.removesuffix(".s3.welkin.test") if host != "s3.welkin.test" else None
        headers = {k: v.decode("latin-1") if isinstance(v, bytes) else v for k, v in request.headers.items()}
        seen.append(view_of_url(request.url, request.method, headers, virtual))
        return AWSResponse(request.url, 200, {}, EmptyBody())

    s3 = boto3.client(
        "s3",
        endpoint_url="https://s3.welkin.test",
        aws_access_key_id=AK,
        aws_secret_access_key=SK,
        aws_session_token=TOKEN,
        region_name="eu-west-1",
        config=Config(signature_version="s3", s3={"addressing_style": style}),
    )
    s3.meta.events.register("before-send", capture)
    s3.put_object(
        Bucket="photos", Key="dir/ключ with space+plus~!*'().txt", Body=b"hi", Metadata={"n": "a b"}
    )
    s3.list_objects_v2(Bucket="photos", Prefix="a b/ü", Delimiter="/")
    s3.get_object(Bucket="photos", Key="a+b c", VersionId="v1", ResponseContentDisposition="inline; x=y")
    s3.get_bucket_acl(Bucket="photos")
    s3.upload_part(Bucket="photos", Key="k", UploadId="u/1+2", PartNumber=3, Body=b"x")
    now = datetime.now(UTC)
    assert len(seen) == 5
    assert all((view.virtual_bucket == "photos") == (style == "virtual") for view in seen)
    for view in seen:
        assert accept(view, now) is Scheme.AWS_V2_HEADER
        refuse(
            dataclasses.replace(view, headers={**view.headers, "x-amz-acl": "public-read"}),
            errors.SignatureDoesNotMatch,
            now,
        )


def test_boto3_sigv2_presigned_url_verifies() -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url="https://s3.welkin.test",
        aws_access_key_id=AK,
        aws_secret_access_key=SK,
        aws_session_token=TOKEN,
        region_name="eu-west-1",
        config=Config(signature_version="s3", s3={"addressing_style": "path"}),
    )
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "x y+z/ü"}, ExpiresIn=600)
    view = view_of_url(url)
    now = datetime.now(UTC)
    claim = parse_claim(view)
    assert claim is not None
    assert claim.security_token == TOKEN
    assert accept(view, now) is Scheme.AWS_V2_QUERY
    refuse(view, errors.RequestExpired, now + timedelta(seconds=700))
    forged_token = view.raw_query.replace("x-amz-security-token=", "x-amz-security-token=x")
    refuse(dataclasses.replace(view, raw_query=forged_token), errors.SignatureDoesNotMatch, now)
    refuse(dataclasses.replace(view, raw_path="/b/x%20y%2Bz/u"), errors.SignatureDoesNotMatch, now)
