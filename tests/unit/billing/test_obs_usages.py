"""OBS usage records into billing's usages: a request is one of its class plus the bytes it
sent, a storage sample its byte-hours; anything malformed is rejected, never guessed at."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from welkin.billing.catalog import PriceCatalog
from welkin.billing.meter import (
    OBS_RESOURCE,
    OBS_SERVICE,
    OBS_STORAGE_USAGE_TYPES,
    Rejected,
    Usage,
    obs_usages,
)

REGION = "local-1"
AT = datetime(2026, 11, 22, 12, 15, tzinfo=UTC)
NOON = datetime(2026, 11, 22, 12, tzinfo=UTC)


def request(**changes: object) -> dict[str, object]:
    made: dict[str, object] = {
        "record_id": "r1",
        "account_id": "acct",
        "bucket": "photos",
        "kind": "request",
        "class": "read",
        "bytes_out": 0,
        "at": "2026-11-22T12:15:00+00:00",
    }
    made.update(changes)
    return made


def storage(**changes: object) -> dict[str, object]:
    made: dict[str, object] = {
        "record_id": "obs.storage:acct:photos:STANDARD:20261122T12",
        "account_id": "acct",
        "bucket": "photos",
        "kind": "storage",
        "storage_class": "STANDARD",
        "byte_hours": 5 << 30,
        "hour": "2026-11-22T12:00:00+00:00",
    }
    made.update(changes)
    return made


def usage(record_id: str, usage_type: str, quantity: int, at: datetime = AT) -> Usage:
    return Usage(record_id, usage_type, "acct", OBS_SERVICE, OBS_RESOURCE, "photos", REGION, quantity, at)


def test_a_request_without_a_body_is_one_request_of_its_class() -> None:
    assert obs_usages(request(), REGION) == [usage("r1", "obs_requests_read", 1)]
    assert obs_usages(request(**{"class": "write"}), REGION) == [usage("r1", "obs_requests_write", 1)]


def test_a_download_is_also_its_bytes_out_under_another_usage_type() -> None:
    assert obs_usages(request(bytes_out=1234), REGION) == [
        usage("r1", "obs_requests_read", 1),
        usage("r1", "obs_traffic_out", 1234),
    ]


def test_a_storage_sample_is_its_byte_hours_at_its_hour() -> None:
    record = storage()
    assert obs_usages(record, REGION) == [
        usage(str(record["record_id"]), "obs_storage_standard", 5 << 30, NOON),
    ]


def test_every_usage_type_made_is_in_the_price_catalog() -> None:
    made = {"obs_requests_read", "obs_requests_write", "obs_traffic_out", *OBS_STORAGE_USAGE_TYPES.values()}
    catalog = PriceCatalog.default()
    assert made <= set(catalog.usage_types)
    for usage_type in made:
        assert {(v.service_type, v.resource_type) for v in catalog.versions(usage_type)} == {
            (OBS_SERVICE, OBS_RESOURCE)
        }


@pytest.mark.parametrize(
    "record",
    [
        request(record_id=""),
        request(account_id=None),
        request(bucket=7),
        request(kind="delete"),
        request(kind=None),
        request(**{"class": "delete"}),
        request(bytes_out=-1),
        request(bytes_out=1.5),
        request(bytes_out=True),
        request(bytes_out=None),
        request(at="2026-11-22T12:15:00"),
        storage(storage_class="GLACIER"),
        storage(byte_hours=0),
        storage(byte_hours="12"),
        storage(hour="2026-11-22T12:30:00+00:00"),
        storage(hour="2026-11-22T12:00:00+05:30"),
        storage(hour="yesterday"),
    ],
)
def test_malformed_records_are_rejected(record: dict[str, object]) -> None:
    with pytest.raises(Rejected):
        obs_usages(record, REGION)
