"""What function references resolved to, kept briefly in memory: a warm invoke reads no database.

    cache = ResolvedCache(clock)
    resolution = cache.get(project_id, ref)      # None: not cached, or expired
    generation = cache.generation                # read before looking the reference up
    cache.put(project_id, ref, resolution, generation)
    cache.forget()                               # after every write to functions, versions, aliases

Every write through the registry forgets everything: writes are rare next to invokes, and
forgetting all is simpler than knowing which references a write touched (an alias names a
version, a version is named by several aliases). A look-up that started before a write must
not store what it read, so ``put`` is refused unless the generation is still the one read
before the look-up began. A change made by another process on the same database is seen
within ``ttl``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from welkin.core.clock import Clock
from welkin.functions.models import FunctionVersionSpec
from welkin.functions.urns import FunctionRef

_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Resolution:
    """The version a reference names and, for an alias that splits traffic, the other one."""

    spec: FunctionVersionSpec
    other: FunctionVersionSpec | None = None
    other_percent: int = 0  # of calls that go to ``other``

    def pick(self, rng: random.Random) -> FunctionVersionSpec:
        if self.other is not None and rng.randrange(100) < self.other_percent:
            return self.other
        return self.spec


class ResolvedCache:
    def __init__(self, clock: Clock, ttl: timedelta = timedelta(seconds=1)) -> None:
        self._clock = clock
        self._ttl = ttl
        self._entries: dict[tuple[str, FunctionRef], tuple[datetime, Resolution]] = {}
        self.generation = 0

    def get(self, project_id: str, ref: FunctionRef) -> Resolution | None:
        hit = self._entries.get((project_id, ref))
        if hit is None or self._clock.now() - hit[0] >= self._ttl:
            return None
        return hit[1]

    def put(self, project_id: str, ref: FunctionRef, resolution: Resolution, generation: int) -> None:
        if generation != self.generation:
            return
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries.clear()
        self._entries[(project_id, ref)] = (self._clock.now(), resolution)

    def forget(self) -> None:
        self.generation += 1
        self._entries.clear()
