"""Quotas and statistics.

Statistics are the invoker's metrics, kept per function and minute in the metadata store:
ListFunctionStatistics answers one point per minute of the period (in minutes) that had
invocations (one zero point when none did), plus Welkin's own figures over the same period
under ``welkin_metrics`` (cold starts, duration p50/p99 from the minutes' histograms, live
instances); ListStatistics sums the project's functions over the current month.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.billing.quotas import NO_LIMIT, Quota, QuotaStatus
from welkin.core import errors
from welkin.core.clock import Clock
from welkin.functions.fgsapi.context import FgsContext
from welkin.functions.invocation_models import MetricsSnapshot, MinuteFigures
from welkin.functions.invoker import Invoker
from welkin.functions.service import FunctionRegistry
from welkin.functions.urns import function_urn
from welkin.iam import actions


def _resource(status: QuotaStatus, kind: str, unit_bytes: int, unit: str) -> dict[str, object]:
    """One quota as FunctionGraph lists it, in its unit (usage rounded up); -1 for no limit."""
    quota = status.limit if status.limit == NO_LIMIT else status.limit // unit_bytes
    return {"quota": quota, "used": -(-status.used // unit_bytes), "type": kind, "unit": unit}


class UsageHandlers:
    def __init__(self, ctx: FgsContext, registry: FunctionRegistry, invoker: Invoker, clock: Clock) -> None:
        self.ctx = ctx
        self.registry = registry
        self.invoker = invoker
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
        """The account's quotas (the operator may have set its own) and what it uses of them."""
        scope = await self.ctx.scope(request)
        statuses = {s.quota: s for s in await self.registry.quota_statuses(scope)}
        resources = [
            _resource(statuses[Quota.FUNCTIONS], "fgs_func_num", 1, ""),
            _resource(statuses[Quota.CODE_BYTES], "fgs_func_code_size", 1 << 20, "MB"),
            _resource(statuses[Quota.CONCURRENT_INSTANCES], "fgs_on_demand_instance_limit", 1, ""),
        ]
        return JSONResponse({"quotas": {"resources": resources}})

    async def statistics(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        await self.registry.authorize(scope, actions.FGS_GET_STATISTICS)
        now = self.clock.now()
        month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        prefix = function_urn(self.registry.region, scope.project.id, "", "")[:-1]
        minutes = await self.invoker.metrics.project_minutes(prefix, month_start)
        month = now.strftime("%Y-%m")
        count = float(sum(m.count for m in minutes.values()))
        gbs = round(sum(m.gb_seconds for m in minutes.values()), 6)
        return JSONResponse(
            {
                "count": [{"date": month, "value": count}],
                "gbs": [{"date": month, "value": gbs}],
                "gpu_gbs": [{"date": month, "value": 0.0}],
                "statistics": self._points(minutes, 0),
            }
        )

    async def function_statistics(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope, "function_urn")
        await self.registry.show(scope, ref, actions.FGS_GET_STATISTICS)
        period = request.path_params["period"]
        if not period.isdigit() or not 1 <= int(period) <= 24 * 60:
            raise errors.InvalidArgument("period must be a number of minutes from 1 to 1440.")
        urn = function_urn(self.registry.region, scope.project.id, ref.package, ref.name)
        since = self.clock.now() - timedelta(minutes=int(period))
        minutes = await self.invoker.metrics.function_minutes(urn, since)
        instances = self._instances(urn)
        body: dict[str, Any] = self._points(minutes, instances)
        snapshot = MetricsSnapshot.of(minutes.values(), instances)
        body["welkin_metrics"] = {
            "invocations": snapshot.invocations,
            "errors": snapshot.errors,
            "throttles": snapshot.throttles,
            "cold_starts": snapshot.cold_starts,
            "cold_start_p50_ms": round(snapshot.cold_start_p50_ms, 3),
            "duration_p50_ms": round(snapshot.duration_p50_ms, 3),
            "duration_p99_ms": round(snapshot.duration_p99_ms, 3),
            "instances": snapshot.instances,
        }
        return JSONResponse(body)

    def _instances(self, urn: str) -> int:
        """Live instances of every version of the function."""
        return sum(s.instances for key, s in self.invoker.pool.stats().items() if key.startswith(urn + ":"))

    def _points(
        self, minutes: dict[int, MinuteFigures], instances: int
    ) -> dict[str, list[dict[str, float | int]]]:
        if not minutes:
            minutes = {int(self.clock.now().timestamp()) // 60: MinuteFigures()}

        def series(value: Any) -> list[dict[str, float | int]]:
            return [{"timestamp": key * 60_000, "value": float(value(m))} for key, m in minutes.items()]

        return {
            "count": series(lambda m: m.count),
            "duration": series(lambda m: round(m.duration_total_ms / m.count, 3) if m.count else 0.0),
            "fail_count": series(lambda m: m.errors),
            "max_duration": series(lambda m: round(m.max_duration_ms, 3)),
            "min_duration": series(lambda m: round(m.min_duration_ms, 3)),
            "reject_count": series(lambda m: m.throttles),
            "function_error_count": series(lambda m: m.function_errors),
            "system_error_count": series(lambda m: m.system_errors),
            "reserved_instance_num": series(lambda m: 0),
            "concurrency_num": series(lambda m: instances),
        }
