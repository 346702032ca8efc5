"""The API-gateway event a function receives from an HTTP trigger, and its answer mapped back.

The event is FunctionGraph's APIG event (``httpMethod``, ``path``, ``headers``,
``queryStringParameters``, ``pathParameters``, ``body``, ``isBase64Encoded``,
``requestContext``). The body always travels base64-encoded, as FunctionGraph sends
it, so binary bodies survive; handlers decode it when ``isBase64Encoded`` is true.

The function must answer ``{"statusCode": int, "headers": {str: str}, "body": str,
"isBase64Encoded": bool}`` (only ``statusCode`` required); anything else is a
``MalformedResult``, which the edge turns into a 502.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Credentials that authenticated the caller to Welkin are not the function's to see.
_HIDDEN_HEADERS = frozenset({"authorization", "x-auth-token", "x-security-token"})
# Framing is the server's business, not the function's.
_HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


class MalformedResult(Exception):
    """The function's answer is not an API-gateway response."""


@dataclass(frozen=True)
class HttpCall:
    method: str
    path: str  # the path after /_apig/{project_id}
    resource: str  # the trigger's path
    headers: Mapping[str, str]  # lower-case names, repeated values joined by ","
    query: Mapping[str, str]
    body: bytes
    source_ip: str


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


def event(call: HttpCall, api_id: str, stage: str, request_id: str) -> bytes:
    proxy = call.path[len(call.resource) :].lstrip("/")
    document = {
        "httpMethod": call.method,
        "path": call.path,
        "resource": call.resource,
        "headers": {k: v for k, v in call.headers.items() if k not in _HIDDEN_HEADERS},
        "queryStringParameters": dict(call.query),
        "pathParameters": {"proxy": proxy} if proxy else {},
        "body": base64.b64encode(call.body).decode() if call.body else "",
        "isBase64Encoded": bool(call.body),
        "requestContext": {
            "apiId": api_id,
            "requestId": request_id,
            "stage": stage,
            "httpMethod": call.method,
            "path": call.path,
            "sourceIp": call.source_ip,
        },
    }
    return json.dumps(document).encode()


def answer(result_body: bytes) -> HttpAnswer:
    try:
        document: Any = json.loads(result_body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedResult("the function's result is not JSON") from None
    if not isinstance(document, dict):
        raise MalformedResult("the function's result must be an object with a statusCode")
    status = document.get("statusCode")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedResult("statusCode must be an HTTP status, a whole number from 100 to 599")
    return HttpAnswer(status, _headers(document.get("headers")), _body(document))


def _headers(raw: object) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(k, str) for k in raw):
        raise MalformedResult("headers must be an object of header names to strings")
    headers: dict[str, str] = {}
    for name, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise MalformedResult(f"header {name!r} must be a string")
        if any(c in name + str(value) for c in "\r\n"):
            raise MalformedResult(f"header {name!r} holds a line break")
        if not (name + str(value)).isascii() and not _latin1(name + str(value)):
            raise MalformedResult(f"header {name!r} holds characters HTTP headers cannot carry")
        if name.lower() not in _HOP_BY_HOP:
            headers[name] = str(value)
    return headers


def _body(document: dict[str, Any]) -> bytes:
    body = document.get("body", "")
    encoded = document.get("isBase64Encoded", False)
    if not isinstance(encoded, bool):
        raise MalformedResult("isBase64Encoded must be true or false")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResult("body must be a string (serialize JSON bodies with json.dumps)")
    if not encoded:
        return body.encode()
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error:
        raise MalformedResult("body is marked isBase64Encoded but is not base64") from None


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True
