"""Asynchronous invocation: a durable queue in the metadata store, and the workers that drain it.

    queue = AsyncQueue(db, clock, invoker, registry, destinations, AsyncSettings())
    await queue.start()          # what was RUNNING when the server stopped runs again
    request_id = await invoker.invoke_async(request)   # a WAIT row, committed before the reply

Delivery is at least once: a row is claimed (RUNNING) in one transaction, invoked, then
settled in another; a crash in between runs it again after the restart. A failed attempt
is retried after ``retry_base_s * 2**n`` (capped) up to the function's
``max_async_retry_attempts``; an event older than ``max_async_event_age_in_seconds`` is
discarded. A throttled attempt (429) is retried without counting. The finished record goes
to the ``on_success`` / ``on_failure`` destination; a destination that cannot be reached is
logged, not retried, and does not change the invocation's status. An invocation made by a
destination does not go on to its own destinations (no loops).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection as Conn

from welkin.core import errors
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.functions import async_store as store
from welkin.functions.async_models import (
    CANCELLED_CODE,
    CANCELLED_MESSAGE,
    AsyncConfig,
    AsyncInvocation,
    AsyncStatus,
    Destination,
)
from welkin.functions.destinations import DestinationWriter, record
from welkin.functions.errors import FunctionNotFound
from welkin.functions.invoker import Invoker, InvokeRequest
from welkin.functions.service import FunctionRegistry
from welkin.functions.spec import InvocationResult
from welkin.functions.urns import FunctionRef, function_urn

log = logging.getLogger(__name__)
# The source of an invocation made by a FunctionGraph destination. Its own destinations are
# not followed, so a function whose destination leads back to it cannot loop forever.
DESTINATION_SOURCE = "destination"


@dataclass(frozen=True)
class AsyncSettings:
    workers: int = 16  # invocations from the queue running at once
    retry_base_s: float = 1.0
    retry_cap_s: float = 300.0
    poll_s: float = 1.0


class AsyncQueue:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        invoker: Invoker,
        registry: FunctionRegistry,
        destinations: DestinationWriter,
        settings: AsyncSettings,
    ) -> None:
        self._db = db
        self._clock = clock
        self._invoker = invoker
        self._registry = registry
        self._destinations = destinations
        self._settings = settings
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        invoker.accept_async(self.enqueue)

    async def enqueue(self, request: InvokeRequest, request_id: str) -> None:
        spec = await self._registry.resolve(request.project_id, request.ref)  # refuses what does not exist
        now = self._clock.now()
        item = AsyncInvocation(
            request_id,
            spec.account_id,
            request.project_id,
            request.ref.package,
            request.ref.name,
            request.ref.qualifier or "",
            request.source,
            request.event,
            AsyncStatus.WAIT,
            0,
            now,
            now,
            None,
            None,
            0,
            "",
        )
        await self._db.run_write(lambda conn: store.add(conn, item))
        self._wake.set()

    # -- settings and status, for the API ----------------------------------------------------------

    async def config(self, project_id: str, ref: FunctionRef) -> AsyncConfig | None:
        return await self._db.run_read(lambda conn: store.config(conn, project_id, ref.package, ref.name))

    async def set_config(self, project_id: str, ref: FunctionRef, config: AsyncConfig) -> AsyncConfig:
        now = self._clock.now()
        return await self._db.run_write(
            lambda conn: store.put_config(conn, project_id, ref.package, ref.name, config, now)
        )

    async def delete_config(self, project_id: str, ref: FunctionRef) -> bool:
        return await self._db.run_write(
            lambda conn: store.delete_config(conn, project_id, ref.package, ref.name)
        )

    async def invocations(
        self,
        project_id: str,
        ref: FunctionRef,
        request_id: str | None,
        status: AsyncStatus | None,
        offset: int,
        limit: int,
    ) -> tuple[list[AsyncInvocation], int]:
        return await self._db.run_read(
            lambda conn: store.invocations(
                conn, project_id, ref.package, ref.name, request_id, status, offset, limit
            )
        )

    async def cancel(self, project_id: str, ref: FunctionRef, request_id: str) -> None:
        """Cancel a queued or retrying (WAIT) invocation: it ends FAIL with FunctionGraph's 4208
        and goes to no destination. A running or finished one cannot be (409)."""
        now = self._clock.now()

        def cancel(conn: Conn) -> None:
            found = store.invocation(conn, request_id)
            if found is None or (found.project_id, found.package, found.name) != (
                project_id,
                ref.package,
                ref.name,
            ):
                raise errors.InvalidArgument(
                    f"Invalid RequestId: function {ref.package}/{ref.name} has no asynchronous "
                    f"invocation {request_id}."
                )
            if not store.cancel(conn, request_id, now, CANCELLED_CODE, CANCELLED_MESSAGE):
                status = found.status.value if found.status is not AsyncStatus.WAIT else "no longer WAIT"
                raise errors.Conflict(
                    f"Asynchronous invocation {request_id} is {status}: only one that is queued or "
                    "waiting for a retry (WAIT) can be cancelled."
                )

        await self._db.run_write(cancel)

    # -- the workers ------------------------------------------------------------------------------

    async def start(self) -> None:
        requeued = await self._db.run_write(lambda conn: store.requeue_running(conn, self._clock.now()))
        if requeued:
            log.info("%d asynchronous invocations interrupted by the last stop run again", requeued)
        self._loop_task = asyncio.create_task(self._drain_forever())

    async def stop(self) -> None:
        """Stop taking work; invocations still running are left RUNNING and run again at start."""
        tasks = [t for t in (self._loop_task, *self._running) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._loop_task = None

    async def _drain_forever(self) -> None:
        while True:
            self._wake.clear()
            free = self._settings.workers - len(self._running)
            try:
                claimed = await self._claim(free) if free > 0 else []
            except Exception:
                log.exception("reading the asynchronous invocation queue failed")
                claimed = []
            for item in claimed:
                task = asyncio.create_task(self._run(item))
                self._running.add(task)
                task.add_done_callback(self._finished)
            if claimed and len(claimed) == free:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._settings.poll_s)

    async def _claim(self, limit: int) -> list[AsyncInvocation]:
        now = self._clock.now()
        return await self._db.run_write(lambda conn: store.claim_due(conn, now, limit))

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._wake.set()  # a worker is free

    async def _run(self, item: AsyncInvocation) -> None:
        try:
            await self._attempt(item)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("asynchronous invocation %s failed unexpectedly", item.request_id)
            await self._settle(item, AsyncStatus.FAIL, item.attempts + 1, None, 500, "internal error")

    async def _attempt(self, item: AsyncInvocation) -> None:
        ref = FunctionRef(item.package, item.name, item.qualifier or None)
        config = await self.config(item.project_id, ref) or AsyncConfig()
        now = self._clock.now()
        urn = function_urn(self._registry.region, item.project_id, item.package, item.name)
        if now - item.created_at > timedelta(seconds=config.max_event_age_s):
            message = f"older than max_async_event_age_in_seconds ({config.max_event_age_s})"
            await self._settle(item, AsyncStatus.DISCARD, item.attempts, None, 408, message)
            await self._deliver(config.on_failure, item, urn, "EventAgeExceeded", 408, message, None)
            return
        request = InvokeRequest(item.project_id, ref, item.event, item.source, item.request_id)
        try:
            result = await self._invoker.invoke(request)
        except errors.TooManyRequests as exc:
            await self._retry(item, item.attempts, 429, exc.message)
            return
        except FunctionNotFound as exc:
            await self._settle(item, AsyncStatus.FAIL, item.attempts + 1, None, 404, exc.message)
            return
        except errors.WelkinError as exc:
            await self._failed(item, config, urn, exc.status, exc.message, None)
            return
        attempts = item.attempts + 1
        if result.error is None:
            done = replace(item, attempts=attempts)
            await self._settle(item, AsyncStatus.SUCCESS, attempts, None, 0, "")
            await self._deliver(config.on_success, done, urn, "Success", 200, "", _payload(result))
            return
        message = f"{result.error.code}: {result.error.message}"
        await self._failed(item, config, urn, 500, message, _payload(result))

    async def _failed(
        self, item: AsyncInvocation, config: AsyncConfig, urn: str, code: int, message: str, response: Any
    ) -> None:
        attempts = item.attempts + 1
        if attempts <= config.max_retry_attempts:
            await self._retry(item, attempts, code, message)
            return
        await self._settle(item, AsyncStatus.FAIL, attempts, None, code, message)
        done = replace(item, attempts=attempts)
        await self._deliver(config.on_failure, done, urn, "RetriesExhausted", code, message, response)

    async def _retry(self, item: AsyncInvocation, attempts: int, code: int, message: str) -> None:
        delay = min(self._settings.retry_cap_s, self._settings.retry_base_s * 2 ** max(0, attempts - 1))
        next_at = self._clock.now() + timedelta(seconds=delay)
        await self._settle(item, AsyncStatus.WAIT, attempts, next_at, code, message, ended=False)

    async def _settle(
        self,
        item: AsyncInvocation,
        status: AsyncStatus,
        attempts: int,
        next_at: datetime | None,
        code: int,
        message: str,
        ended: bool = True,
    ) -> None:
        ended_at = self._clock.now() if ended else None
        await self._db.run_write(
            lambda conn: store.settle(
                conn, item.request_id, status, attempts, next_at, ended_at, code, message
            )
        )

    async def _deliver(
        self,
        destination: Destination | None,
        item: AsyncInvocation,
        urn: str,
        condition: str,
        code: int,
        message: str,
        response: Any,
    ) -> None:
        if destination is None or item.source == DESTINATION_SOURCE:
            return
        body = record(item, urn, condition, code, message, response, self._clock.now())
        try:
            ref = FunctionRef(item.package, item.name, item.qualifier or None)
            spec = await self._registry.resolve(item.project_id, ref)
            await self._destinations.send(destination, item, spec.agency, body)
        except Exception as exc:
            log.warning(
                "the %s destination of asynchronous invocation %s failed: %s",
                destination.kind.value,
                item.request_id,
                exc,
            )


def _payload(result: InvocationResult) -> Any:
    if result.error is not None:
        return {
            "errorCode": result.error.code,
            "errorMessage": result.error.message,
            "errorType": result.error.type,
        }
    if result.body_encoding != "json":
        return result.body.decode("utf-8", "replace")
    try:
        return json.loads(result.body)
    except ValueError:
        return result.body.decode("utf-8", "replace")
