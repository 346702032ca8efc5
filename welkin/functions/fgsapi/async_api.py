"""Asynchronous invocation settings and status: the async-invoke-config endpoints and
ListAsyncInvocations. Settings are per function (any qualifier in the URN names the same)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.core import errors
from welkin.core.body import Body
from welkin.functions.async_models import (
    DEFAULT_MAX_AGE_S,
    DEFAULT_RETRIES,
    AsyncConfig,
    AsyncInvocation,
    AsyncStatus,
    Destination,
)
from welkin.functions.async_queue import AsyncQueue
from welkin.functions.fgsapi.context import FgsContext
from welkin.functions.fgsapi.functions import FUNCTION, _number
from welkin.functions.fgsapi.render import when
from welkin.functions.service import FunctionRegistry
from welkin.functions.urns import FunctionRef, function_urn
from welkin.iam import actions

CONFIG = FUNCTION + "/async-invoke-config"
MAX_LIST = 100


def _destination(body: Body | None, which: str) -> Destination | None:
    if body is None:
        return None
    destination = body.str("destination", 32)
    param = body.opt_str("param", 4096) or ""
    body.done()
    return Destination.parse(destination, param, which)


def _render_destination(destination: Destination | None) -> dict[str, str] | None:
    return (
        None if destination is None else {"destination": destination.kind.value, "param": destination.param}
    )


def _time(moment: Any) -> str | None:
    return when(moment) if moment is not None else None


class AsyncHandlers:
    def __init__(self, ctx: FgsContext, registry: FunctionRegistry, queue: AsyncQueue) -> None:
        self.ctx = ctx
        self.registry = registry
        self.queue = queue

    def routes(self) -> list[Route]:
        return [
            Route(CONFIG, self.update, methods=["PUT"], name="UpdateFunctionAsyncInvokeConfig"),
            Route(CONFIG, self.show, methods=["GET"], name="ShowFunctionAsyncInvokeConfig"),
            Route(CONFIG, self.delete, methods=["DELETE"], name="DeleteFunctionAsyncInvokeConfig"),
            Route(CONFIG + "s", self.list_configs, methods=["GET"], name="ListFunctionAsyncInvokeConfig"),
            Route(
                FUNCTION + "/async-invocations",
                self.invocations,
                methods=["GET"],
                name="ListAsyncInvocations",
            ),
            Route(FUNCTION + "/cancel", self.cancel, methods=["POST"], name="CancelAsyncInvocation"),
        ]

    def _render(self, project_id: str, ref: FunctionRef, config: AsyncConfig) -> dict[str, Any]:
        return {
            "func_urn": function_urn(self.registry.region, project_id, ref.package, ref.name),
            "max_async_event_age_in_seconds": config.max_event_age_s,
            "max_async_retry_attempts": config.max_retry_attempts,
            "destination_config": {
                "on_success": _render_destination(config.on_success),
                "on_failure": _render_destination(config.on_failure),
            },
            "created_time": _time(config.created_at),
            "last_modified": _time(config.last_modified),
            "enable_async_status_log": False,
        }

    async def update(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        await self.registry.show(
            scope, ref, actions.FGS_UPDATE_CONFIG
        )  # 404 for a function that is not there
        body = await self.ctx.body(request)
        destinations = body.opt_obj("destination_config")
        on_success = on_failure = None
        if destinations is not None:
            on_success = _destination(destinations.opt_obj("on_success"), "destination_config.on_success")
            on_failure = _destination(destinations.opt_obj("on_failure"), "destination_config.on_failure")
            destinations.done()
        config = AsyncConfig(
            max_retry_attempts=_or(body.opt_int("max_async_retry_attempts", 0, 8), DEFAULT_RETRIES),
            max_event_age_s=_or(
                body.opt_int("max_async_event_age_in_seconds", 0, 1 << 31), DEFAULT_MAX_AGE_S
            ),
            on_success=on_success,
            on_failure=on_failure,
        )
        if body.opt_bool("enable_async_status_log"):
            raise errors.InvalidArgument(
                "enable_async_status_log (status logs in LTS) is not supported by Welkin."
            )
        body.ignore("log_group_id", "log_stream_id", "log_group_name", "log_stream_name")
        body.done()
        saved = await self.queue.set_config(scope.project.id, ref, config)
        return JSONResponse(self._render(scope.project.id, ref, saved))

    async def show(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        await self.registry.show(scope, ref, actions.FGS_GET_CONFIG)
        config = await self.queue.config(scope.project.id, ref)
        if config is None:
            raise errors.NotFound(
                f"Function {ref.package}/{ref.name} has no asynchronous invocation settings."
            )
        return JSONResponse(self._render(scope.project.id, ref, config))

    async def delete(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        await self.registry.show(scope, ref, actions.FGS_UPDATE_CONFIG)
        if not await self.queue.delete_config(scope.project.id, ref):
            raise errors.NotFound(
                f"Function {ref.package}/{ref.name} has no asynchronous invocation settings."
            )
        return Response(status_code=204)

    async def list_configs(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        await self.registry.show(scope, ref, actions.FGS_GET_CONFIG)
        config = await self.queue.config(scope.project.id, ref)
        found = [self._render(scope.project.id, ref, config)] if config is not None else []
        page = {"next_marker": len(found), "previous_marker": 0, "current_count": len(found)}
        return JSONResponse({"async_invoke_configs": found, "count": len(found), "page_info": page})

    async def invocations(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        await self.registry.show(scope, ref, actions.FGS_GET_CONFIG)
        query = request.query_params
        status_text = query.get("status") or None
        try:
            status = AsyncStatus(status_text) if status_text else None
        except ValueError:
            served = ", ".join(s.value for s in AsyncStatus)
            raise errors.InvalidArgument(f"status must be one of {served}.") from None
        offset = _number(query.get("marker"), "marker", 0)
        limit = min(MAX_LIST, _number(query.get("limit"), "limit", MAX_LIST)) or MAX_LIST
        found, total = await self.queue.invocations(
            scope.project.id, ref, query.get("request_id") or None, status, offset, limit
        )
        return JSONResponse(
            {
                "invocations": [_invocation(item) for item in found],
                "count": total,
                "next_marker": offset + len(found),
            }
        )

    async def cancel(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        # Whoever may run the function may call its queued runs off.
        await self.registry.show(scope, ref, actions.FGS_INVOKE)
        body = await self.ctx.body(request)
        request_id = body.str("request_id", 64)
        # How to stop a running invocation; one that runs cannot be cancelled here.
        if body.opt_str("type", 16) not in (None, "recursive", "force"):
            raise errors.InvalidArgument("type must be recursive or force.")
        body.done()
        await self.queue.cancel(scope.project.id, ref, request_id)
        return JSONResponse(None)


def _invocation(item: AsyncInvocation) -> dict[str, Any]:
    return {
        "request_id": item.request_id,
        "status": item.status.value,
        "error_message": item.error_message,
        "error_code": item.error_code,
        "start_time": _time(item.started_at or item.created_at),
        "end_time": _time(item.ended_at),
        "attempts": item.attempts,
        "source": item.source,
    }


def _or(value: int | None, default: int) -> int:
    return default if value is None else value
