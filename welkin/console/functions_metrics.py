"""A function's metrics charts: the invoker's per-minute figures over the last hour or day.

The last hour is 60 one-minute points; the last day 1,440 minutes folded into 96 bins of 15
minutes. Counts are summed per bin; p50/p99 come from each bin's merged duration histograms,
as ListFunctionStatistics computes them (within 5 %, see histogram.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from welkin.console.charts import Series, bar_chart, line_chart
from welkin.functions.invocation_models import MetricsSnapshot, MinuteFigures
from welkin.functions.invoker import Invoker


@dataclass(frozen=True)
class Range:
    key: str  # the query's ``range``
    label: str
    minutes: int
    bin_minutes: int


RANGES = {r.key: r for r in (Range("1h", "Last hour", 60, 1), Range("1d", "Last day", 1440, 15))}


@dataclass(frozen=True)
class FunctionCharts:
    range: Range
    totals: MetricsSnapshot
    invocations: Markup  # invocations, errors and cold starts per bin
    duration: Markup  # p50 and p99 per bin


async def function_charts(invoker: Invoker, urn: str, now: datetime, key: str) -> FunctionCharts:
    span = RANGES.get(key, RANGES["1h"])
    last = int(now.timestamp()) // 60
    first = last - span.minutes + 1
    minutes = await invoker.metrics.function_minutes(urn, datetime.fromtimestamp(first * 60, now.tzinfo))
    bins: list[MinuteFigures] = []
    labels: list[str] = []
    for start in range(first, last + 1, span.bin_minutes):
        total = MinuteFigures()
        for minute in range(start, min(start + span.bin_minutes, last + 1)):
            if minute in minutes:
                total = total.plus(minutes[minute])
        bins.append(total)
        moment = datetime.fromtimestamp(start * 60, now.tzinfo)
        labels.append(moment.strftime("%H:%M"))
    p50, p99 = [], []
    for b in bins:
        snapshot = MetricsSnapshot.of([b], 0)
        # A bin without invocations has no duration: a gap in the line, not a zero.
        p50.append(snapshot.duration_p50_ms if b.count else math.nan)
        p99.append(snapshot.duration_p99_ms if b.count else math.nan)
    per = "per minute" if span.bin_minutes == 1 else f"per {span.bin_minutes} minutes"
    counts = [
        Series("invocations", [float(b.count) for b in bins]),
        Series("errors", [float(b.errors) for b in bins]),
        Series("cold starts", [float(b.cold_starts) for b in bins]),
    ]
    durations = [Series("duration p50", p50), Series("duration p99", p99)]
    return FunctionCharts(
        span,
        MetricsSnapshot.of(minutes.values(), 0),
        bar_chart(counts, labels, "", title=f"Invocations, errors and cold starts {per}"),
        line_chart(durations, labels, "ms", title=f"Duration p50 and p99 {per}"),
    )
