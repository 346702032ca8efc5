"""Pure parts of invocation: metrics and their percentiles, usage records, destinations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from welkin.core import errors
from welkin.functions import histogram
from welkin.functions.async_models import AsyncConfig, Destination, DestinationKind
from welkin.functions.invocation_models import MetricsSnapshot, MinuteFigures
from welkin.functions.usage_meter import UsageRecord

T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
URN = "urn:fss:local-1:p:function:default:fn"


def test_percentiles_from_histograms_are_within_five_percent_and_exact_for_one_value() -> None:
    counts: dict[int, int] = {}
    for d in range(1, 101):
        histogram.merge(counts, {histogram.bucket(float(d)): 1})
    p50 = histogram.percentile(counts, 0.50, 1.0, 100.0)
    p99 = histogram.percentile(counts, 0.99, 1.0, 100.0)
    assert 51.0 <= p50 <= 51.0 * 1.05
    assert p99 == 100.0  # the last bucket's bound, kept to the maximum seen
    assert histogram.percentile({histogram.bucket(12.0): 1}, 0.5, 0.0, 12.0) == 12.0
    assert histogram.percentile({}, 0.5, 0.0, 0.0) == 0.0
    assert histogram.bucket(0.0) == 0
    for d in (0.02, 0.5, 3.0, 999.9, 259_200_000.0):
        assert d <= histogram.upper_bound(histogram.bucket(d)) <= d * 1.05 + 1e-12
    assert histogram.loads(histogram.dumps(counts)) == counts


def test_minutes_sum_and_a_snapshot_counts_errors_throttles_and_cold_starts() -> None:
    def one(duration: float, error: str = "", cold: float | None = None) -> MinuteFigures:
        return MinuteFigures(
            count=1,
            function_errors=1 if error == "function" else 0,
            system_errors=1 if error == "system" else 0,
            cold_starts=0 if cold is None else 1,
            duration_total_ms=duration,
            max_duration_ms=duration,
            min_duration_ms=duration,
            max_cold_start_ms=cold or 0.0,
            gb_seconds=0.001,
            durations={histogram.bucket(duration): 1},
            cold_start_durations={} if cold is None else {histogram.bucket(cold): 1},
        )

    minutes = [one(5.0, cold=12.0), one(3.0, "function"), one(9.0, "system"), MinuteFigures(throttles=1)]
    total = MinuteFigures()
    for m in minutes:
        total = total.plus(m)
    assert (total.count, total.errors, total.throttles, total.min_duration_ms) == (3, 2, 1, 3.0)
    assert MinuteFigures(throttles=1).plus(one(7.0)).min_duration_ms == 7.0
    snap = MetricsSnapshot.of(minutes, 3)
    assert (snap.invocations, snap.errors, snap.function_errors, snap.system_errors) == (3, 2, 1, 1)
    assert (snap.throttles, snap.cold_starts, snap.cold_start_p50_ms, snap.instances) == (1, 1, 12.0, 3)
    assert (snap.min_duration_ms, snap.max_duration_ms, snap.duration_p99_ms) == (3.0, 9.0, 9.0)
    assert 5.0 <= snap.duration_p50_ms <= 5.25
    assert total.gb_seconds == pytest.approx(0.003)
    empty = MetricsSnapshot.of([], 0)
    assert (empty.invocations, empty.duration_p50_ms, empty.cold_start_p50_ms) == (0, 0.0, 0.0)


def test_a_usage_record_bills_whole_milliseconds_in_gb_seconds() -> None:
    record = UsageRecord.of("a", "p", URN, "latest", "r", "api", 99.2, 512, T0.isoformat())
    assert (record.duration_ms, record.gb_seconds) == (100, 0.05)
    assert UsageRecord.of("a", "p", URN, "1", "r", "api", 0.01, 128, "").duration_ms == 1


def test_each_usage_record_has_its_own_id_though_retries_share_a_request_id() -> None:
    first, retry = (UsageRecord.of("a", "p", URN, "1", "r", "async", 5, 128, "") for _ in range(2))
    assert first.request_id == retry.request_id
    assert first.record_id != retry.record_id


def test_destinations_and_settings_are_checked() -> None:
    to_obs = Destination.parse("OBS", '{"bucket": "b", "prefix": "x/"}', "on_failure")
    assert (to_obs.kind, to_obs.value("bucket"), to_obs.value("prefix")) == (DestinationKind.OBS, "b", "x/")
    for kind, param in (
        ("SMN", "{}"),
        ("OBS", "{}"),
        ("OBS", "not json"),
        ("FunctionGraph", '{"bucket": "b"}'),
    ):
        with pytest.raises(errors.InvalidArgument):
            Destination.parse(kind, param, "on_success")
    with pytest.raises(errors.InvalidArgument):
        AsyncConfig(max_retry_attempts=9)
    with pytest.raises(errors.InvalidArgument):
        AsyncConfig(max_event_age_s=10)
