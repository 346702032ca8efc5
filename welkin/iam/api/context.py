"""What every IAM (and later every Huawei-style) endpoint shares: who is calling,
the body, and the audit record of each change."""

from __future__ import annotations

import hashlib
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from welkin.core import errors
from welkin.core.body import Body
from welkin.core.clock import Clock
from welkin.core.http import client_ip, parse_json_object, read_body, request_id
from welkin.iam.models import AuditEvent, Principal
from welkin.iam.service import Iam
from welkin.iam.signatures import HttpRequestView

_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def request_view(request: Request, body: bytes | None) -> HttpRequestView:
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    return HttpRequestView(
        method=request.method,
        raw_path=raw_path.decode("latin-1").split("?", 1)[0],
        raw_query=request.scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body_sha256=hashlib.sha256(body).hexdigest() if body is not None else None,
    )


class ApiContext:
    def __init__(self, iam: Iam, max_body: int) -> None:
        self.iam = iam
        self.max_body = max_body

    async def caller(self, request: Request) -> Principal:
        """Authenticate by X-Auth-Token or by a signature; remember who for the audit log."""
        token = request.headers.get("x-auth-token")
        if token:
            principal = await self.iam.authn.principal_from_token(token)
        else:
            body = await read_body(request, self.max_body)
            project_id = request.headers.get("x-project-id")
            found = await self.iam.authn.principal_from_signature(request_view(request, body), project_id)
            if found is None:
                raise errors.MissingAuthentication("Authenticate with X-Auth-Token or a signed request.")
            principal = found
        request.scope.setdefault("state", {})["principal"] = principal
        return principal

    async def body(self, request: Request) -> Body:
        return Body(parse_json_object(await read_body(request, self.max_body)))

    async def wrapped(self, request: Request, key: str) -> Body:
        """The object under ``key`` of a body such as ``{"user": {...}}``; nothing else allowed."""
        outer = await self.body(request)
        inner = outer.obj(key)
        outer.done()
        return inner


def keystone_error(error: errors.WelkinError, req_id: str) -> Response:
    """Keystone's error body (``/v3`` APIs); the SDK reads code and message from it."""
    title = HTTPStatus(error.status).phrase
    body = {
        "error": {"code": error.status, "title": title, "message": error.message, "error_code": error.code},
        "request_id": req_id,
    }
    return JSONResponse(body, status_code=error.status)


def route_not_found(kind: str) -> Any:
    async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
        raise errors.NotFound(f"No {kind} API at {scope['method']} {scope['path']}.")

    return not_found


class AuditMiddleware:
    """Records every mutating call that reached an authenticated endpoint."""

    def __init__(
        self, app: ASGIApp, iam: Iam, clock: Clock, service: str, data_plane: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.iam = iam
        self.clock = clock
        self.service = service
        self.data_plane = data_plane  # route names recorded with AuditLog.record_soon

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _SAFE:
            await self.app(scope, receive, send)
            return
        status = 500
        recorded = False

        async def capture(message: Message) -> None:
            nonlocal status, recorded
            if message["type"] == "http.response.start":
                status = message["status"]
                # Written before the caller has the answer, so that their next request (the
                # console's audit page, say) finds it.
                recorded = True
                await self._record(scope, status)
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except errors.WelkinError as exc:
            # The error boundary outside turns this into the response; record its status, not 500.
            status = exc.status
            raise
        finally:
            if not recorded:
                await self._record(scope, status)

    async def _record(self, scope: Scope, status: int) -> None:
        principal: Principal | None = scope.get("state", {}).get("principal")
        if principal is None:
            return
        route: BaseRoute | None = scope.get("route")
        action = getattr(route, "name", "") or ""
        event = AuditEvent(
            account_id=principal.account_id,
            user_id=principal.user_id,
            user_name=principal.user_name,
            service=self.service,
            action=action,
            resource=scope["path"],
            method=scope["method"],
            path=scope["path"],
            status=status,
            source_ip=client_ip(Request(scope)),
            request_id=request_id(scope),
            at=self.clock.now(),
        )
        if action in self.data_plane:
            self.iam.audit.record_soon(event)
        else:
            await self.iam.audit.record(event)
