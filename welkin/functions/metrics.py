"""Per-function invocation metrics, in memory: counters and recent durations.

Kept per function (its unqualified URN) and per minute, so ListFunctionStatistics can answer
for a period; durations keep a bounded window for the p50/p99. Figures start from zero at
each start of the server.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

_DURATIONS_KEPT = 2048
_MINUTES_KEPT = 24 * 60


@dataclass(frozen=True)
class MetricsSnapshot:
    invocations: int
    errors: int  # function errors and platform failures
    function_errors: int
    system_errors: int
    throttles: int
    cold_starts: int
    duration_p50_ms: float
    duration_p99_ms: float
    cold_start_p50_ms: float
    max_duration_ms: float
    min_duration_ms: float
    instances: int


@dataclass
class MinuteFigures:
    """One minute of one function: what ListFunctionStatistics reports per point."""

    count: int = 0
    errors: int = 0
    function_errors: int = 0
    system_errors: int = 0
    throttles: int = 0
    duration_total_ms: float = 0.0
    max_duration_ms: float = 0.0
    min_duration_ms: float = 0.0
    gb_seconds: float = 0.0


@dataclass
class _Function:
    invocations: int = 0
    function_errors: int = 0
    system_errors: int = 0
    throttles: int = 0
    cold_starts: int = 0
    durations: deque[float] = field(default_factory=lambda: deque(maxlen=_DURATIONS_KEPT))
    cold_start_ms: deque[float] = field(default_factory=lambda: deque(maxlen=_DURATIONS_KEPT))
    minutes: dict[int, MinuteFigures] = field(default_factory=dict)

    def minute(self, at: datetime) -> MinuteFigures:
        key = int(at.timestamp()) // 60
        figures = self.minutes.get(key)
        if figures is None:
            figures = self.minutes[key] = MinuteFigures()
            for old in [k for k in self.minutes if k <= key - _MINUTES_KEPT]:
                del self.minutes[old]
        return figures


class FunctionMetrics:
    def __init__(self) -> None:
        self._functions: dict[str, _Function] = {}

    def _of(self, function_urn: str) -> _Function:
        return self._functions.setdefault(function_urn, _Function())

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
        fn = self._of(function_urn)
        fn.invocations += 1
        fn.durations.append(duration_ms)
        if cold_start_ms is not None:
            fn.cold_starts += 1
            fn.cold_start_ms.append(cold_start_ms)
        minute = fn.minute(at)
        minute.count += 1
        minute.duration_total_ms += duration_ms
        minute.gb_seconds += gb_seconds
        minute.max_duration_ms = max(minute.max_duration_ms, duration_ms)
        minute.min_duration_ms = (
            duration_ms if minute.count == 1 else min(minute.min_duration_ms, duration_ms)
        )
        if error == "function":
            fn.function_errors += 1
            minute.function_errors += 1
            minute.errors += 1
        elif error == "system":
            fn.system_errors += 1
            minute.system_errors += 1
            minute.errors += 1

    def throttled(self, function_urn: str, at: datetime) -> None:
        fn = self._of(function_urn)
        fn.throttles += 1
        fn.minute(at).throttles += 1

    def snapshot(self, function_urn: str, instances: int) -> MetricsSnapshot:
        fn = self._functions.get(function_urn) or _Function()
        durations = sorted(fn.durations)
        return MetricsSnapshot(
            invocations=fn.invocations,
            errors=fn.function_errors + fn.system_errors,
            function_errors=fn.function_errors,
            system_errors=fn.system_errors,
            throttles=fn.throttles,
            cold_starts=fn.cold_starts,
            duration_p50_ms=_percentile(durations, 0.50),
            duration_p99_ms=_percentile(durations, 0.99),
            cold_start_p50_ms=_percentile(sorted(fn.cold_start_ms), 0.50),
            max_duration_ms=durations[-1] if durations else 0.0,
            min_duration_ms=durations[0] if durations else 0.0,
            instances=instances,
        )

    def minutes(self, since: datetime, match: Callable[[str], bool]) -> dict[int, MinuteFigures]:
        """Figures per minute (epoch minute) since ``since``, summed over the functions whose
        URN ``match`` accepts."""
        first = int(since.timestamp()) // 60
        out: dict[int, MinuteFigures] = {}
        for urn, fn in self._functions.items():
            if not match(urn):
                continue
            for key, figures in fn.minutes.items():
                if key < first:
                    continue
                total = out.get(key)
                if total is None:
                    out[key] = replace(figures)
                    continue
                total.count += figures.count
                total.errors += figures.errors
                total.function_errors += figures.function_errors
                total.system_errors += figures.system_errors
                total.throttles += figures.throttles
                total.duration_total_ms += figures.duration_total_ms
                total.gb_seconds += figures.gb_seconds
                total.max_duration_ms = max(total.max_duration_ms, figures.max_duration_ms)
                if figures.count:
                    total.min_duration_ms = (
                        figures.min_duration_ms
                        if total.count == figures.count
                        else min(total.min_duration_ms, figures.min_duration_ms)
                    )
        return dict(sorted(out.items()))


def _percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
