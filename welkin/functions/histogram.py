"""Durations as a log-scale histogram: percentiles within 5 % from a few hundred counters.

Bucket ``i`` holds durations in ``(FLOOR * GROWTH**(i-1), FLOOR * GROWTH**i]`` milliseconds
(bucket 0 everything up to ``FLOOR``). A minute's histogram is stored beside its sums, and
histograms of any minutes merge by adding counts, so a percentile over a period costs a read
of that period's minute rows, not of every invocation. A percentile is its bucket's upper
bound, kept within the observed minimum and maximum: never more than 5 % above the exact
figure, and exact when every duration is the same.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

FLOOR_MS = 0.01
GROWTH = 1.05
_LOG_GROWTH = math.log(GROWTH)


def bucket(duration_ms: float) -> int:
    if duration_ms <= FLOOR_MS:
        return 0
    return math.ceil(math.log(duration_ms / FLOOR_MS) / _LOG_GROWTH - 1e-9)


def upper_bound(index: int) -> float:
    return FLOOR_MS * GROWTH**index


def merge(into: dict[int, int], counts: Mapping[int, int]) -> None:
    for index, count in counts.items():
        into[index] = into.get(index, 0) + count


def percentile(counts: Mapping[int, int], q: float, low: float, high: float) -> float:
    """The duration under which a share ``q`` of them fall, as ``sorted(d)[int(q * n)]``
    would pick it, to within one bucket; 0.0 for no durations."""
    total = sum(counts.values())
    if total == 0:
        return 0.0
    rank = min(total - 1, int(q * total))
    seen = 0
    for index in sorted(counts):
        seen += counts[index]
        if seen > rank:
            return min(high, max(low, upper_bound(index)))
    return high


def dumps(counts: Mapping[int, int]) -> str:
    return json.dumps({str(k): v for k, v in sorted(counts.items())}, separators=(",", ":"))


def loads(text: str) -> dict[int, int]:
    return {int(k): int(v) for k, v in json.loads(text).items()}
