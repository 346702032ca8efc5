"""Which Host headers name a bucket: ``<bucket>.<domain>`` and nothing that merely ends alike."""

from __future__ import annotations

import pytest

from welkin.obs.s3api.app import bucket_in_host

DOMAINS = ("localhost", "s3.example.com")


@pytest.mark.parametrize(
    ("host", "bucket"),
    [
        ("photos.localhost", "photos"),
        ("photos.localhost:8470", "photos"),
        ("Photos.LocalHost:8470", "photos"),
        ("my.photos.localhost", "my.photos"),
        ("logs.s3.example.com", "logs"),
        ("localhost:8470", None),
        ("mylocalhost", None),
        ("mylocalhost:8470", None),
        (".localhost", None),
        ("s3.example.com", None),
        ("evils3.example.com", None),
        ("127.0.0.1:8470", None),
        ("", None),
    ],
)
def test_bucket_in_host(host: str, bucket: str | None) -> None:
    assert bucket_in_host(host, DOMAINS) == bucket
