"""The in-memory cache of resolved references, and the account concurrency fast path."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

import pytest

from welkin.core import errors
from welkin.core.clock import ManualClock
from welkin.functions.concurrency import AccountConcurrency
from welkin.functions.models import FunctionVersionSpec
from welkin.functions.resolved import Resolution, ResolvedCache
from welkin.functions.urns import FunctionRef

REF = FunctionRef("default", "f", "!prod")
SPEC = FunctionVersionSpec(
    function_urn="urn:fss:r1:p:function:default:f:1",
    account_id="a",
    project_id="p",
    package="default",
    function_name="f",
    version="1",
    alias="prod",
    runtime="Python3.11",
    interpreter=Path("/usr/bin/python3"),
    code_dir=Path("/code"),
    code_sha256="0" * 64,
    dependencies_dir=None,
    handler="index.handler",
    initializer_handler=None,
    initializer_timeout=3,
    memory_size=128,
    timeout=3,
    environment=MappingProxyType({}),
    max_instance_num=10,
    concurrent_num=1,
    network=True,
    agency="",
    last_modified=datetime(2026, 1, 1, tzinfo=UTC),
)


def test_a_resolution_is_served_until_it_expires() -> None:
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    cache = ResolvedCache(clock, ttl=timedelta(seconds=1))
    cache.put("p", REF, Resolution(SPEC), cache.generation)
    assert cache.get("p", REF) == Resolution(SPEC)
    assert cache.get("other-project", REF) is None
    clock.advance(timedelta(seconds=1))
    assert cache.get("p", REF) is None


def test_a_write_forgets_everything_and_refuses_what_was_read_before_it() -> None:
    cache = ResolvedCache(ManualClock(datetime(2026, 1, 1, tzinfo=UTC)))
    read_at = cache.generation
    cache.put("p", REF, Resolution(SPEC), read_at)
    cache.forget()
    assert cache.get("p", REF) is None
    # A look-up that began before the write read the old configuration: not kept.
    cache.put("p", REF, Resolution(SPEC), read_at)
    assert cache.get("p", REF) is None
    cache.put("p", REF, Resolution(SPEC), cache.generation)
    assert cache.get("p", REF) is not None


def test_an_alias_splits_calls_by_its_weight() -> None:
    other = replace(SPEC, version="2")
    resolution = Resolution(SPEC, other, 30)
    rng = random.Random(7)  # noqa: S311 - a reproducible draw
    picks = [resolution.pick(rng).version for _ in range(10_000)]
    assert 0.27 < picks.count("2") / len(picks) < 0.33
    assert {Resolution(SPEC).pick(rng).version for _ in range(100)} == {"1"}


async def test_a_full_account_waits_its_turn_then_is_refused() -> None:
    accounts = AccountConcurrency(limit=1, wait_s=0.2)
    order: list[str] = []

    async def run(name: str, hold: float) -> None:
        async with accounts.slot("a"):
            order.append(name)
            await asyncio.sleep(hold)

    first = asyncio.create_task(run("first", 0.1))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(run("waiter", 0))
    await asyncio.sleep(0)
    # A newcomer arriving while someone waits queues behind it rather than jumping ahead.
    newcomer = asyncio.create_task(run("newcomer", 0))
    await asyncio.gather(first, waiter, newcomer)
    assert order == ["first", "waiter", "newcomer"]
    assert accounts.running("a") == 0

    async with accounts.slot("a"):
        with pytest.raises(errors.TooManyRequests, match="concurrency quota"):
            async with accounts.slot("a"):
                raise AssertionError("a full account let another call in")
        async with accounts.slot("b"):  # other accounts are not held up
            assert accounts.running("b") == 1
    assert accounts.running("a") == 0
