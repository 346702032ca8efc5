"""The CLI's SDK-HMAC-SHA256 signer, checked by the server's own verifier."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from welkin.cli.client import ApiError, Client, Credentials, sign
from welkin.core import errors
from welkin.iam.signatures import HttpRequestView, Scheme, parse_claim, verify

AK, SK = "WELKINTESTACCESSKEY1", "test-secret-key-0000000000000000000000000"
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def _view(request: httpx.Request) -> HttpRequestView:
    raw = request.url.raw_path.decode("ascii")
    path, _, query = raw.partition("?")
    headers = {k.lower(): v for k, v in request.headers.items()}
    return HttpRequestView(request.method, path, query, headers, hashlib.sha256(request.content).hexdigest())


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "http://127.0.0.1:8470/v3/users", None),
        ("GET", "http://127.0.0.1:8470/v3/users?name=al ice&b=2&a=z+y", None),
        ("POST", "http://127.0.0.1:8470/v3/groups", {"group": {"name": "dev", "description": "é"}}),
        ("PUT", "http://h.example/v3.0/OS-CREDENTIAL/credentials/AK%2F1", {"credential": {}}),
    ],
)
def test_signature_verifies(method: str, url: str, body: object) -> None:
    request = httpx.Request(method, url, json=body)
    sign(request, AK, SK, NOW)
    assert request.headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=" + AK)
    claim = parse_claim(_view(request))
    assert claim is not None
    assert claim.scheme is Scheme.HUAWEI_SDK
    assert claim.access_key == AK
    assert "host" in claim.signed_headers
    assert "x-sdk-date" in claim.signed_headers
    verify(_view(request), claim, SK, NOW + timedelta(seconds=5))


def test_wrong_secret_or_tampered_body_fails() -> None:
    request = httpx.Request("POST", "http://127.0.0.1/v3/groups", json={"group": {"name": "dev"}})
    sign(request, AK, SK, NOW)
    claim = parse_claim(_view(request))
    assert claim is not None
    with pytest.raises(errors.SignatureDoesNotMatch):
        verify(_view(request), claim, SK + "x", NOW)
    tampered = httpx.Request("POST", request.url, headers=request.headers, content=b'{"group":{"name":"x"}}')
    with pytest.raises(errors.SignatureDoesNotMatch):
        verify(_view(tampered), claim, SK, NOW)


def test_unreachable_server_is_status_zero() -> None:
    with (
        Client("http://127.0.0.1:9", Credentials(token="t"), timeout=2) as client,
        pytest.raises(ApiError) as caught,
    ):
        client.get("/v3/users")
    assert caught.value.status == 0
