"""Storage sampling's arithmetic: which hours are due, and the records of one hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from welkin.obs.storage_sampler import BucketStorage, due_hours, storage_record_id, storage_records

H = timedelta(hours=1)
NOON = datetime(2026, 11, 22, 12, tzinfo=UTC)


def test_a_new_region_samples_only_the_last_hour_that_ended() -> None:
    assert due_hours(None, NOON + 35 * timedelta(minutes=1)) == [NOON - H]
    assert due_hours(None, NOON) == [NOON - H]


def test_an_hour_is_due_once_it_has_ended() -> None:
    assert due_hours(NOON - H, NOON - timedelta(microseconds=1)) == []
    assert due_hours(NOON - H, NOON) == []
    assert due_hours(NOON - H, NOON + H) == [NOON]
    assert due_hours(NOON, NOON + H + timedelta(minutes=59)) == []


def test_every_hour_missed_is_due_across_a_day_and_a_month() -> None:
    last = datetime(2026, 11, 30, 22, tzinfo=UTC)
    assert due_hours(last, datetime(2026, 12, 1, 2, 30, tzinfo=UTC)) == [last + n * H for n in range(1, 4)]


def test_ids_name_the_account_bucket_class_and_hour() -> None:
    assert (
        storage_record_id("acct", "photos", "STANDARD", NOON)
        == "obs.storage:acct:photos:STANDARD:20261122T12"
    )


def stored(bucket: str, size: int, created_at: datetime = NOON - 48 * H) -> BucketStorage:
    return BucketStorage("acct", bucket, created_at, "STANDARD", size)


def test_an_hour_s_records_hold_each_bucket_s_bytes_for_the_hour() -> None:
    records = storage_records([stored("a", 3 << 20), stored("b", 65536)], NOON)
    assert records == [
        {
            "record_id": "obs.storage:acct:a:STANDARD:20261122T12",
            "account_id": "acct",
            "bucket": "a",
            "kind": "storage",
            "storage_class": "STANDARD",
            "byte_hours": 3 << 20,
            "hour": "2026-11-22T12:00:00+00:00",
        },
        {
            "record_id": "obs.storage:acct:b:STANDARD:20261122T12",
            "account_id": "acct",
            "bucket": "b",
            "kind": "storage",
            "storage_class": "STANDARD",
            "byte_hours": 65536,
            "hour": "2026-11-22T12:00:00+00:00",
        },
    ]
    # The same hour sampled again makes the same ids: billing counts them once.
    assert storage_records([stored("a", 5)], NOON)[0]["record_id"] == records[0]["record_id"]


def test_empty_buckets_and_hours_before_a_bucket_was_made_yield_nothing() -> None:
    made = NOON + 30 * timedelta(minutes=1)
    assert storage_records([stored("empty", 0)], NOON) == []
    assert storage_records([stored("new", 10, made)], NOON - H) == []
    assert [r["bucket"] for r in storage_records([stored("new", 10, made)], NOON)] == ["new"]
