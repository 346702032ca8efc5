"""CORS rule matching: origins and headers with wildcards, methods, first rule wins."""

from __future__ import annotations

import pytest

from welkin.obs import errors
from welkin.obs.cors import CorsRule, dump_rules, find_rule, load_rules

RULES = (
    CorsRule(("https://*.example.com",), ("GET", "PUT"), ("x-amz-*",), ("ETag",), 60, "app"),
    CorsRule(("*",), ("HEAD",)),
)


def test_origin_wildcard_and_method() -> None:
    answer = find_rule(RULES, "https://a.example.com", "PUT")
    assert answer is not None
    assert answer.rule.id == "app"
    assert find_rule(RULES, "http://a.example.com", "PUT") is None
    assert find_rule(RULES, "https://a.example.com", "DELETE") is None


def test_requested_headers_must_all_be_allowed() -> None:
    assert find_rule(RULES, "https://a.example.com", "GET", ["x-amz-date", "X-Amz-Meta-A"]) is not None
    assert find_rule(RULES, "https://a.example.com", "GET", ["x-amz-date", "authorization"]) is None


def test_preflight_headers() -> None:
    answer = find_rule(RULES, "https://a.example.com", "GET", ["x-amz-date"])
    assert answer is not None
    headers = answer.headers("GET", ["x-amz-date"], preflight=True)
    assert headers["Access-Control-Allow-Origin"] == "https://a.example.com"
    assert headers["Access-Control-Allow-Headers"] == "x-amz-date"
    assert headers["Access-Control-Max-Age"] == "60"
    anyone = find_rule(RULES, "https://other.test", "HEAD")
    assert anyone is not None
    assert anyone.headers("HEAD", [], preflight=False)["Access-Control-Allow-Origin"] == "*"


def test_rules_round_trip() -> None:
    assert load_rules(dump_rules(RULES)) == RULES


@pytest.mark.parametrize(
    ("origins", "methods"), [(("*",), ("PATCH",)), (("https://*.*.com",), ("GET",)), ((), ("GET",))]
)
def test_invalid_rules(origins: tuple[str, ...], methods: tuple[str, ...]) -> None:
    with pytest.raises((errors.InvalidRequest, errors.MalformedXML)):
        CorsRule(origins, methods)
