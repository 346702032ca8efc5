"""HTTP triggers on Welkin's port: ``{method} /_apig/{project_id}{path}`` runs the function.

The trigger is found by project, path and method: an exact (NORMAL) path wins over a
prefix (SWA) one, and a longer prefix over a shorter. Auth ``NONE`` lets anyone in;
``IAM`` takes a signed request or an ``X-Auth-Token`` of the function's account that
IAM allows ``functiongraph:function:invoke`` on the function. The function's answer
is mapped back (see ``apig.py``); a failed or malformed one is a 502 in
FunctionGraph's error format.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from welkin.core import errors
from welkin.core.http import client_ip, read_body
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
        request = Request(scope, receive)
        response = await self.serve(request)
        await response(scope, receive, send)

    async def serve(self, request: Request) -> Response:
        # The decoded path from the scope: building request.url costs more than the routing.
        project_id, _, rest = request.scope["path"].removeprefix(HTTP_PREFIX + "/").partition("/")
        path = "/" + rest.rstrip("/")
        method = request.method
        trigger = route(await self._routes.of_project(project_id), path, method)
        if trigger is None or not trigger.active:
            raise errors.NotFound(f"No HTTP trigger serves {method} {path} in project {project_id}.")
        if trigger.event_data["auth"] == "IAM":
            await self._authorize(request, trigger)
        body = await read_body(request, MAX_BODY)
        request_id = request.scope.get("state", {}).get("request_id") or new_request_id()
        headers: dict[str, str] = {}
        for name, value in request.headers.items():
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        call = apig.HttpCall(
            method,
            path,
            trigger.event_data["path"],
            headers,
            dict(request.query_params),
            body,
            client_ip(request),
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
        headers = {**answer.headers, "X-Cff-Request-Id": result.request_id}
        return Response(answer.body, status_code=answer.status, headers=headers)

    async def _authorize(self, request: Request, trigger: Trigger) -> None:
        principal = await self._api.caller(request)
        if principal.account_id != trigger.account_id:
            raise errors.AccessDenied("This HTTP trigger takes credentials of the function's account only.")
        name = f"{trigger.package}/{trigger.function_name}"
        resource = f"functiongraph:{self._region}:{trigger.project_id}:function:{name}"
        await self._permissions.authorize(principal, actions.FGS_INVOKE, resource)
