"""The invoker over a real registry (SQLite), a real pool and real IAM: what one invocation
leaves behind (result, log, metrics, a usage record) and what it is given (agency keys)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from tests.functions.conftest import PoolFactory
from tests.functions.invoker_world import World, deploy, invoker_world
from welkin.core import errors
from welkin.core.event_store import EventStore
from welkin.functions import invocation_store
from welkin.functions.errors import FunctionDisabled
from welkin.functions.invocation_models import MetricsSnapshot
from welkin.functions.invoker import InvokeRequest
from welkin.functions.usage_meter import TOPIC


async def snapshot_of(world: World, urn: str) -> MetricsSnapshot:
    minutes = await world.invoker.metrics.function_minutes(
        urn, world.invoker.clock.now() - timedelta(hours=1)
    )
    return MetricsSnapshot.of(minutes.values(), 0)


@pytest.fixture
async def world(tmp_path: Path, make_pool: PoolFactory) -> AsyncIterator[World]:
    async with invoker_world(tmp_path, make_pool) as made:
        yield made


async def test_an_invocation_returns_its_result_and_leaves_a_log_metrics_and_usage(world: World) -> None:
    ref = await deploy(world, "echo")
    project = world.scope.project.id
    first = await world.invoker.invoke(InvokeRequest(project, ref, b'{"n": 1}', "api", "req-1"))
    second = await world.invoker.invoke(InvokeRequest(project, ref, b'{"fail": true}', "api"))

    assert first.error is None
    assert first.cold_start
    assert first.request_id == "req-1"
    body = json.loads(first.body)
    assert body["echo"] == {"n": 1}
    assert body["ak"] == ""
    assert body["token"] is False
    assert (body["endpoint"], body["func"]) == ("http://127.0.0.1:9", "echo")
    assert second.error is not None
    assert second.error.type == "ValueError"
    assert not second.cold_start
    assert len(second.request_id) == 32

    urn = f"urn:fss:{world.registry.region}:{project}:function:default:echo"
    [log] = await world.invoker.logs.recent(urn, 10, request_id="req-1")
    assert "working on req-1" in log.text
    assert log.status == "success"
    assert log.source == "api"
    snapshot = await snapshot_of(world, urn)
    assert (snapshot.invocations, snapshot.errors, snapshot.function_errors, snapshot.cold_starts) == (
        2,
        1,
        1,
        1,
    )
    assert snapshot.duration_p50_ms > 0

    await world.usage.flush()  # the background flush may have published them already
    store = EventStore()
    async with world.db.read() as conn:
        seen = await store.after(conn, 0, TOPIC, await store.head(conn), 100)
    records = [r for e in seen for r in e.payload["records"]]  # type: ignore[attr-defined]
    assert {r["request_id"] for r in records} >= {"req-1"}
    record = next(r for r in records if r["request_id"] == "req-1")
    assert (record["function_urn"], record["memory_mb"], record["source"]) == (urn, 256, "api")
    assert isinstance(record["duration_ms"], int)
    assert record["duration_ms"] >= 1
    assert len({r["record_id"] for r in records}) == 2


async def test_max_instance_num_zero_disables_a_function(world: World) -> None:
    ref = await deploy(world, "off", max_instance_num=0)
    with pytest.raises(FunctionDisabled, match="max_instance_num"):
        await world.invoker.invoke(InvokeRequest(world.scope.project.id, ref, b"{}", "api"))


async def test_a_function_with_an_agency_gets_its_temporary_keys(world: World) -> None:
    await world.iam.keys.create_agency(world.scope.principal, "fgs-runner", "acme", "", "FOREVER")
    ref = await deploy(world, "agent", app_xrole="fgs-runner")
    result = await world.invoker.invoke(InvokeRequest(world.scope.project.id, ref, b"{}", "timer"))
    body = json.loads(result.body)
    assert len(body["ak"]) == 20
    assert body["token"] is True


async def test_an_account_beyond_its_concurrency_quota_is_throttled(world: World) -> None:
    project = world.scope.project.id
    refs = [await deploy(world, "one"), await deploy(world, "two")]
    slow = b'{"sleep": 1.5}'
    calls = [world.invoker.invoke(InvokeRequest(project, refs[i % 2], slow, "api")) for i in range(3)]
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    refused = [o for o in outcomes if isinstance(o, errors.TooManyRequests)]
    assert len(refused) == 1
    assert "concurrency quota" in refused[0].message
    # Once they end, the account may run again.
    assert (await world.invoker.invoke(InvokeRequest(project, refs[0], b"{}", "api"))).error is None
    throttles = [
        (
            await snapshot_of(world, f"urn:fss:{world.registry.region}:{project}:function:default:{n}")
        ).throttles
        for n in ("one", "two")
    ]
    assert sum(throttles) == 1


async def test_a_failing_store_fails_no_invocation_and_loses_no_record_once_back(world: World) -> None:
    ref = await deploy(world, "steady")
    project = world.scope.project.id
    urn = f"urn:fss:{world.registry.region}:{project}:function:default:steady"
    # The store breaks for real: the tables the records go to are gone for a while.
    await world.db.run_write(lambda conn: conn.exec_driver_sql(
        "ALTER TABLE fgs_invocation_logs RENAME TO parked_logs"))  # fmt: skip
    await world.db.run_write(lambda conn: conn.exec_driver_sql(
        "ALTER TABLE fgs_function_minutes RENAME TO parked_minutes"))  # fmt: skip
    for i in range(3):
        result = await world.invoker.invoke(InvokeRequest(project, ref, b"{}", "api", f"down-{i}"))
        assert result.error is None
    with pytest.raises(OperationalError):
        await world.invoker.logs.flush()
    with pytest.raises(OperationalError):
        await world.invoker.metrics.flush()
    await world.db.run_write(lambda conn: conn.exec_driver_sql(
        "ALTER TABLE parked_logs RENAME TO fgs_invocation_logs"))  # fmt: skip
    await world.db.run_write(lambda conn: conn.exec_driver_sql(
        "ALTER TABLE parked_minutes RENAME TO fgs_function_minutes"))  # fmt: skip
    # (The background writer may get there first; either way everything is written once.)
    await world.invoker.logs.flush()
    await world.invoker.metrics.flush()
    stored = await world.db.run_read(lambda conn: invocation_store.recent_logs(conn, urn, 10, 0, None))
    assert [e.request_id for e in stored] == ["down-0", "down-1", "down-2"]
    assert (await snapshot_of(world, urn)).invocations == 3
