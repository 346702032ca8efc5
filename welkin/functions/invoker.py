"""The invoker: from "run this function with this event" to a result, logged, counted and metered.

    invoker = Invoker(registry, pool, credentials, logs, metrics, usage, clock, 400, accounts)
    result = await invoker.invoke(InvokeRequest(project_id, ref, event, "api"))
    request_id = await invoker.invoke_async(InvokeRequest(project_id, ref, event, "obs"))

It checks no permission: callers (the API edge, triggers) check
``functiongraph:function:invoke`` first. It resolves the version (an alias picks by weight),
maps it onto an instance spec, fetches temporary credentials from the function's agency, and
hands the invocation to the pool. Every invocation leaves a log entry, metrics and a usage
record (none where ``usage`` is None: a region that does not meter), whatever its outcome; a
throttled one (429) counts as a throttle only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from welkin.core import errors
from welkin.core.clock import Clock
from welkin.core.ids import new_request_id
from welkin.functions.concurrency import AccountConcurrency
from welkin.functions.credentials import AgencyCredentials
from welkin.functions.errors import FunctionDisabled
from welkin.functions.invocation_logs import InvocationLogs
from welkin.functions.metrics import FunctionMetrics
from welkin.functions.models import FunctionVersionSpec
from welkin.functions.pool import FunctionPool
from welkin.functions.service import FunctionRegistry
from welkin.functions.spec import InstanceSpec, Invocation, InvocationResult
from welkin.functions.urns import FunctionRef, function_urn
from welkin.functions.usage_meter import UsageMeter, UsageRecord
from welkin.runtime import wire

SOURCES = ("api", "http", "obs", "timer", "async", "destination")
# Failures of the platform itself; every other error (exceptions, timeouts, memory, a handler
# that exits) is the function's, as FunctionGraph counts them.
_SYSTEM_ERRORS = {wire.SANDBOX_ERROR}


@dataclass(frozen=True)
class InvokeRequest:
    project_id: str
    ref: FunctionRef  # latest, a version or an alias
    event: bytes  # the JSON event as sent
    source: str  # "api" | "http" | "obs" | "timer" | "async" (| "destination", made by the queue)
    request_id: str | None = None  # made when None


Enqueue = Callable[[InvokeRequest, str], Awaitable[None]]


class Invoker:
    def __init__(
        self,
        registry: FunctionRegistry,
        pool: FunctionPool,
        credentials: AgencyCredentials,
        logs: InvocationLogs,
        metrics: FunctionMetrics,
        usage: UsageMeter | None,
        clock: Clock,
        max_instances: int,
        accounts: AccountConcurrency,
    ) -> None:
        self.registry = registry
        self.pool = pool
        self.credentials = credentials
        self.logs = logs
        self.metrics = metrics
        self.usage = usage
        self.clock = clock
        self._max_instances = max_instances  # for max_instance_num -1 (no limit of its own)
        self._accounts = accounts
        self._enqueue: Enqueue | None = None
        # The instance spec made for each resolved spec: the registry hands out the same
        # resolved object while it is cached, so a warm invoke builds and compares nothing.
        self._made: dict[int, tuple[FunctionVersionSpec, InstanceSpec]] = {}

    def accept_async(self, enqueue: Enqueue) -> None:
        """Where ``invoke_async`` puts requests: the durable queue, set when it is built."""
        self._enqueue = enqueue

    async def invoke(self, request: InvokeRequest) -> InvocationResult:
        """Run the function now and return what came of it; the function's own failures are
        results (``result.error``); refusals (not found, disabled, 429) are raised."""
        if request.source not in SOURCES:
            raise errors.InvalidArgument(f"Unknown invocation source {request.source!r}.")
        request_id = request.request_id or new_request_id()
        spec = await self.registry.resolve(request.project_id, request.ref)
        if spec.max_instance_num == 0:
            raise FunctionDisabled(
                f"Function {spec.package}/{spec.function_name} is disabled (max_instance_num is 0); "
                "set max_instance_num above 0 to invoke it."
            )
        made = self._made.get(id(spec))
        if made is None or made[0] is not spec:
            if len(self._made) >= 10_000:
                self._made.clear()
            made = self._made[id(spec)] = (spec, self.instance_spec(spec))
        instance_spec = made[1]
        access_key, secret_key, token = await self.credentials.for_function(spec)
        invocation = Invocation(request_id, request.event, access_key, secret_key, token)
        urn = function_urn(self.registry.region, spec.project_id, spec.package, spec.function_name)
        try:
            async with self._accounts.slot(spec.account_id):
                result = await self.pool.invoke(instance_spec, invocation)
        except errors.TooManyRequests:
            self.metrics.throttled(urn, self.clock.now())
            raise
        self._record(spec, urn, request.source, result)
        return result

    async def invoke_async(self, request: InvokeRequest) -> str:
        """Queue the invocation durably (it survives a restart); return its request id."""
        if self._enqueue is None:
            raise errors.Unavailable("Asynchronous invocation is not running in this region.")
        request_id = request.request_id or new_request_id()
        await self._enqueue(request, request_id)
        return request_id

    def instance_spec(self, spec: FunctionVersionSpec) -> InstanceSpec:
        limit = spec.max_instance_num if spec.max_instance_num > 0 else self._max_instances
        return InstanceSpec(
            function_urn=spec.function_urn,
            version=spec.version,
            runtime=spec.runtime,
            code_dir=spec.code_dir,
            handler=spec.handler,
            deps_dir=spec.dependencies_dir,
            initializer=spec.initializer_handler,
            initializer_timeout_s=float(spec.initializer_timeout),
            memory_mb=spec.memory_size,
            timeout_s=float(spec.timeout),
            environment=dict(spec.environment),
            max_instances=min(limit, self._max_instances),
            concurrency=spec.concurrent_num,
            network=spec.network,
        )

    def _record(self, spec: FunctionVersionSpec, urn: str, source: str, result: InvocationResult) -> None:
        now = self.clock.now()
        code = result.error.code if result.error is not None else ""
        kind = None if not code else ("system" if code in _SYSTEM_ERRORS else "function")
        usage = UsageRecord.of(
            spec.account_id,
            spec.project_id,
            urn,
            spec.version,
            result.request_id,
            source,
            result.duration_ms,
            result.billed_memory_mb,
            now.isoformat(),
        )
        self.metrics.invoked(urn, now, result.duration_ms, kind, result.init_duration_ms, usage.gb_seconds)
        self.logs.add(
            urn,
            spec.version,
            result.request_id,
            source,
            now,
            result.duration_ms,
            code,
            result.log,
            result.log_truncated,
        )
        if self.usage is not None:
            self.usage.record(usage)
