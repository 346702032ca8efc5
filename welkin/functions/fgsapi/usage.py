"""Quotas and statistics.

Statistics of invocations come with the invoker; until then every figure is a true
zero (nothing can have been invoked), reported as one point at the time of asking.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.core.clock import Clock
from welkin.functions import rules
from welkin.functions.fgsapi.context import FgsContext
from welkin.functions.service import CODE_SPACE_MB, MAX_FUNCTIONS_PER_PROJECT, FunctionRegistry
from welkin.iam import actions

_FUNCTION_METRICS = (
    "count",
    "duration",
    "fail_count",
    "max_duration",
    "min_duration",
    "reject_count",
    "function_error_count",
    "system_error_count",
    "reserved_instance_num",
    "concurrency_num",
)


class UsageHandlers:
    def __init__(self, ctx: FgsContext, registry: FunctionRegistry, clock: Clock) -> None:
        self.ctx = ctx
        self.registry = registry
        self.clock = clock

    def routes(self) -> list[Route]:
        return [
            Route("/v2/{project_id}/fgs/quotas", self.quotas, methods=["GET"], name="ListQuotas"),
            Route(
                "/v2/{project_id}/fgs/functions/statistics",
                self.statistics,
                methods=["GET"],
                name="ListStatistics",
            ),
            Route(
                "/v2/{project_id}/fgs/functions/{function_urn}/statistics/{period}",
                self.function_statistics,
                methods=["GET"],
                name="ListFunctionStatistics",
            ),
        ]

    async def quotas(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        usage = await self.registry.usage(scope)
        resources = [
            {"quota": MAX_FUNCTIONS_PER_PROJECT, "used": usage.functions, "type": "fgs_func_num", "unit": ""},
            {
                "quota": CODE_SPACE_MB,
                "used": -(-usage.code_bytes // (1 << 20)),
                "type": "fgs_func_code_size",
                "unit": "MB",
            },
            {
                "quota": rules.MAX_INSTANCES,
                "used": 0,
                "type": "fgs_on_demand_instance_limit",
                "unit": "",
            },
        ]
        return JSONResponse({"quotas": {"resources": resources}})

    async def statistics(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        await self.registry.authorize(scope, actions.FGS_GET_STATISTICS)
        month = self.clock.now().strftime("%Y-%m")
        zero_month = [{"date": month, "value": 0.0}]
        return JSONResponse(
            {
                "count": zero_month,
                "gbs": zero_month,
                "gpu_gbs": zero_month,
                "statistics": self._zeros(),
            }
        )

    async def function_statistics(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope, "function_urn")
        await self.registry.show(scope, ref, actions.FGS_GET_STATISTICS)
        return JSONResponse(self._zeros())

    def _zeros(self) -> dict[str, list[dict[str, float | int]]]:
        now_ms = int(self.clock.now().timestamp() * 1000)
        return {metric: [{"timestamp": now_ms, "value": 0.0}] for metric in _FUNCTION_METRICS}
