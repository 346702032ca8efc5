"""Everything that runs functions in one region, built from settings, started and stopped together:
the instance pool, the invoker with its logs, metrics and usage meter (each writing to the
store in the background), the async queue, and the reserved instances kept started in the pool."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from welkin.billing.quotas import AccountQuotas, Quota
from welkin.config import Settings
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.core.events import EventBus
from welkin.functions.async_queue import DESTINATION_SOURCE, AsyncQueue, AsyncSettings
from welkin.functions.concurrency import AccountConcurrency
from welkin.functions.credentials import AgencyCredentials
from welkin.functions.destinations import DestinationWriter
from welkin.functions.invocation_logs import InvocationLogs, LogRetention
from welkin.functions.invoker import Invoker, InvokeRequest
from welkin.functions.metrics import FunctionMetrics
from welkin.functions.pool import FunctionPool
from welkin.functions.reserved import ReservedInstances, ReservedSettings
from welkin.functions.service import FunctionRegistry
from welkin.functions.spec import PoolSettings
from welkin.functions.urns import parse_ref
from welkin.functions.usage_meter import UsageMeter
from welkin.iam.keys import KeyService


@dataclass(frozen=True)
class Invocations:
    pool: FunctionPool
    invoker: Invoker
    queue: AsyncQueue
    usage: UsageMeter
    reserved: ReservedInstances

    @classmethod
    def build(
        cls,
        settings: Settings,
        db: Database,
        clock: Clock,
        keys: KeyService,
        events: EventBus,
        registry: FunctionRegistry,
        quotas: AccountQuotas,
    ) -> Invocations:
        pool_settings = PoolSettings(
            # Outside the functions' code tree; it holds only the sandboxes' empty root mount point.
            work_dir=settings.data_dir / "run" / "pool",
            keep_alive_s=float(settings.functions_keep_alive_seconds),
            max_total_instances=settings.functions_max_instances,
            endpoint=settings.public_url,
            region=settings.region,
        )
        pool = FunctionPool(pool_settings, clock, registry.runtimes)
        credentials = AgencyCredentials(keys, clock)
        usage = UsageMeter.build(db, events, settings.data_dir)
        retention = LogRetention(
            per_function=settings.functions_logs_per_function,
            max_age=timedelta(days=settings.functions_logs_retention_days),
        )
        logs = InvocationLogs(db, clock, retention)
        metrics = FunctionMetrics(db, clock, timedelta(days=settings.functions_metrics_retention_days))
        accounts = AccountConcurrency(quotas, pool_settings.queue_wait_s)
        quotas.count_with(Quota.CONCURRENT_INSTANCES, lambda _conn, account_id: accounts.running(account_id))
        invoker = Invoker(
            registry,
            pool,
            credentials,
            logs,
            metrics,
            # Built and started all the same: it publishes what a metered run left behind.
            usage if settings.metering else None,
            clock,
            settings.functions_max_instances,
            accounts,
        )

        async def invoke_async(project_id: str, urn: str, event: bytes) -> str:
            ref = parse_ref(urn, settings.region, project_id)
            return await invoker.invoke_async(InvokeRequest(project_id, ref, event, DESTINATION_SOURCE))

        destinations = DestinationWriter(settings.region, settings.public_url, credentials, invoke_async)
        retry = AsyncSettings(retry_base_s=settings.functions_async_retry_ms / 1000)
        queue = AsyncQueue(db, clock, invoker, registry, destinations, retry)
        reserved = ReservedInstances(
            db, clock, registry, invoker, ReservedSettings(settings.functions_max_instances)
        )
        return cls(pool, invoker, queue, usage, reserved)

    async def start(self) -> float:
        """Start the pool (its zygote) and the queue; seconds the pool took to start."""
        started = time.monotonic()
        await self.pool.start()
        took = time.monotonic() - started
        await self.usage.start()
        await self.invoker.logs.start()
        await self.invoker.metrics.start()
        await self.queue.start()
        await self.reserved.start()
        return took

    async def stop(self) -> None:
        await self.reserved.stop()
        await self.queue.stop()
        await self.pool.stop()
        await self.usage.stop()
        await self.invoker.logs.stop()
        await self.invoker.metrics.stop()
