from __future__ import annotations

from starlette.responses import Response

from welkin.obs.s3api.dialect import (
    Dialect,
    api_version_response,
    as_s3_headers,
    is_api_version_probe,
    rename_response_headers,
)


def test_dialect_follows_the_signing_scheme() -> None:
    assert Dialect.of({"authorization": "OBS AK:sig"}, {}) is Dialect.OBS
    assert Dialect.of({}, {"AccessKeyId": "AK", "Signature": "s", "Expires": "1"}) is Dialect.OBS
    assert Dialect.of({"authorization": "AWS AK:sig"}, {}) is Dialect.S3
    assert Dialect.of({"authorization": "AWS4-HMAC-SHA256 Credential=..."}, {}) is Dialect.S3
    assert Dialect.of({}, {}) is Dialect.S3


def test_obs_headers_are_read_under_their_s3_names() -> None:
    mapped = as_s3_headers({"X-Obs-Acl": "public-read", "X-Obs-Meta-Owner": "ana", "Host": "h"})
    assert mapped["x-amz-acl"] == "public-read"
    assert mapped["x-amz-meta-owner"] == "ana"
    assert mapped["x-obs-acl"] == "public-read"
    assert mapped["host"] == "h"


def test_an_s3_header_wins_over_its_obs_twin() -> None:
    mapped = as_s3_headers({"x-amz-storage-class": "STANDARD", "x-obs-storage-class": "COLD"})
    assert mapped["x-amz-storage-class"] == "STANDARD"


def test_responses_to_obs_clients_carry_obs_names() -> None:
    response = Response(headers={"x-amz-version-id": "v1", "x-amz-meta-a": "b", "ETag": '"e"'})
    rename_response_headers(response, Dialect.OBS)
    assert response.headers["x-obs-version-id"] == "v1"
    assert response.headers["x-obs-meta-a"] == "b"
    assert "x-amz-version-id" not in response.headers
    assert response.headers["etag"] == '"e"'


def test_responses_to_s3_clients_are_unchanged() -> None:
    response = Response(headers={"x-amz-version-id": "v1"})
    rename_response_headers(response, Dialect.S3)
    assert response.headers["x-amz-version-id"] == "v1"


def test_api_version_probe() -> None:
    assert is_api_version_probe("HEAD", {"apiversion": ""})
    assert not is_api_version_probe("GET", {"apiversion": ""})
    assert not is_api_version_probe("HEAD", {})
    response = api_version_response()
    assert response.status_code == 200
    assert response.headers["x-obs-api"] == "3.0"
    assert response.body == b""
