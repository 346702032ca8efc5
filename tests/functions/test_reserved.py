"""Reservations over a real registry and pool: an alias's reservation follows the alias, a deleted
version's goes, and the region's instances bound all reservations together."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from tests.functions.conftest import PoolFactory
from tests.functions.invoker_world import World, deploy, invoker_world
from welkin.core.errors import QuotaExceeded
from welkin.functions.reserved import ReservedInstances, ReservedSettings
from welkin.functions.urns import version_urn
from welkin.functions.versions import AliasChanges, VersionService


def reserved_in(world: World, region_limit: int = 8) -> ReservedInstances:
    return ReservedInstances(
        world.db, world.registry.clock, world.registry, world.invoker, ReservedSettings(region_limit)
    )


def live(world: World, name: str, version: str) -> int:
    urn = version_urn(world.registry.region, world.scope.project.id, "default", name, version)
    return world.invoker.pool.live(urn, version)


async def settled(world: World, name: str, expected: dict[str, int]) -> None:
    for _ in range(300):
        if all(live(world, name, version) == count for version, count in expected.items()):
            return
        await asyncio.sleep(0.05)
    raise AssertionError({version: live(world, name, version) for version in expected})


async def test_an_alias_reservation_follows_the_alias_and_a_deleted_version_takes_its_own(
    tmp_path: Path, make_pool: PoolFactory
) -> None:
    async with invoker_world(tmp_path, make_pool) as world:
        fn = await deploy(world, "pinned")
        versions = VersionService(world.registry)
        for name in ("v1", "v2"):
            await versions.publish(world.scope, fn, name, "", None)
        await versions.create_alias(world.scope, fn, "live", "v1", "", {})
        reserved = reserved_in(world)
        await reserved.set_count(world.scope, replace(fn, qualifier="!live"), 1, False)
        await reserved.set_count(world.scope, replace(fn, qualifier="v2"), 1, False)
        await reserved.run_pass()
        await settled(world, "pinned", {"v1": 1, "v2": 1})

        await versions.update_alias(world.scope, fn, "live", AliasChanges("v2", None, None))
        await reserved.run_pass()
        await settled(world, "pinned", {"v2": 2})
        # v1 is no longer reserved: its instance is an ordinary idle one, reaped after the keep-alive.
        assert live(world, "pinned", "v1") == 1

        await reserved.drop(world.scope.project.id, replace(fn, qualifier="v2"))
        found, total = await reserved.list(world.scope, fn, 0, 10)
        assert (total, [r.qualifier for r in found]) == (1, ["!live"])


async def test_the_region_bounds_every_reservation_together(tmp_path: Path, make_pool: PoolFactory) -> None:
    async with invoker_world(tmp_path, make_pool) as world:
        one, two = await deploy(world, "one"), await deploy(world, "two")
        reserved = reserved_in(world, region_limit=3)
        await reserved.set_count(world.scope, one, 2, False)
        with pytest.raises(QuotaExceeded, match="at most 1 more"):
            await reserved.set_count(world.scope, two, 2, False)
        await reserved.set_count(world.scope, two, 1, False)
        await reserved.set_count(world.scope, one, 2, True)  # its own count is not counted twice
