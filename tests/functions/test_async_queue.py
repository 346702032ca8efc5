"""The async queue's rules with a clock that moves only when told: retries wait their turn, an
event past its age is discarded, and what runs out of retries reaches its failure destination."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.functions.conftest import PoolFactory
from tests.functions.invoker_world import World, deploy, invoker_world
from welkin.core.clock import ManualClock
from welkin.functions.async_models import AsyncConfig, AsyncInvocation, AsyncStatus, Destination
from welkin.functions.async_queue import AsyncQueue, AsyncSettings
from welkin.functions.destinations import DestinationWriter
from welkin.functions.invoker import InvokeRequest
from welkin.functions.urns import FunctionRef

T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@pytest.fixture
async def world(tmp_path: Path, make_pool: PoolFactory) -> AsyncIterator[World]:
    async with invoker_world(tmp_path, make_pool) as made:
        yield made


@pytest.fixture
async def queue(world: World) -> AsyncIterator[tuple[AsyncQueue, ManualClock, list[tuple[str, bytes]]]]:
    clock = ManualClock(T0)
    sent: list[tuple[str, bytes]] = []

    async def invoke_async(_project_id: str, urn: str, event: bytes) -> str:
        sent.append((urn, event))
        return "sent"

    destinations = DestinationWriter(
        world.registry.region, "http://127.0.0.1:9", world.invoker.credentials, invoke_async
    )
    settings = AsyncSettings(retry_base_s=10.0, poll_s=0.02)
    made = AsyncQueue(world.db, clock, world.invoker, world.registry, destinations, settings)
    await made.start()
    yield made, clock, sent
    await made.stop()


async def until(check: Callable[[], Awaitable[bool]]) -> None:
    for _ in range(500):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def item_of(q: AsyncQueue, world: World, name: str, request_id: str) -> AsyncInvocation:
    found, _ = await q.invocations(
        world.scope.project.id, FunctionRef("default", name, None), request_id, None, 0, 1
    )
    return found[0]


async def test_a_failure_is_retried_when_its_time_comes_then_reaches_its_destination(
    world: World, queue: tuple[AsyncQueue, ManualClock, list[tuple[str, bytes]]]
) -> None:
    q, clock, sent = queue
    ref = await deploy(world, "flaky")
    sink = f"urn:fss:{world.registry.region}:{world.scope.project.id}:function:default:sink"
    on_failure = Destination.parse("FunctionGraph", json.dumps({"func_urn": sink}), "on_failure")
    await q.set_config(world.scope.project.id, ref, AsyncConfig(max_retry_attempts=1, on_failure=on_failure))
    request_id = await world.invoker.invoke_async(
        InvokeRequest(world.scope.project.id, ref, b'{"fail": true}', "obs")
    )

    async def waiting_again() -> bool:
        item = await item_of(q, world, "flaky", request_id)
        return item.status is AsyncStatus.WAIT and item.attempts == 1

    await until(waiting_again)
    await asyncio.sleep(0.1)  # not due for 10 s of the queue's clock: nothing runs
    assert (await item_of(q, world, "flaky", request_id)).attempts == 1
    clock.advance(timedelta(seconds=10))

    async def failed() -> bool:
        return (await item_of(q, world, "flaky", request_id)).status is AsyncStatus.FAIL

    await until(failed)
    item = await item_of(q, world, "flaky", request_id)
    assert item.attempts == 2
    assert "asked to fail" in item.error_message
    [(urn, event)] = sent
    record = json.loads(event)
    assert urn == sink
    assert record["request_context"]["condition"] == "RetriesExhausted"
    assert record["request_context"]["approximate_invoke_count"] == 2
    assert record["response_payload"]["errorType"] == "ValueError"
    assert [e.source for e in await world.invoker.logs.recent(item_urn(world, "flaky"), 10)] == ["obs", "obs"]


async def test_an_event_past_its_age_is_discarded_without_running(
    world: World, queue: tuple[AsyncQueue, ManualClock, list[tuple[str, bytes]]]
) -> None:
    q, clock, _sent = queue
    await q.stop()
    ref = await deploy(world, "late")
    await q.set_config(world.scope.project.id, ref, AsyncConfig(max_event_age_s=60))
    request_id = await world.invoker.invoke_async(InvokeRequest(world.scope.project.id, ref, b"{}", "timer"))
    clock.advance(timedelta(seconds=61))
    await q.start()

    async def discarded() -> bool:
        return (await item_of(q, world, "late", request_id)).status is AsyncStatus.DISCARD

    await until(discarded)
    assert await world.invoker.logs.recent(item_urn(world, "late"), 10) == []


def item_urn(world: World, name: str) -> str:
    return f"urn:fss:{world.registry.region}:{world.scope.project.id}:function:default:{name}"
