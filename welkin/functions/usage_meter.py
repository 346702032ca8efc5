"""Usage records of invocations, journaled locally and published on the event bus for billing.

Topic ``functions.usage``; each event carries the records of one flush,
``{"records": [...]}``, each record::

    {"record_id", "account_id", "project_id", "function_urn", "version", "request_id",
     "source", "duration_ms", "memory_mb", "at"}

``record_id`` is unique per billable invocation; ``request_id`` is not (an async retry
reuses it). ``duration_ms`` is billed (rounded up, at least 1) and ``memory_mb`` whole, so
MB·ms = ``memory_mb * duration_ms`` is exact. An invocation only appends its record to the
journal (``welkin.core.meter_journal``); ``welkin.core.meter_outbox`` publishes it exactly
once, in the background, and at start what an earlier process left.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

from welkin.core.db import Database
from welkin.core.events import EventBus
from welkin.core.ids import new_id
from welkin.core.meter_journal import MeterJournal
from welkin.core.meter_outbox import MeterOutbox, OutboxSettings

TOPIC = "functions.usage"
JOURNAL = "functions"


@dataclass(frozen=True)
class UsageRecord:
    record_id: str
    account_id: str
    project_id: str
    function_urn: str  # unqualified
    version: str
    request_id: str
    source: str
    duration_ms: int  # billed: rounded up to the millisecond
    memory_mb: int
    at: str  # ISO 8601, UTC

    @property
    def gb_seconds(self) -> float:
        return round(self.memory_mb / 1024 * self.duration_ms / 1000, 9)

    @classmethod
    def of(
        cls,
        account_id: str,
        project_id: str,
        function_urn: str,
        version: str,
        request_id: str,
        source: str,
        duration_ms: float,
        memory_mb: int,
        at: str,
    ) -> UsageRecord:
        return cls(
            new_id(),
            account_id,
            project_id,
            function_urn,
            version,
            request_id,
            source,
            max(1, math.ceil(duration_ms)),
            memory_mb,
            at,
        )


class UsageMeter:
    def __init__(self, outbox: MeterOutbox) -> None:
        self._outbox = outbox

    @classmethod
    def build(cls, db: Database, events: EventBus, data_dir: Path) -> UsageMeter:
        journal = MeterJournal(data_dir / "meter" / JOURNAL)
        return cls(MeterOutbox(db, events, journal, OutboxSettings(JOURNAL, TOPIC)))

    def record(self, record: UsageRecord) -> None:
        """Journal the record before the invocation returns: a crash after this loses nothing."""
        self._outbox.append(asdict(record))

    async def start(self) -> None:
        await self._outbox.start()

    async def stop(self) -> None:
        await self._outbox.stop()

    async def flush(self) -> int:
        return await self._outbox.flush()
