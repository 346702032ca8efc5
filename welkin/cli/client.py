"""A small HTTP client for Welkin's APIs: X-Auth-Token or Huawei SDK-HMAC-SHA256 signatures."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

import httpx

ALGORITHM = "SDK-HMAC-SHA256"
_UNRESERVED = "-_.~"


class ApiError(Exception):
    """The server refused or failed a request; ``status`` 0 means it could not be reached."""

    def __init__(self, status: int, message: str, code: str = "", request_id: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.request_id = request_id

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}" if self.code else self.message
        return f"{text} (request id {self.request_id})" if self.request_id else text


@dataclass(frozen=True)
class Credentials:
    """Either a token or an access key pair (with an optional security token)."""

    token: str | None = None
    access_key: str | None = None
    secret_key: str | None = None


def _canonical_uri(path: str) -> str:
    segments = unquote(path).split("/")
    uri = "/".join(quote(segment, safe=_UNRESERVED) for segment in segments)
    return uri if uri.endswith("/") else uri + "/"


def _canonical_query(query: str) -> str:
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    return "&".join(f"{quote(k, safe=_UNRESERVED)}={quote(v, safe=_UNRESERVED)}" for k, v in pairs)


def sign(request: httpx.Request, access_key: str, secret_key: str, now: datetime | None = None) -> None:
    """Sign ``request`` in place the way huaweicloudsdkcore does (SDK-HMAC-SHA256)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    request.headers["X-Sdk-Date"] = stamp
    names = ["host", "x-sdk-date"]
    if "content-type" in request.headers:
        names.append("content-type")
    names.sort()
    canonical_headers = "".join(f"{name}:{request.headers[name].strip()}\n" for name in names)
    signed = ";".join(names)
    payload = hashlib.sha256(request.content).hexdigest()
    canonical = "\n".join(
        [
            request.method.upper(),
            _canonical_uri(request.url.path),
            _canonical_query(request.url.query.decode("ascii")),
            canonical_headers,
            signed,
            payload,
        ]
    )
    string_to_sign = f"{ALGORITHM}\n{stamp}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signature = hmac.new(secret_key.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    request.headers["Authorization"] = (
        f"{ALGORITHM} Access={access_key}, SignedHeaders={signed}, Signature={signature}"
    )


def _error(response: httpx.Response) -> ApiError:
    request_id = response.headers.get("x-request-id", "")
    message, code = response.reason_phrase or f"HTTP {response.status_code}", ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        request_id = str(body.get("request_id") or request_id)
        inner = body.get("error")
        if isinstance(inner, dict):
            message = str(inner.get("message") or message)
            code = str(inner.get("error_code") or inner.get("code") or "")
        elif "error_msg" in body:
            message, code = str(body["error_msg"]), str(body.get("error_code") or "")
    return ApiError(response.status_code, message, code, request_id)


class Client:
    def __init__(self, endpoint: str, credentials: Credentials | None = None, timeout: float = 30) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.credentials = credentials or Credentials()
        self._http = httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Send one request; raise ApiError for any status >= 400 or when unreachable.

        ``content`` is a body sent as it is (an event already JSON), instead of ``json``.
        """
        request = self._http.build_request(
            method, self.endpoint + path, json=json, params=params, headers=headers, content=content
        )
        creds = self.credentials
        if creds.token:
            request.headers["X-Auth-Token"] = creds.token
        elif creds.access_key and creds.secret_key:
            sign(request, creds.access_key, creds.secret_key)
        try:
            response = self._http.send(request)
        except httpx.HTTPError as exc:
            raise ApiError(0, f"cannot reach {self.endpoint}: {exc}") from None
        if response.status_code >= 400:
            raise _error(response)
        return response

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        return self.request("GET", path, params=params).json()

    def post(self, path: str, body: Any = None) -> Any:
        response = self.request("POST", path, json=body)
        return response.json() if response.content else {}

    def put(self, path: str, body: Any = None) -> Any:
        response = self.request("PUT", path, json=body)
        return response.json() if response.content else {}

    def delete(self, path: str) -> None:
        self.request("DELETE", path)
