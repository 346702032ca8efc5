"""Pure parts of invocation: metrics and their percentiles, usage records, destinations, logs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from welkin.core import errors
from welkin.functions.async_models import AsyncConfig, Destination, DestinationKind
from welkin.functions.invocation_logs import InvocationLogs
from welkin.functions.metrics import FunctionMetrics
from welkin.functions.usage_meter import UsageRecord

T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
URN = "urn:fss:local-1:p:function:default:fn"


def test_metrics_count_errors_throttles_cold_starts_and_percentiles() -> None:
    metrics = FunctionMetrics()
    for i in range(100):
        cold = 12.0 if i == 0 else None
        error = "function" if i % 10 == 0 else None
        metrics.invoked(URN, T0 + timedelta(seconds=i), float(i + 1), error, cold, 0.001)
    metrics.throttled(URN, T0)
    snap = metrics.snapshot(URN, 3)
    assert (snap.invocations, snap.errors, snap.function_errors, snap.throttles) == (100, 10, 10, 1)
    assert (snap.cold_starts, snap.cold_start_p50_ms, snap.instances) == (1, 12.0, 3)
    assert (snap.duration_p50_ms, snap.duration_p99_ms) == (51.0, 100.0)
    minutes = metrics.minutes(T0, lambda urn: urn == URN)
    assert sum(m.count for m in minutes.values()) == 100
    assert sum(m.throttles for m in minutes.values()) == 1
    assert sum(m.gb_seconds for m in minutes.values()) == pytest.approx(0.1)
    assert metrics.minutes(T0, lambda urn: urn == URN + "2") == {}


def test_a_usage_record_bills_whole_milliseconds_in_gb_seconds() -> None:
    record = UsageRecord.of("a", "p", URN, "latest", "r", "api", 99.2, 512, T0.isoformat())
    assert (record.duration_ms, record.gb_seconds) == (100, 0.05)
    assert UsageRecord.of("a", "p", URN, "1", "r", "api", 0.01, 128, "").duration_ms == 1


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


def test_logs_are_bounded_per_function_and_found_by_request() -> None:
    logs = InvocationLogs(per_function=3, max_bytes=10)
    for i in range(5):
        logs.add(URN, "latest", f"r{i}", "api", T0, 1.0, "", b"x" * 20 + str(i).encode(), False)
    kept = logs.recent(URN, 10)
    assert [e.request_id for e in kept] == ["r2", "r3", "r4"]
    assert kept[-1].text == "xxxxxxxxx4"
    assert kept[-1].truncated
    assert [e.request_id for e in logs.recent(URN, 10, after_seq=kept[0].seq)] == ["r3", "r4"]
    assert [e.request_id for e in logs.recent(URN, 10, request_id="r3")] == ["r3"]
    assert logs.recent(URN + "x", 10) == []
