"""Reserved instances in the pool, with real instances: started ahead of requests, spared by the
reaper, replaced when they die or the function changes, bounded by the limits."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.functions.conftest import PoolFactory, call, deploy
from welkin.core.clock import ManualClock
from welkin.functions.pool import FunctionPool
from welkin.functions.spec import InstanceSpec

PID = "import os\ndef handler(e, c):\n    return os.getpid()\n"


async def until(check: Callable[[], bool]) -> None:
    for _ in range(300):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the pool did not get there in time")


def live(pool: FunctionPool, spec: InstanceSpec) -> int:
    return pool.live(spec.function_urn, spec.version)


def pids(pool: FunctionPool, spec: InstanceSpec) -> list[int]:
    """Host pids of the version's usable instances (the pool says no more than how many)."""
    fleet = pool._fleets[(spec.function_urn, spec.version)]
    return [instance.pid for instance in fleet.instances if instance.usable]


async def test_reserved_instances_start_before_any_request_and_serve_warm(
    pool: FunctionPool, tmp_path: Path
) -> None:
    spec = deploy(tmp_path, PID)
    pool.reserve(spec, 2)
    await until(lambda: live(pool, spec) == 2)
    assert pool.stats()[f"{spec.function_urn}:latest"].instances == 2
    first, second = await asyncio.gather(call(pool, spec), call(pool, spec))
    assert (first.cold_start, second.cold_start) == (False, False)
    assert first.pid != second.pid
    stats = pool.stats()[f"{spec.function_urn}:latest"]
    assert (stats.cold_starts, stats.invocations) == (0, 2)


async def test_the_reaper_spares_reserved_instances_until_the_reservation_ends(
    make_pool: PoolFactory, tmp_path: Path
) -> None:
    clock = ManualClock(datetime(2025, 1, 1, tzinfo=UTC))
    pool = await make_pool(clock=clock, keep_alive_s=60.0)
    spec = deploy(tmp_path, PID)
    pool.reserve(spec, 1)
    await until(lambda: live(pool, spec) == 1)
    await asyncio.gather(call(pool, spec), call(pool, spec))  # one more, started on demand
    assert live(pool, spec) == 2
    clock.advance(timedelta(seconds=120))
    assert await pool.reap_idle() == 1  # the on-demand one
    await until(lambda: pool.instance_count == 1)
    assert not (await call(pool, spec)).cold_start
    pool.reserve(spec, 0)
    clock.advance(timedelta(seconds=120))
    assert await pool.reap_idle() == 1
    await until(lambda: pool.instance_count == 0)


async def test_a_reserved_instance_that_dies_is_replaced(pool: FunctionPool, tmp_path: Path) -> None:
    spec = deploy(tmp_path, PID)
    pool.reserve(spec, 1)
    await until(lambda: live(pool, spec) == 1)
    victim = (await call(pool, spec)).pid
    os.kill(victim, 9)
    await until(lambda: pids(pool, spec) not in ([], [victim]) and pool.instance_count == 1)
    again = await call(pool, spec)
    assert not again.cold_start
    assert again.pid != victim


async def test_a_changed_function_gets_fresh_reserved_instances(pool: FunctionPool, tmp_path: Path) -> None:
    spec = deploy(tmp_path, PID)
    pool.reserve(spec, 1)
    await until(lambda: live(pool, spec) == 1)
    old = (await call(pool, spec)).pid
    changed = replace(spec, memory_mb=256)
    pool.reserve(changed, 1)
    await until(lambda: live(pool, changed) == 1 and pool.instance_count == 1)
    result = await call(pool, changed)
    assert not result.cold_start
    assert result.pid != old


async def test_a_reservation_is_bounded_by_the_function_and_the_region(
    make_pool: PoolFactory, tmp_path: Path
) -> None:
    pool = await make_pool(max_total_instances=3)
    small = deploy(tmp_path, PID, max_instances=2)
    pool.reserve(small, 5)
    await until(lambda: live(pool, small) == 2)
    other = deploy(tmp_path, PID)
    pool.reserve(other, 5)
    await until(lambda: live(pool, other) == 1)
    await asyncio.sleep(0.3)
    assert pool.instance_count == 3
    pool.reserve(small, 0)
    pool.unreserve(other.function_urn, other.version)
    assert (await call(pool, other)).cold_start is False
