"""The rules of a POST form's policy: conditions, extra fields, expiry, malformed documents."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from welkin.core import errors as core
from welkin.obs import errors
from welkin.obs.post_policy import LengthRange, parse_post_policy

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def encode(document: Any) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


def policy(*conditions: Any, expiration: str = "2025-03-01T13:00:00Z") -> str:
    return encode({"expiration": expiration, "conditions": list(conditions)})


def test_conditions_that_hold_pass() -> None:
    parsed = parse_post_policy(
        policy({"bucket": "b"}, ["starts-with", "$key", "user/"], ["eq", "$acl", "private"])
    )
    parsed.check({"bucket": "b", "key": "user/x", "acl": "private", "policy": "p"}, NOW)


def test_field_names_are_case_insensitive() -> None:
    parsed = parse_post_policy(policy(["starts-with", "$Content-Type", "image/"]))
    parsed.check({"content-type": "image/png"}, NOW)


def test_failed_condition_names_it() -> None:
    parsed = parse_post_policy(policy(["starts-with", "$key", "user/"]))
    with pytest.raises(
        core.AccessDenied, match=r'Policy Condition failed: \["starts-with", "\$key", "user/"\]'
    ):
        parsed.check({"key": "other"}, NOW)


def test_missing_field_reads_as_empty() -> None:
    parse_post_policy(policy(["starts-with", "$key", ""])).check({}, NOW)
    with pytest.raises(core.AccessDenied):
        parse_post_policy(policy({"acl": "private"})).check({}, NOW)


def test_extra_fields_are_listed() -> None:
    parsed = parse_post_policy(policy(["starts-with", "$key", ""]))
    with pytest.raises(core.AccessDenied, match=r"Extra input fields: \[acl\], \[x-amz-meta-a\]"):
        parsed.check({"key": "k", "acl": "private", "x-amz-meta-a": "1"}, NOW)


def test_exempt_fields_need_no_condition() -> None:
    parsed = parse_post_policy(policy(["starts-with", "$key", ""]))
    parsed.check({"key": "k", "policy": "p", "x-amz-signature": "s", "x-ignore-me": "1"}, NOW)


def test_expired_policy() -> None:
    parsed = parse_post_policy(policy(expiration="2025-03-01T11:59:59.000Z"))
    with pytest.raises(core.AccessDenied, match=r"Policy expired\."):
        parsed.check({}, NOW)


def test_content_length_range_is_parsed() -> None:
    assert parse_post_policy(policy(["content-length-range", 1, 10])).length == LengthRange(1, 10)


@pytest.mark.parametrize(
    "encoded",
    [
        "not base64!",
        base64.b64encode(b"not json").decode(),
        encode([]),
        encode({"conditions": []}),
        encode({"expiration": "tomorrow", "conditions": []}),
        encode({"expiration": "2025-03-01T13:00:00Z"}),
        policy(["content-length-range", 10, 1]),
        policy(["content-length-range", "1", 2]),
        policy(["matches", "$key", "x"]),
        policy({"a": "b", "c": "d"}),
        policy(["eq", "key", "x"]),
    ],
)
def test_malformed_policies(encoded: str) -> None:
    with pytest.raises(errors.InvalidPolicyDocument):
        parse_post_policy(encoded)
