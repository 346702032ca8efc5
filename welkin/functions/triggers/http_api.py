"""HTTP triggers on Welkin's port: ``{method} /_apig/{project_id}{path}`` runs the function.

The trigger is found by project, path and method: an exact (NORMAL) path wins over a
prefix (SWA) one, and a longer prefix over a shorter. Auth ``NONE`` lets anyone in;
``IAM`` takes a signed request or an ``X-Auth-Token`` of the function's account that
IAM allows ``functiongraph:function:invoke`` on the function. The function's answer
is mapped back (see ``apig.py``); a failed or malformed one is a 502 in
FunctionGraph's error format.

A function's page is served on the console's origin, so every answer is sandboxed: its
scripts run, but in an origin of their own, which cannot read the console or send it the
visitor's cookies.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive, Scope, Send

from welkin.core import errors
from welkin.core.http import read_body
from welkin.core.ids import new_request_id
from welkin.functions.errors import BadGateway
from welkin.functions.fgsapi.triggers import HTTP_PREFIX
from welkin.functions.invoker import InvokeRequest
from welkin.functions.triggers import apig
from welkin.functions.triggers.invoking import Invoking
from welkin.functions.triggers.models import Trigger
from welkin.functions.triggers.routes import HttpRoutes
from welkin.iam import actions
from welkin.iam.api.context import ApiContext
from welkin.iam.permissions import PermissionService

# Everything a web page may do but be same-origin with the region (and so with its console).
SANDBOX = b"sandbox allow-scripts allow-forms allow-popups allow-downloads allow-modals"

log = logging.getLogger("welkin.functions.http")

MAX_BODY = 6 << 20  # FunctionGraph's limit for a synchronous request


def is_http_trigger_path(path: str) -> bool:
    return path.startswith(HTTP_PREFIX + "/")


def route(triggers: list[Trigger], path: str, method: str) -> Trigger | None:
    """The trigger serving ``method path`` among a project's HTTP triggers, if any."""
    best: tuple[int, int] | None = None
    chosen = None
    for trigger in triggers:
        data = trigger.event_data
        if data["req_method"] not in ("ANY", method):
            continue
        base = data["path"]
        exact = path == base
        prefix = data["match_mode"] == "SWA" and (base == "/" or path.startswith(base + "/"))
        if not (exact or prefix):
            continue
        rank = (1 if exact else 0, len(base))
        if best is None or rank > best:
            best, chosen = rank, trigger
    return chosen


class HttpTriggers:
    def __init__(self, routes: HttpRoutes, region: str, api: ApiContext, invoker: Invoking) -> None:
        self._routes = routes
        self._region = region
        self._api = api
        self._permissions: PermissionService = api.iam.permissions
        self._invoker = invoker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Plain ASGI rather than Starlette's Request and Response: this is every warm call's
        # path, and those objects cost more than the routing and the event together.
        project_id, _, rest = scope["path"].removeprefix(HTTP_PREFIX + "/").partition("/")
        path = "/" + rest.rstrip("/")
        method = scope["method"]
        trigger = route(await self._routes.of_project(project_id), path, method)
        if trigger is None or not trigger.active:
            raise errors.NotFound(f"No HTTP trigger serves {method} {path} in project {project_id}.")
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        if trigger.event_data["auth"] == "IAM":
            request = Request(scope, receive)
            await self._authorize(request, trigger)  # may read the body to check a signature
            body = await read_body(request, MAX_BODY)
        else:
            body = await _read_body(headers, receive)
        request_id = scope.get("state", {}).get("request_id") or new_request_id()
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        client = scope.get("client")
        call = apig.HttpCall(
            method, path, trigger.event_data["path"], headers, query, body, client[0] if client else ""
        )
        stage = trigger.event_data.get("env_name") or "RELEASE"
        event = apig.event(call, trigger.id.replace("-", ""), stage, request_id)
        result = await self._invoker.invoke(InvokeRequest(project_id, trigger.ref, event, "http", request_id))
        if result.error is not None:
            raise BadGateway(f"The function failed: {result.error.code}: {result.error.message}")
        try:
            answer = apig.answer(result.body)
        except apig.MalformedResult as exc:
            raise BadGateway(f"The function's answer is not an HTTP response: {exc}.") from None
        raw = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in answer.headers.items()
        ]
        raw.append((b"x-cff-request-id", result.request_id.encode("latin-1")))
        raw.append((b"content-security-policy", SANDBOX))
        raw.append((b"content-length", str(len(answer.body)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": raw})
        await send({"type": "http.response.body", "body": answer.body})

    async def _authorize(self, request: Request, trigger: Trigger) -> None:
        principal = await self._api.caller(request)
        if principal.account_id != trigger.account_id:
            raise errors.AccessDenied("This HTTP trigger takes credentials of the function's account only.")
        name = f"{trigger.package}/{trigger.function_name}"
        resource = f"functiongraph:{self._region}:{trigger.project_id}:function:{name}"
        await self._permissions.authorize(principal, actions.FGS_INVOKE, resource)


async def _read_body(headers: dict[str, str], receive: Receive) -> bytes:
    declared = headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise errors.InvalidArgument("Content-Length must be a non-negative integer.")
        if int(declared) > MAX_BODY:
            raise errors.RequestTooLarge(f"The request body may be at most {MAX_BODY} bytes.")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()  # as Starlette's own body reader does
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise errors.RequestTooLarge(f"The request body may be at most {MAX_BODY} bytes.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
