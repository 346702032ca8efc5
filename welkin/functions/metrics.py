"""Per-function invocation metrics, per minute, kept in the metadata store so they survive a restart.

An invocation only adds to its function's current minute in memory (``invoked`` and
``throttled`` never wait on the database); a background task adds those figures to the
minute rows of the store every ``interval`` seconds and when the server stops. Readers get
the store and what waits together. Durations go into each minute's histogram (histogram.py),
so percentiles over any period come from that period's rows.

Bounds: minute rows older than ``retention`` are pruned by the writer; while the store fails,
at most ``max_waiting`` function-minutes wait in memory, beyond that the oldest are dropped
and their invocations counted in ``dropped``. A crash loses the last ``interval`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.core.flusher import Flusher
from welkin.functions import histogram
from welkin.functions import invocation_store as store
from welkin.functions.invocation_models import MinuteFigures
from welkin.functions.invocation_store import MinuteKey

log = logging.getLogger(__name__)
_PRUNE_EVERY = timedelta(minutes=1)


class _Tally:
    """One function's current minute, added to in place: the invocation path's only cost."""

    __slots__ = (
        "cold_start_durations",
        "cold_starts",
        "count",
        "duration_total_ms",
        "durations",
        "function_errors",
        "gb_seconds",
        "max_cold_start_ms",
        "max_duration_ms",
        "min_duration_ms",
        "system_errors",
        "throttles",
    )

    def __init__(self) -> None:
        self.count = self.function_errors = self.system_errors = self.throttles = self.cold_starts = 0
        self.duration_total_ms = self.max_duration_ms = self.min_duration_ms = 0.0
        self.max_cold_start_ms = self.gb_seconds = 0.0
        self.durations: dict[int, int] = {}
        self.cold_start_durations: dict[int, int] = {}

    def figures(self) -> MinuteFigures:
        return MinuteFigures(
            self.count,
            self.function_errors,
            self.system_errors,
            self.throttles,
            self.cold_starts,
            self.duration_total_ms,
            self.max_duration_ms,
            self.min_duration_ms,
            self.max_cold_start_ms,
            self.gb_seconds,
            dict(self.durations),
            dict(self.cold_start_durations),
        )


class FunctionMetrics:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        retention: timedelta = timedelta(days=32),
        interval: float = 1.0,
        max_waiting: int = 10_000,
    ) -> None:
        self._db = db
        self._clock = clock
        self._retention = retention
        self._max_waiting = max_waiting
        self._tallies: dict[MinuteKey, _Tally] = {}  # since the last write
        self._unwritten: dict[MinuteKey, MinuteFigures] = {}  # taken by a write that failed
        # Held by a write and by a reader, so that a reader never counts figures both in
        # memory and in the store.
        self._lock = asyncio.Lock()
        self._pruned_at: datetime | None = None
        self._flusher = Flusher("function metrics", self.flush, interval)
        self.dropped = 0  # invocations and throttles let go while the store was failing
        self._dropped_told = 0

    async def start(self) -> None:
        await self._flusher.start()

    async def stop(self) -> None:
        await self._flusher.stop()

    def invoked(
        self,
        function_urn: str,
        at: datetime,
        duration_ms: float,
        error: str | None,
        cold_start_ms: float | None,
        gb_seconds: float,
    ) -> None:
        """``error``: None, "function" (the handler failed) or "system" (the platform did)."""
        tally = self._tally(function_urn, at)
        tally.min_duration_ms = duration_ms if not tally.count else min(tally.min_duration_ms, duration_ms)
        tally.count += 1
        tally.duration_total_ms += duration_ms
        tally.max_duration_ms = max(tally.max_duration_ms, duration_ms)
        tally.gb_seconds += gb_seconds
        index = histogram.bucket(duration_ms)
        tally.durations[index] = tally.durations.get(index, 0) + 1
        if cold_start_ms is not None:
            tally.cold_starts += 1
            tally.max_cold_start_ms = max(tally.max_cold_start_ms, cold_start_ms)
            index = histogram.bucket(cold_start_ms)
            tally.cold_start_durations[index] = tally.cold_start_durations.get(index, 0) + 1
        if error == "function":
            tally.function_errors += 1
        elif error == "system":
            tally.system_errors += 1

    def throttled(self, function_urn: str, at: datetime) -> None:
        self._tally(function_urn, at).throttles += 1

    def _tally(self, function_urn: str, at: datetime) -> _Tally:
        key = (function_urn, int(at.timestamp()) // 60)
        tally = self._tallies.get(key)
        if tally is None:
            if len(self._tallies) + len(self._unwritten) >= self._max_waiting:
                self._let_go_oldest()
            tally = self._tallies[key] = _Tally()
        return tally

    def _let_go_oldest(self) -> None:
        """Drop the oldest function-minute waiting, those a failed write gave back first."""
        if self._unwritten:
            figures = self._unwritten.pop(min(self._unwritten, key=lambda k: k[1]))
            self.dropped += figures.count + figures.throttles
        else:
            tally = self._tallies.pop(min(self._tallies, key=lambda k: k[1]))
            self.dropped += tally.count + tally.throttles

    def _waiting(self, match: Callable[[str], bool], first: int) -> dict[MinuteKey, MinuteFigures]:
        out = {k: f for k, f in self._unwritten.items() if k[1] >= first and match(k[0])}
        for key, tally in self._tallies.items():
            if key[1] >= first and match(key[0]):
                out[key] = out[key].plus(tally.figures()) if key in out else tally.figures()
        return out

    async def function_minutes(self, function_urn: str, since: datetime) -> dict[int, MinuteFigures]:
        """The function's figures per epoch minute since ``since``, oldest first."""
        first = int(since.timestamp()) // 60
        async with self._lock:
            waiting = self._waiting(lambda urn: urn == function_urn, first)
            stored = await self._db.run_read(
                lambda conn: store.function_minutes_since(conn, function_urn, first)
            )
        return _per_minute(stored, waiting)

    async def project_minutes(self, urn_prefix: str, since: datetime) -> dict[int, MinuteFigures]:
        """Figures per epoch minute since ``since``, summed over the functions whose URN starts
        with ``urn_prefix`` (a project's); the sums only, not the histograms."""
        first = int(since.timestamp()) // 60
        async with self._lock:
            waiting = self._waiting(lambda urn: urn.startswith(urn_prefix), first)
            stored = await self._db.run_read(
                lambda conn: store.project_minutes_since(conn, urn_prefix, first)
            )
        return _per_minute(stored, waiting)

    async def functions_since(self, urn_prefix: str, since: datetime) -> dict[str, MinuteFigures]:
        """Each function's minutes since ``since`` summed, for the functions whose URN starts
        with ``urn_prefix`` (a project's); the sums only, not the histograms."""
        first = int(since.timestamp()) // 60
        async with self._lock:
            waiting = self._waiting(lambda urn: urn.startswith(urn_prefix), first)
            stored = await self._db.run_read(
                lambda conn: store.project_minutes_since(conn, urn_prefix, first)
            )
        out: dict[str, MinuteFigures] = {}
        for part in (stored, waiting):
            for (urn, _minute), figures in part.items():
                out[urn] = out[urn].plus(figures) if urn in out else figures
        return out

    async def flush(self) -> int:
        """Add what waits to the store's minutes; prune old minutes. Raises if the store fails:
        the figures then wait for the next try."""
        async with self._lock:
            deltas = self._waiting(lambda _urn: True, 0)
            self._tallies, self._unwritten = {}, {}
            now = self._clock.now()
            by_age = self._pruned_at is None or now - self._pruned_at >= _PRUNE_EVERY
            if not deltas and not by_age:
                return 0
            oldest_kept = int((now - self._retention).timestamp()) // 60
            try:
                await self._db.run_write(lambda conn: _write(conn, deltas, oldest_kept if by_age else None))
            except Exception:
                self._unwritten = deltas
                while self._unwritten and len(self._unwritten) + len(self._tallies) > self._max_waiting:
                    self._let_go_oldest()
                raise
            if by_age:
                self._pruned_at = now
        if self.dropped > self._dropped_told:
            log.warning(
                "%d invocations were left out of the metrics: the metadata store was failing",
                self.dropped - self._dropped_told,
            )
            self._dropped_told = self.dropped
        return len(deltas)


def _write(conn: Connection, deltas: dict[MinuteKey, MinuteFigures], prune_before: int | None) -> None:
    store.add_minutes(conn, deltas)
    if prune_before is not None:
        store.delete_minutes_before(conn, prune_before)


def _per_minute(*parts: dict[MinuteKey, MinuteFigures]) -> dict[int, MinuteFigures]:
    out: dict[int, MinuteFigures] = {}
    for part in parts:
        for (_urn, minute), figures in part.items():
            out[minute] = out[minute].plus(figures) if minute in out else figures
    return dict(sorted(out.items()))
