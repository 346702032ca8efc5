"""What the pool keeps per function version: its fleet of instances, and its counters."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from welkin.functions.instance import Instance
from welkin.functions.spec import InstanceSpec

DURATIONS_KEPT = 1024


@dataclass(frozen=True)
class FunctionStats:
    invocations: int
    errors: int
    throttles: int
    cold_starts: int
    cold_start_ms: tuple[float, ...]  # spawn to ready, the most recent first-to-last
    instances: int


@dataclass
class Counters:
    invocations: int = 0
    errors: int = 0
    throttles: int = 0
    cold_starts: int = 0
    cold_start_ms: deque[float] = field(default_factory=lambda: deque(maxlen=DURATIONS_KEPT))


@dataclass
class Fleet:
    """The instances of one function version, all made from ``spec``."""

    spec: InstanceSpec
    instances: list[Instance] = field(default_factory=list)
    starting: int = 0
    waiting_on_start: int = 0  # requests that will take a free slot of an instance starting now
    idle_since: dict[str, datetime] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    reserved: int = 0  # instances kept started whether or not requests come
    warming: int = 0  # of ``starting``, those started for the reservation, not for a request

    def notify(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    def usable(self) -> int:
        """Started instances that can take requests (busy ones too)."""
        return sum(1 for instance in self.instances if instance.usable)
