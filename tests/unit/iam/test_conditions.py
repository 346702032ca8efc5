"""Each condition operator family, set qualifiers, IfExists and missing keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from welkin.iam.policy import AuthzRequest, Decision, evaluate, parse_policy

MISSING = object()


def holds(operator: str, values: list[Any], request_value: object, key: str = "g:Key") -> bool:
    policy = parse_policy(
        {
            "Version": "1.1",
            "Statement": [
                {"Effect": "Allow", "Action": ["svc:res:act"], "Condition": {operator: {key: values}}}
            ],
        }
    )
    context: dict[str, Any] = {} if request_value is MISSING else {key: request_value}
    return evaluate([policy], AuthzRequest("svc:res:act", context=context)) is Decision.ALLOW


@pytest.mark.parametrize(
    ("operator", "values", "request_value", "expected"),
    [
        ("StringEquals", ["alice", "bob"], "bob", True),
        ("StringEquals", ["alice"], "Alice", False),
        ("StringNotEquals", ["alice", "bob"], "carol", True),
        ("StringNotEquals", ["alice", "bob"], "bob", False),
        ("StringEqualsIgnoreCase", ["Alice"], "aLICE", True),
        ("StringEqualsIgnoreCase", ["Alice"], "alicia", False),
        ("StringNotEqualsIgnoreCase", ["Alice"], "ALICE", False),
        ("StringNotEqualsIgnoreCase", ["Alice"], "bob", True),
        ("StringLike", ["dev-*"], "dev-alice", True),
        ("StringLike", ["dev-?"], "dev-ab", False),
        ("StringLike", ["dev-*"], "Dev-alice", False),
        ("StringNotLike", ["tmp/*"], "logs/a", True),
        ("StringNotLike", ["tmp/*"], "tmp/a", False),
        ("StringStartWith", ["test"], "test_user", True),
        ("StringStartWith", ["test"], "user_test", False),
        ("StringNotStartWith", ["test"], "user_test", True),
        ("StringNotStartWith", ["test"], "test_user", False),
        ("StringEndWith", ["specialCharacter"], "bob_specialCharacter", True),
        ("StringEndWith", ["specialCharacter"], "specialCharacter_bob", False),
        ("StringNotEndWith", [".tmp"], "a.txt", True),
        ("StringNotEndWith", [".tmp"], "a.tmp", False),
        ("StringEqualsAnyOf", ["alice", "bob"], "bob", True),
        ("StringNotEqualsAnyOf", ["alice", "bob"], "bob", False),
        ("StringEquals", ["42"], 42, True),
    ],
)
def test_string_operators(operator: str, values: list[str], request_value: object, expected: bool) -> None:
    assert holds(operator, values, request_value) is expected


@pytest.mark.parametrize(
    ("operator", "values", "request_value", "expected"),
    [
        ("NumberEquals", ["10"], 10, True),
        ("NumberEquals", ["10"], "10.0", True),
        ("NumberEquals", ["10"], 11, False),
        ("NumberNotEquals", ["10"], 11, True),
        ("NumberNotEquals", ["10"], 10, False),
        ("NumberLessThan", ["10"], 9.5, True),
        ("NumberLessThan", ["10"], 10, False),
        ("NumberLessThanEquals", ["10"], 10, True),
        ("NumberLessThanEquals", ["10"], 11, False),
        ("NumberGreaterThan", ["10"], 11, True),
        ("NumberGreaterThan", ["10"], 10, False),
        ("NumberGreaterThanEquals", ["10"], 10, True),
        ("NumberGreaterThanEquals", ["10"], 9, False),
        ("NumberEqualsAnyOf", ["1", "2"], 2, True),
        ("NumberEquals", ["10"], "ten", False),
        ("NumberEquals", ["1"], True, False),
    ],
)
def test_number_operators(operator: str, values: list[str], request_value: object, expected: bool) -> None:
    assert holds(operator, values, request_value) is expected


_NOON = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("operator", "values", "request_value", "expected"),
    [
        ("DateLessThan", ["2024-06-01T12:00:00Z"], _NOON - timedelta(seconds=1), True),
        ("DateLessThan", ["2024-06-01T12:00:00Z"], _NOON, False),
        ("DateLessThanEquals", ["2024-06-01T12:00:00Z"], _NOON, True),
        ("DateLessThanEquals", ["2024-06-01T12:00:00Z"], _NOON + timedelta(seconds=1), False),
        ("DateGreaterThan", ["2024-06-01T12:00:00Z"], _NOON + timedelta(seconds=1), True),
        ("DateGreaterThan", ["2024-06-01T12:00:00Z"], _NOON, False),
        ("DateGreaterThanEquals", ["2024-06-01T12:00:00Z"], _NOON, True),
        ("DateGreaterThanEquals", ["2024-06-01T12:00:00Z"], _NOON - timedelta(days=1), False),
        ("DateEquals", ["2024-06-01T12:00:00Z"], "2024-06-01T20:00:00+08:00", True),
        ("DateEquals", ["2024-06-01T12:00:00Z"], "2024-06-01T12:00:01Z", False),
        ("DateNotEquals", ["2024-06-01T12:00:00Z"], "2024-06-01T12:00:01Z", True),
        ("DateNotEquals", ["2024-06-01T12:00:00Z"], _NOON, False),
        ("DateLessThan", ["2024-06-01T12:00:00"], datetime(2024, 6, 1, 11, 59), True),
        ("DateLessThan", ["2024-06-01T12:00:00Z"], _NOON.timestamp() - 1, True),
        (
            "DateLessThan",
            ["2024-06-01T12:00:00Z"],
            datetime(2024, 6, 1, 13, tzinfo=timezone(timedelta(hours=2))),
            True,
        ),
        ("DateLessThan", ["2024-06-01T12:00:00Z"], "not a date", False),
    ],
)
def test_date_operators(operator: str, values: list[str], request_value: object, expected: bool) -> None:
    assert holds(operator, values, request_value, key="g:CurrentTime") is expected


@pytest.mark.parametrize(
    ("values", "request_value", "expected"),
    [
        (["true"], True, True),
        (["true"], False, False),
        (["false"], False, True),
        (["TRUE"], "true", True),
        (["true"], "no", False),
        ([True], True, True),
    ],
)
def test_bool(values: list[Any], request_value: object, expected: bool) -> None:
    assert holds("Bool", values, request_value, key="g:MFAPresent") is expected


@pytest.mark.parametrize(
    ("operator", "values", "request_value", "expected"),
    [
        ("IpAddress", ["10.0.0.0/8"], "10.20.30.40", True),
        ("IpAddress", ["10.0.0.0/8", "192.168.1.7"], "192.168.1.7", True),
        ("IpAddress", ["10.0.0.0/8"], "11.0.0.1", False),
        ("IpAddress", ["2001:db8::/32"], "2001:db8::1", True),
        ("IpAddress", ["10.0.0.0/8"], "2001:db8::1", False),
        ("IpAddress", ["10.0.0.0/8"], "not-an-ip", False),
        ("NotIpAddress", ["10.0.0.0/8"], "11.0.0.1", True),
        ("NotIpAddress", ["10.0.0.0/8"], "10.0.0.1", False),
    ],
)
def test_ip_operators(operator: str, values: list[str], request_value: object, expected: bool) -> None:
    assert holds(operator, values, request_value, key="g:SourceIp") is expected


@pytest.mark.parametrize(
    ("operator", "values", "request_value", "expected"),
    [
        ("Null", ["true"], MISSING, True),
        ("Null", ["true"], None, True),
        ("Null", ["true"], "x", False),
        ("Null", ["false"], "x", True),
        ("Null", ["false"], MISSING, False),
        ("Null", ["true"], "", False),
        ("IsNullOrEmpty", ["true"], "", True),
        ("IsNullOrEmpty", ["true"], [], True),
        ("IsNullOrEmpty", ["true"], MISSING, True),
        ("IsNullOrEmpty", ["true"], "x", False),
        ("IsNullOrEmpty", [], "", True),
        ("IsNullOrEmpty", ["false"], "x", True),
        ("IsNullOrEmpty", ["false"], "", False),
    ],
)
def test_presence_operators(operator: str, values: list[str], request_value: object, expected: bool) -> None:
    assert holds(operator, values, request_value) is expected


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("StringEquals", False),
        ("StringLike", False),
        ("NumberLessThan", False),
        ("DateGreaterThan", False),
        ("Bool", False),
        ("IpAddress", False),
        ("StringNotEquals", True),
        ("StringNotLike", True),
        ("NotIpAddress", True),
        ("StringEqualsIfExists", True),
        ("StringNotEqualsIfExists", True),
        ("ForAnyValue:StringEquals", False),
        ("ForAllValues:StringEquals", True),
    ],
)
def test_missing_key_fails_positive_operators(operator: str, expected: bool) -> None:
    values = {"NumberLessThan": ["1"], "DateGreaterThan": ["2024-01-01T00:00:00Z"], "Bool": ["true"]}
    ip = ["10.0.0.0/8"] if "IpAddress" in operator else None
    assert holds(operator, ip or values.get(operator, ["x"]), MISSING) is expected


def test_if_exists_still_tests_a_present_key() -> None:
    assert holds("StringEndWithIfExists", ["specialCharacter"], "bob_specialCharacter") is True
    assert holds("StringEndWithIfExists", ["specialCharacter"], "bob") is False


@pytest.mark.parametrize(
    ("operator", "request_value", "expected"),
    [
        ("ForAnyValue:StringEquals", ["dev", "ops"], True),
        ("ForAnyValue:StringEquals", ["ops", "qa"], False),
        ("ForAnyValue:StringEquals", [], False),
        ("ForAllValues:StringEquals", ["dev", "test"], True),
        ("ForAllValues:StringEquals", ["dev", "ops"], False),
        ("ForAllValues:StringEquals", [], True),
        ("ForAnyValue:StringNotEquals", ["dev", "ops"], True),
        ("ForAnyValue:StringNotEquals", ["dev", "test"], False),
        ("ForAllValues:StringNotEquals", ["ops", "qa"], True),
        ("ForAllValues:StringNotEquals", ["ops", "dev"], False),
        ("ForAnyValue:StringLike", ["x", "dev-1"], True),
        ("ForAllValues:StringLikeIfExists", MISSING, True),
        ("ForAnyValue:StringEqualsIfExists", MISSING, True),
        ("StringEquals", ["ops", "dev"], True),
        ("StringNotEquals", ["ops", "dev"], False),
        ("StringNotEquals", ["ops", "qa"], True),
        ("ForAnyValue:StringEquals", "dev", True),
    ],
)
def test_set_qualifiers(operator: str, request_value: object, expected: bool) -> None:
    values = ["dev*"] if "Like" in operator else ["dev", "test"]
    assert holds(operator, values, request_value, key="g:Tags") is expected


def test_all_conditions_must_hold_and_keys_ignore_case() -> None:
    policy = parse_policy(
        {
            "Version": "1.1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["obs:bucket:ListBucket"],
                    "Condition": {
                        "StringEquals": {"g:DomainName": ["acme"], "g:ProjectName": ["cn-north-4"]},
                        "StringStartWith": {"obs:prefix": ["public/"]},
                    },
                }
            ],
        }
    )
    context = {"G:DOMAINNAME": "acme", "g:projectname": "cn-north-4", "obs:Prefix": "public/a"}
    assert evaluate([policy], AuthzRequest("obs:bucket:ListBucket", context=context)) is Decision.ALLOW
    context["obs:Prefix"] = "private/a"
    assert (
        evaluate([policy], AuthzRequest("obs:bucket:ListBucket", context=context)) is Decision.IMPLICIT_DENY
    )
