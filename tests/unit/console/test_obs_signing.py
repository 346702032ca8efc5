"""Presigned URLs for the console's transfers: what may be asked for, and how keys are written."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from welkin.console.obs_access import parent_prefix
from welkin.console.obs_browser import crumbs
from welkin.console.obs_signing import Presigner, SignRequest, attachment_disposition
from welkin.core import errors
from welkin.core.body import Body
from welkin.iam.models import AuthMethod, Principal, TemporaryKey


class Keys:
    """A KeyService's temporary_for, remembering how long each key was asked to live."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def temporary_for(self, _principal: Principal, seconds: int) -> TemporaryKey:
        self.asked.append(seconds)
        return TemporaryKey("TEMPAK", "temp-secret", "sealed-token", datetime(2030, 1, 1, tzinfo=UTC))


def _request(**fields: object) -> SignRequest:
    return SignRequest.from_body(Body({"bucket": "b", "key": "k", **fields}))


def _sign(keys: Keys, request: SignRequest) -> list[str]:
    principal = Principal("acc", "acc", "usr", "usr", AuthMethod.TOKEN, "proj", is_operator=False)
    return list(Presigner(keys, "local-1").sign(principal, "http://h:1", request).urls)


def test_only_transfers_are_signed() -> None:
    for op in ("DeleteObject", "PutBucketPolicy", "ListBuckets", ""):
        with pytest.raises(errors.InvalidArgument, match="op must be one of"):
            _request(op=op)


@pytest.mark.parametrize(
    "fields",
    [
        {"op": "UploadPart", "upload_id": "u"},
        {"op": "UploadPart", "part_numbers": [1]},
        {"op": "UploadPart", "upload_id": "u", "part_numbers": [0]},
        {"op": "UploadPart", "upload_id": "u", "part_numbers": list(range(1, 102))},
        {"op": "UploadPart", "upload_id": "u", "part_numbers": [True]},
        {"op": "PutObject", "upload_id": "u"},
        {"op": "PutObject", "expires": 600},
        {"op": "GetObject", "expires": 7 * 86400},
        {"op": "GetObject", "key": ""},
        {"op": "GetObject", "key": "a/../b"},
        {"op": "GetObject", "key": "./a"},
        {"op": "GetObject", "colour": "red"},
    ],
)
def test_malformed_requests_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(errors.InvalidArgument):
        _request(**fields)


def test_urls_are_path_relative_with_the_key_encoded_as_s3_canonicalizes_it() -> None:
    keys = Keys()
    [url] = _sign(keys, _request(op="PutObject", key="a b/ü?#%+~.txt"))
    parts = urlsplit(url)
    assert not parts.scheme
    assert not parts.netloc
    assert parts.path == "/b/a%20b/%C3%BC%3F%23%25%2B~.txt"
    query = parse_qs(parts.query)
    assert query["X-Amz-Security-Token"] == ["sealed-token"]
    assert query["X-Amz-Expires"] == ["900"]
    assert query["X-Amz-Credential"][0].startswith("TEMPAK/")
    assert "temp-secret" not in url
    assert keys.asked == [900]


def test_parts_get_one_url_each_under_one_key() -> None:
    keys = Keys()
    urls = _sign(keys, _request(op="UploadPart", upload_id="up-1", part_numbers=[3, 4]))
    assert [parse_qs(urlsplit(u).query)["partNumber"] for u in urls] == [["3"], ["4"]]
    assert all(parse_qs(urlsplit(u).query)["uploadId"] == ["up-1"] for u in urls)
    assert keys.asked == [900]


def test_a_download_link_lives_as_asked_and_its_key_at_least_as_long() -> None:
    keys = Keys()
    [url] = _sign(
        keys, _request(op="GetObject", key="dir/r\u00e9sum\u00e9 1.pdf", expires=86400, download=True)
    )
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["86400"]
    assert query["response-content-disposition"] == ["attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%201.pdf"]
    [short] = _sign(keys, _request(op="GetObject", expires=60))
    assert parse_qs(urlsplit(short).query)["X-Amz-Expires"] == ["60"]
    assert keys.asked == [86400, 900]  # a temporary key lives 900 s at least


def test_multipart_steps_carry_their_subresources() -> None:
    keys = Keys()
    [create] = _sign(keys, _request(op="CreateMultipartUpload"))
    assert parse_qs(urlsplit(create).query, keep_blank_values=True)["uploads"] == [""]
    for op in ("CompleteMultipartUpload", "AbortMultipartUpload"):
        [url] = _sign(keys, _request(op=op, upload_id="up-2"))
        assert parse_qs(urlsplit(url).query)["uploadId"] == ["up-2"]


def test_names_and_folders() -> None:
    assert attachment_disposition("a/b/") == "attachment; filename*=UTF-8''b"
    assert attachment_disposition('x"y;z') == "attachment; filename*=UTF-8''x%22y%3Bz"
    assert parent_prefix("a/b/c.txt") == "a/b/"
    assert parent_prefix("a/b/") == "a/"
    assert parent_prefix("top") == ""
    assert crumbs("a/b/") == [("a/", "a/"), ("b/", "a/b/")]
    assert crumbs("") == []
