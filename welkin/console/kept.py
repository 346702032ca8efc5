"""Figures that are slow to compute, kept for a minute so that pages stay fast.

    kept = Kept(clock)
    shown = await kept.get(("bill", account_id, month), lambda: billing.statement(account_id, month))
    shown.value, shown.computed_at      # the page says "as of HH:MM"

Rating a month is cheap for most accounts and about a second for a very heavy one (tens of
thousands of hourly rows). So a figure that computed in under ``cheap`` seconds is not kept at
all: the next view computes it again and shows the newest usage. A slower one is kept for
``ttl`` seconds; after that a view is answered with the figure kept, and one computation starts
in the background for the views after it (no more than one per key at a time), so that only the
first view of a heavy figure waits for it (a page may wait only so long: ``Pending`` says the
figure is on its way, and the page asks again). A figure older than ``stale`` is not shown: the view
waits for a new one. A value ``final(value)`` says is final (a closed month's invoice) is kept
until pushed out by newer keys (``keep`` keys at most).

The figures are per console (one per app), keyed by account: nothing of one account is ever
answered for another's key.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from welkin.core.clock import Clock

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Shown(Generic[T]):
    value: T
    computed_at: datetime  # the region clock's time when computing started
    seconds: float  # how long computing took (monotonic)


class Pending(Exception):
    """The figure is being computed and was not ready within the wait asked for."""

    def __init__(self, since: datetime) -> None:
        super().__init__(f"computing since {since.isoformat()}")
        self.since = since


class Kept:
    def __init__(
        self,
        clock: Clock,
        ttl: float = 60.0,
        cheap: float = 0.05,
        stale: float = 600.0,
        keep: int = 2048,
    ) -> None:
        self._clock = clock
        self._ttl = ttl
        self._cheap = cheap
        self._stale = stale
        self._keep = keep
        self._done: OrderedDict[Hashable, tuple[Shown[Any], bool]] = OrderedDict()
        self._running: dict[Hashable, asyncio.Task[Shown[Any]]] = {}
        self._started: dict[Hashable, datetime] = {}

    async def get(
        self,
        key: Hashable,
        compute: Callable[[], Awaitable[T]],
        final: Callable[[T], bool] = lambda _value: False,
        wait: float | None = None,
    ) -> Shown[T]:
        """The figure; with nothing to show, computed while the caller waits, at most ``wait``
        seconds (``Pending`` then, the computation going on for the views after it)."""
        found = self._done.get(key)
        if found is not None:
            shown, is_final = found
            age = (self._clock.now() - shown.computed_at).total_seconds()
            if is_final or 0 <= age < self._ttl:
                return shown
            if 0 <= age < self._stale:
                self._start(key, compute, final)
                return shown
        running = self._start(key, compute, final)
        # shielded: a view that goes away does not cancel what other views wait for
        try:
            return await asyncio.wait_for(asyncio.shield(running), wait)
        except TimeoutError:
            raise Pending(self._started.get(key, self._clock.now())) from None

    def _start(
        self, key: Hashable, compute: Callable[[], Awaitable[T]], final: Callable[[T], bool]
    ) -> asyncio.Task[Shown[T]]:
        running = self._running.get(key)
        if running is None:
            running = asyncio.create_task(self._compute(key, compute, final), name=f"console figure {key!r}")
            self._running[key] = running
            self._started[key] = self._clock.now()
            running.add_done_callback(lambda task: self._finished(key, task))
        return running

    async def _compute(
        self, key: Hashable, compute: Callable[[], Awaitable[T]], final: Callable[[T], bool]
    ) -> Shown[T]:
        at = self._clock.now()
        started = time.monotonic()
        value = await compute()
        shown = Shown(value, at, time.monotonic() - started)
        is_final = final(value)
        if is_final or shown.seconds >= self._cheap:
            self._done[key] = (shown, is_final)
            self._done.move_to_end(key)
            while len(self._done) > self._keep:
                self._done.popitem(last=False)
        else:
            self._done.pop(key, None)  # cheap now: the next view computes the newest
        return shown

    def _finished(self, key: Hashable, task: asyncio.Task[Shown[Any]]) -> None:
        self._running.pop(key, None)
        self._started.pop(key, None)
        if not task.cancelled() and task.exception() is not None:
            # A view waiting for it gets the error; a refresh nobody waited for is only logged.
            log.warning("computing %r for the console failed: %s", key, task.exception())
