"""Recent invocation logs of a function: Welkin's endpoint (FunctionGraph keeps logs in LTS,
which Welkin does not serve), read by ``welkin fn logs``.

``GET /v2/{project_id}/fgs/functions/{function_urn}/welkin-logs?limit=&after=&request_id=``
answers ``{"logs": [{"seq", "request_id", "version", "source", "time", "duration",
"status", "error_code", "log", "truncated"}], "next": seq}``, oldest first; a follower asks
again with ``after`` set to ``next``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.functions.fgsapi.context import FgsContext
from welkin.functions.fgsapi.functions import FUNCTION, _number
from welkin.functions.fgsapi.render import when
from welkin.functions.invocation_logs import InvocationLogs
from welkin.functions.service import FunctionRegistry
from welkin.functions.urns import function_urn
from welkin.iam import actions

MAX_LOGS = 200


class LogHandlers:
    def __init__(self, ctx: FgsContext, registry: FunctionRegistry, logs: InvocationLogs) -> None:
        self.ctx = ctx
        self.registry = registry
        self.logs = logs

    def routes(self) -> list[Route]:
        return [Route(FUNCTION + "/welkin-logs", self.recent, methods=["GET"], name="WelkinFunctionLogs")]

    async def recent(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        await self.registry.show(scope, ref, actions.FGS_GET_CONFIG)
        query = request.query_params
        limit = min(MAX_LOGS, _number(query.get("limit"), "limit", 20))
        after = _number(query.get("after"), "after", 0)
        urn = function_urn(self.registry.region, scope.project.id, ref.package, ref.name)
        found = await self.logs.recent(urn, limit, after, query.get("request_id") or None)
        return JSONResponse(
            {
                "logs": [
                    {
                        "seq": e.seq,
                        "request_id": e.request_id,
                        "version": e.version,
                        "source": e.source,
                        "time": when(e.at),
                        "duration": round(e.duration_ms, 3),
                        "status": e.status,
                        "error_code": e.error_code,
                        "log": e.text,
                        "truncated": e.truncated,
                    }
                    for e in found
                ],
                "next": found[-1].seq if found else after,
            }
        )
