"""Trigger management: Create/List/Show/Update/Delete FunctionTrigger and BatchDeleteFunctionTriggers."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.core import errors
from welkin.functions.fgsapi.context import FgsContext
from welkin.functions.fgsapi.render import when
from welkin.functions.triggers.models import Trigger, TriggerStatus
from welkin.functions.triggers.service import TriggerService, trigger_type

TRIGGERS = "/v2/{project_id}/fgs/triggers/{function_urn}"
TRIGGER = TRIGGERS + "/{trigger_type_code}/{trigger_id}"
# Where HTTP triggers are served on Welkin's port. The underscore keeps it apart from
# S3's path-style buckets, whose names cannot hold one.
HTTP_PREFIX = "/_apig"


def http_path(project_id: str, path: str) -> str:
    return f"{HTTP_PREFIX}/{project_id}{'' if path == '/' else path}"


def render(request: Request, trigger: Trigger) -> dict[str, Any]:
    data = {**trigger.event_data, "triggerid": trigger.id}
    if trigger.type.is_http:
        base = str(request.base_url).rstrip("/")
        data.update(
            invoke_url=base + http_path(trigger.project_id, data["path"]),
            api_id=trigger.id.replace("-", ""),
            api_name=data["name"],
        )
    return {
        "trigger_id": trigger.id,
        "trigger_type_code": trigger.type.value,
        "trigger_status": trigger.status.value,
        "event_data": data,
        "last_updated_time": when(trigger.updated_at),
        "created_time": when(trigger.created_at),
    }


def _status(text: str | None, default: TriggerStatus) -> TriggerStatus:
    if text is None:
        return default
    try:
        return TriggerStatus(text)
    except ValueError:
        raise errors.InvalidArgument("trigger_status must be ACTIVE or DISABLED.") from None


class TriggerHandlers:
    def __init__(self, ctx: FgsContext, triggers: TriggerService) -> None:
        self.ctx = ctx
        self.triggers = triggers

    def routes(self) -> list[Route]:
        return [
            Route(TRIGGERS, self.create, methods=["POST"], name="CreateFunctionTrigger"),
            Route(TRIGGERS, self.list, methods=["GET"], name="ListFunctionTriggers"),
            Route(TRIGGERS, self.delete_all, methods=["DELETE"], name="BatchDeleteFunctionTriggers"),
            Route(TRIGGER, self.show, methods=["GET"], name="ShowFunctionTrigger"),
            Route(TRIGGER, self.update, methods=["PUT"], name="UpdateTrigger"),
            Route(TRIGGER, self.delete, methods=["DELETE"], name="DeleteFunctionTrigger"),
        ]

    async def create(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        body = await self.ctx.body(request)
        kind = trigger_type(body.str("trigger_type_code", 32))
        status = _status(body.opt_str("trigger_status", 16), TriggerStatus.ACTIVE)
        body.opt_str("event_type_code", 128)  # a label FunctionGraph's console sets; nothing to route on
        data = body.obj("event_data")
        body.done()
        made = await self.triggers.create(scope, ref, kind, status, data)
        return JSONResponse(render(request, made), status_code=201)

    async def list(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        found = await self.triggers.list(scope, self.ctx.ref(request, scope))
        return JSONResponse([render(request, t) for t in found])

    async def show(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        kind = trigger_type(request.path_params["trigger_type_code"])
        found = await self.triggers.show(scope, ref, kind, request.path_params["trigger_id"])
        return JSONResponse(render(request, found))

    async def update(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        kind = trigger_type(request.path_params["trigger_type_code"])
        body = await self.ctx.body(request)
        status = _status(body.str("trigger_status", 16), TriggerStatus.ACTIVE)
        if body.peek("event_data"):
            raise errors.InvalidArgument(
                "Only trigger_status can be changed; delete and re-create the trigger."
            )
        body.ignore("event_data")
        body.done()
        changed = await self.triggers.set_status(scope, ref, kind, request.path_params["trigger_id"], status)
        return JSONResponse(render(request, changed))

    async def delete(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        kind = trigger_type(request.path_params["trigger_type_code"])
        await self.triggers.delete(scope, ref, kind, request.path_params["trigger_id"])
        return Response(status_code=204)

    async def delete_all(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        await self.triggers.delete_all(scope, self.ctx.ref(request, scope))
        return Response(status_code=204)
