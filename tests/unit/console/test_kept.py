"""Kept figures: a cheap one is computed on every view, a slow one kept a minute and then
refreshed in the background, a final one kept, and one computation at a time per key."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from welkin.console.kept import Kept, Pending
from welkin.core.clock import ManualClock

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class Counter:
    def __init__(self, delay: float = 0.0) -> None:
        self.calls = 0
        self.delay = delay

    async def __call__(self) -> int:
        self.calls += 1
        await asyncio.sleep(self.delay)
        return self.calls


async def test_a_cheap_figure_is_computed_on_every_view() -> None:
    kept = Kept(ManualClock(START), cheap=0.05)
    count = Counter()
    assert (await kept.get("k", count)).value == 1
    assert (await kept.get("k", count)).value == 2


async def test_a_slow_figure_is_kept_then_refreshed_behind_the_view() -> None:
    clock = ManualClock(START)
    kept = Kept(clock, ttl=60, cheap=0.01, stale=600)
    slow = Counter(delay=0.02)
    first = await kept.get("k", slow)
    assert (first.value, first.computed_at) == (1, START)
    clock.advance(timedelta(seconds=59))
    assert (await kept.get("k", slow)).value == 1
    clock.advance(timedelta(seconds=2))
    # Over a minute old: this view gets the kept figure, the next one the new.
    assert (await kept.get("k", slow)).value == 1
    await asyncio.sleep(0.1)
    again = await kept.get("k", slow)
    assert again.value == 2
    assert again.computed_at == START + timedelta(seconds=61)


async def test_a_figure_too_old_is_not_shown() -> None:
    clock = ManualClock(START)
    kept = Kept(clock, ttl=60, cheap=0.01, stale=600)
    slow = Counter(delay=0.02)
    await kept.get("k", slow)
    clock.advance(timedelta(minutes=11))
    assert (await kept.get("k", slow)).value == 2


async def test_a_final_figure_is_kept_however_old() -> None:
    clock = ManualClock(START)
    kept = Kept(clock)
    count = Counter()
    await kept.get("k", count, lambda _v: True)
    clock.advance(timedelta(days=40))
    assert (await kept.get("k", count, lambda _v: True)).value == 1


async def test_views_at_once_share_one_computation_and_keys_stay_apart() -> None:
    kept = Kept(ManualClock(START), cheap=0.01)
    slow = Counter(delay=0.05)
    other = Counter()
    shown = await asyncio.gather(*(kept.get("a", slow) for _ in range(5)), kept.get("b", other))
    assert [s.value for s in shown] == [1, 1, 1, 1, 1, 1]
    assert slow.calls == 1


async def test_a_failure_reaches_the_view_that_waits_and_is_not_kept() -> None:
    kept = Kept(ManualClock(START))
    calls = 0

    async def failing() -> int:
        nonlocal calls
        calls += 1
        raise LookupError("no price")

    for _ in range(2):
        with pytest.raises(LookupError, match="no price"):
            await kept.get("k", failing)
    assert calls == 2


async def test_a_view_that_may_wait_only_so_long_is_told_the_figure_is_on_its_way() -> None:
    kept = Kept(ManualClock(START), cheap=0.01)
    slow = Counter(delay=0.2)
    with pytest.raises(Pending) as pending:
        await kept.get("k", slow, wait=0.01)
    assert pending.value.since == START
    # The computation went on without the view: the next one, waiting, gets its figure.
    shown = await kept.get("k", slow, wait=1)
    assert shown.value == 1
    assert slow.calls == 1
