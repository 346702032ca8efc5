"""HTTP plumbing every protocol edge shares.

- ``RequestIdMiddleware`` (outermost): gives each request an id, returns it in
  ``X-Request-Id``, and turns anything unexpected into a 500 that carries the id and
  no traceback (the traceback goes to the log).
- ``ErrorBoundary``: wraps one protocol's routes and renders ``WelkinError`` in that
  protocol's wire format.
- ``read_json``: reads a body once, in chunks, refusing oversize ones early.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from welkin.core import errors
from welkin.core.ids import new_request_id

log = logging.getLogger("welkin.http")

ErrorRenderer = Callable[[errors.WelkinError, str], Response]


def request_id(scope: Scope) -> str:
    return str(scope.get("state", {}).get("request_id", ""))


def huawei_error(error: errors.WelkinError, req_id: str) -> Response:
    """Huawei's service error body, which its SDKs parse into error_code/error_msg."""
    body = {"error_code": error.code, "error_msg": error.message, "request_id": req_id}
    return JSONResponse(body, status_code=error.status)


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        req_id = new_request_id()
        scope.setdefault("state", {})["request_id"] = req_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", req_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error in %s %s (request %s)", scope["method"], scope["path"], req_id)
            if started:
                raise
            error = errors.WelkinError(f"Internal error; quote request id {req_id} when reporting it.")
            await huawei_error(error, req_id)(scope, receive, send_with_id)


class ErrorBoundary:
    """Renders domain errors raised below it with ``render``."""

    def __init__(self, app: ASGIApp, render: ErrorRenderer) -> None:
        self.app = app
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        # Inside an "app", Starlette's routes raise HTTPException for a wrong method
        # instead of answering in plain text, so the protocol's format can be used.
        scope.setdefault("app", self.app)

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except errors.WelkinError as error:
            if started:
                raise
            await self.render(error, request_id(scope))(scope, receive, send)
        except HTTPException as exc:
            if started or exc.status_code != 405:
                raise
            allowed = next((v for k, v in (exc.headers or {}).items() if k.lower() == "allow"), "")
            refusal = errors.MethodNotAllowed(
                f"{scope['method']} is not allowed on {scope['path']}; use {allowed}."
            )
            response = self.render(refusal, request_id(scope))
            response.headers["Allow"] = allowed
            await response(scope, receive, send)


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise errors.InvalidArgument("Content-Length must be a non-negative integer.")
        if int(declared) > limit:
            raise errors.RequestTooLarge(f"The request body may be at most {limit} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise errors.RequestTooLarge(f"The request body may be at most {limit} bytes.")
        chunks.append(chunk)
    body = b"".join(chunks)
    # Starlette serves request.body() from here afterwards.
    request._body = body
    return body


def parse_json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.MalformedBody(f"The request body is not valid JSON: {exc}.") from exc
    if not isinstance(value, dict):
        raise errors.MalformedBody("The request body must be a JSON object.")
    return value


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


class PrefixDispatcher:
    """Sends each request to the app owning the longest matching path prefix.

    Each protocol keeps routes with full paths and its own error format; anything
    else (lifespan events included) goes to ``default``.
    """

    def __init__(self, apps: dict[str, ASGIApp], default: ASGIApp) -> None:
        self.apps = sorted(apps.items(), key=lambda item: -len(item[0]))
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            for prefix, app in self.apps:
                if path == prefix or path.startswith(prefix + "/"):
                    await app(scope, receive, send)
                    return
        await self.default(scope, receive, send)
