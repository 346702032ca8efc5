"""InvokeFunction and AsyncInvokeFunction, answered as FunctionGraph answers them.

A synchronous invocation is 200 whether or not the function succeeded, as on FunctionGraph:
the function's failure is in the body (``status`` 500, ``result`` the error object) and in
``X-Is-Func-Err``/``X-Func-Err-Code``. What the platform refuses is a FunctionGraph error:
404 FSS.1051, 403 (not allowed, disabled), 429 FSS.0429 (beyond the instance limits).

``X-CFF-Request-Version``: ``v1`` (the default here, and what the SDK reads) answers
``{"request_id", "result", "log", "status"}``, ``result`` being the function's return value as
JSON text; ``v0`` answers the return value itself. ``X-Cff-Log-Type: tail`` adds the last
2,000 bytes of the log base64-encoded in ``X-Cff-Function-Log``, and the last 4 KB as
text in the body's ``log``.
"""

from __future__ import annotations

import base64
import json
import math

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.core import errors
from welkin.core.http import read_body
from welkin.functions.fgsapi.context import FgsContext
from welkin.functions.fgsapi.functions import FUNCTION
from welkin.functions.invoker import Invoker, InvokeRequest
from welkin.functions.service import FunctionRegistry
from welkin.functions.spec import InvocationResult
from welkin.iam import actions

MAX_SYNC_EVENT = 6 << 20  # FunctionGraph's limits on a request's event
MAX_ASYNC_EVENT = 256 << 10
HEADER_LOG_BYTES = 2000
BODY_LOG_BYTES = 4096


def _event(raw: bytes) -> bytes:
    if not raw.strip():
        return b"{}"
    try:
        json.loads(raw)
    except ValueError:
        raise errors.MalformedBody("The event must be JSON.") from None
    return raw


def result_text(result: InvocationResult) -> str:
    """What the function returned as text, or FunctionGraph's error object for a failure."""
    if result.error is not None:
        error = {
            "errorCode": result.error.code,
            "errorMessage": result.error.message,
            "errorType": result.error.type or result.error.code,
            "stackTrace": result.error.traceback.splitlines(),
        }
        return json.dumps(error)
    if result.body_encoding == "json":
        return result.body.decode("utf-8", "replace")
    return base64.b64encode(result.body).decode()


class InvokeHandlers:
    def __init__(self, ctx: FgsContext, registry: FunctionRegistry, invoker: Invoker) -> None:
        self.ctx = ctx
        self.registry = registry
        self.invoker = invoker

    def routes(self) -> list[Route]:
        return [
            Route(FUNCTION + "/invocations", self.invoke, methods=["POST"], name="InvokeFunction"),
            Route(
                FUNCTION + "/invocations-async",
                self.invoke_async,
                methods=["POST"],
                name="AsyncInvokeFunction",
            ),
        ]

    async def invoke(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        await self.registry.authorize(scope, actions.FGS_INVOKE, ref.package, ref.name)
        event = _event(await read_body(request, MAX_SYNC_EVENT))
        version = request.headers.get("x-cff-request-version", "v1").lower()
        if version not in ("v0", "v1"):
            raise errors.InvalidArgument("X-CFF-Request-Version must be v0 or v1.")
        tail = request.headers.get("x-cff-log-type", "").lower() == "tail"
        result = await self.invoker.invoke(InvokeRequest(scope.project.id, ref, event, "api"))
        billed = max(1, math.ceil(result.duration_ms))
        summary = {
            "duration": round(result.duration_ms, 3),
            "billingDuration": billed,
            "memorySize": result.billed_memory_mb,
            "coldStart": result.cold_start,
            "initDuration": round(result.init_duration_ms or 0.0, 3),
        }
        headers = {
            "X-Cff-Request-Id": result.request_id,
            "X-Cff-Invoke-Summary": json.dumps(summary),
            "X-Cff-Billing-Duration": str(billed),
            "X-Cff-Response-Version": version,
            "X-Func-Err-Code": result.error.code if result.error is not None else "0",
            "X-Is-Func-Err": "true" if result.error is not None else "false",
        }
        if tail:
            headers["X-Cff-Function-Log"] = base64.b64encode(result.log[-HEADER_LOG_BYTES:]).decode()
        text = result_text(result)
        if version == "v0":
            return Response(text, media_type="application/json", headers=headers)
        body = {
            "request_id": result.request_id,
            "result": text,
            "log": result.log_tail(BODY_LOG_BYTES).decode("utf-8", "replace") if tail else "",
            "status": 200 if result.error is None else 500,
        }
        return JSONResponse(body, headers=headers)

    async def invoke_async(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        await self.registry.authorize(scope, actions.FGS_INVOKE, ref.package, ref.name)
        event = _event(await read_body(request, MAX_ASYNC_EVENT))
        request_id = await self.invoker.invoke_async(InvokeRequest(scope.project.id, ref, event, "async"))
        return JSONResponse(
            {"request_id": request_id}, status_code=202, headers={"X-Cff-Request-Id": request_id}
        )
