"""The API-gateway event, the mapping of a function's answer, and which HTTP trigger serves a path."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from welkin.functions.triggers import apig
from welkin.functions.triggers.http_api import route
from welkin.functions.triggers.models import Trigger, TriggerStatus, TriggerType

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def call(path: str = "/api/items/7", body: bytes = b"") -> apig.HttpCall:
    headers = {"content-type": "application/json", "authorization": "SDK-HMAC-SHA256 secret", "x-a": "1,2"}
    return apig.HttpCall("POST", path, "/api", headers, {"q": "x"}, body, "10.0.0.1")


def test_event_carries_the_request_and_hides_credentials() -> None:
    event = json.loads(apig.event(call(body=b'{"a": 1}'), "api1", "RELEASE", "req-1"))
    assert event["httpMethod"] == "POST"
    assert (event["path"], event["resource"]) == ("/api/items/7", "/api")
    assert event["pathParameters"] == {"proxy": "items/7"}
    assert event["queryStringParameters"] == {"q": "x"}
    assert event["headers"] == {"content-type": "application/json", "x-a": "1,2"}
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b'{"a": 1}'
    assert event["requestContext"]["requestId"] == "req-1"
    assert event["requestContext"]["sourceIp"] == "10.0.0.1"


def test_an_empty_body_is_not_encoded() -> None:
    event = json.loads(apig.event(call("/api"), "api1", "RELEASE", "r"))
    assert (event["body"], event["isBase64Encoded"], event["pathParameters"]) == ("", False, {})


def test_answers_map_back() -> None:
    plain = apig.answer(json.dumps({"statusCode": 201, "headers": {"X-Id": 5}, "body": "made"}).encode())
    assert (plain.status, plain.headers, plain.body) == (201, {"X-Id": "5"}, b"made")
    binary = apig.answer(json.dumps({"statusCode": 200, "body": "AAE=", "isBase64Encoded": True}).encode())
    assert binary.body == b"\x00\x01"
    latin = apig.answer(json.dumps({"statusCode": 200, "headers": {"x-city": "Zürich"}}).encode())
    assert latin.headers == {"x-city": "Zürich"}
    framing = apig.answer(json.dumps({"statusCode": 204, "headers": {"Content-Length": "9"}}).encode())
    assert (framing.headers, framing.body) == ({}, b"")


@pytest.mark.parametrize(
    "result",
    [b"not json", b"[1]", b'{"body": "x"}', b'{"statusCode": "200"}', b'{"statusCode": 99}',
     b'{"statusCode": true}', b'{"statusCode": 200, "body": {"a": 1}}',
     b'{"statusCode": 200, "headers": [1]}', b'{"statusCode": 200, "headers": {"a": "b\\r\\nc: d"}}',
     b'{"statusCode": 200, "headers": {"a": null}}', b'{"statusCode": 200, "isBase64Encoded": 1}',
     b'{"statusCode": 200, "body": "!!", "isBase64Encoded": true}',
     '{"statusCode": 200, "headers": {"x-name": "\u5f20\u4e09"}}'.encode()],
)  # fmt: skip
def test_malformed_answers(result: bytes) -> None:
    with pytest.raises(apig.MalformedResult):
        apig.answer(result)


def trigger(path: str, method: str = "ANY", match: str = "NORMAL", name: str = "f") -> Trigger:
    data: dict[str, Any] = {"path": path, "req_method": method, "match_mode": match}
    return Trigger(
        name,
        "fid",
        "acct",
        "proj",
        "default",
        name,
        None,
        TriggerType.APIG,
        TriggerStatus.ACTIVE,
        data,
        NOW,
        NOW,
    )


def test_routes_prefer_exact_then_longest_prefix() -> None:
    found = [
        trigger("/", match="SWA", name="root"),
        trigger("/api", match="SWA", name="api"),
        trigger("/api/items", match="SWA", name="items"),
        trigger("/api/items/7", method="GET", name="seven"),
    ]
    assert route(found, "/api/items/7", "GET") is found[3]
    assert route(found, "/api/items/7", "POST") is found[2]
    assert route(found, "/api/other", "GET") is found[1]
    assert route(found, "/apix", "GET") is found[0]
    assert route(found[1:], "/apix", "GET") is None


def test_normal_match_is_exact() -> None:
    assert route([trigger("/hello")], "/hello/more", "GET") is None
    assert route([trigger("/hello", method="POST")], "/hello", "GET") is None
