"""What invocations leave behind, as the store keeps it and the API reads it: one invocation's
log, one function's figures for one minute, and a function's figures over a period."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from welkin.functions import histogram


@dataclass(frozen=True)
class InvocationLog:
    seq: int  # increasing across the region: a follower asks for what came after one
    function_urn: str  # unqualified
    version: str
    request_id: str
    source: str
    at: datetime  # when it ended
    duration_ms: float
    error_code: str  # "" when the function succeeded
    text: str  # stdout and stderr, utf-8 with replacements
    truncated: bool

    @property
    def status(self) -> str:
        return "failed" if self.error_code else "success"


@dataclass(frozen=True)
class MinuteFigures:
    """One minute of one function (or of several, summed): what ListFunctionStatistics reports
    per point. ``min_duration_ms`` means something only when ``count`` is above 0."""

    count: int = 0
    function_errors: int = 0
    system_errors: int = 0
    throttles: int = 0
    cold_starts: int = 0
    duration_total_ms: float = 0.0
    max_duration_ms: float = 0.0
    min_duration_ms: float = 0.0
    max_cold_start_ms: float = 0.0
    gb_seconds: float = 0.0
    durations: Mapping[int, int] = field(default_factory=dict)  # histogram buckets
    cold_start_durations: Mapping[int, int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return self.function_errors + self.system_errors

    def plus(self, other: MinuteFigures) -> MinuteFigures:
        durations = dict(self.durations)
        histogram.merge(durations, other.durations)
        cold = dict(self.cold_start_durations)
        histogram.merge(cold, other.cold_start_durations)
        if not self.count or not other.count:
            low = self.min_duration_ms if self.count else other.min_duration_ms
        else:
            low = min(self.min_duration_ms, other.min_duration_ms)
        return MinuteFigures(
            self.count + other.count,
            self.function_errors + other.function_errors,
            self.system_errors + other.system_errors,
            self.throttles + other.throttles,
            self.cold_starts + other.cold_starts,
            self.duration_total_ms + other.duration_total_ms,
            max(self.max_duration_ms, other.max_duration_ms),
            low,
            max(self.max_cold_start_ms, other.max_cold_start_ms),
            self.gb_seconds + other.gb_seconds,
            durations,
            cold,
        )


@dataclass(frozen=True)
class MetricsSnapshot:
    """A function's figures over a period: its minutes summed, percentiles from their
    histograms (within 5 %, see histogram.py)."""

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

    @classmethod
    def of(cls, minutes: Iterable[MinuteFigures], instances: int) -> MetricsSnapshot:
        total = MinuteFigures()
        for minute in minutes:
            total = total.plus(minute)
        low, high = total.min_duration_ms, total.max_duration_ms
        return cls(
            invocations=total.count,
            errors=total.errors,
            function_errors=total.function_errors,
            system_errors=total.system_errors,
            throttles=total.throttles,
            cold_starts=total.cold_starts,
            duration_p50_ms=histogram.percentile(total.durations, 0.50, low, high),
            duration_p99_ms=histogram.percentile(total.durations, 0.99, low, high),
            cold_start_p50_ms=histogram.percentile(
                total.cold_start_durations, 0.50, 0.0, total.max_cold_start_ms
            ),
            max_duration_ms=high,
            min_duration_ms=low,
            instances=instances,
        )
