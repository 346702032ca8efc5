"""Billing's side of metering: usage records from the bus, counted exactly once, summed by hour.

The bus delivers an event at least once; each record carries an id chosen when it was
recorded. One transaction per event records the ids of its records, skipping ids already
there, and adds the usages of only the records it recorded to the hourly totals, so a
redelivered event adds nothing. A malformed record is kept in ``billing_rejected`` and logged, never raised: a
handler that raises is retried forever and holds back every event after it.

A FunctionGraph invocation is two usages of the function version that ran (its URN
qualified by the version, as FunctionGraph writes it: ``urn:fss:...:function:default:fn:latest``):
one request (``fgs_requests``) and its billed duration times its memory (``fgs_duration``, in
MB·ms). An OBS request is one request of its class (``obs_requests_write`` or
``obs_requests_read``) and, when it sent a body, its bytes (``obs_traffic_out``); an OBS
storage sample is the byte-hours one bucket held in one storage class for one hour. Another
service's records need only their own ``usages_of``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from welkin.billing.tables import billing_counted_records, billing_rejected, billing_usage_hourly
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.core.events import Event

log = logging.getLogger(__name__)

FGS_SERVICE = "hws.service.type.functiongraph"
FGS_RESOURCE = "hws.resource.type.function"
OBS_SERVICE = "hws.service.type.obs"
OBS_RESOURCE = "hws.resource.type.obs"
# The one place a storage class meets its price: a class missing here is rejected, not
# billed at another class's price.
OBS_STORAGE_USAGE_TYPES = {"STANDARD": "obs_storage_standard"}
_OBS_REQUEST_CLASSES = ("write", "read")
# Every usage type the meters above make: a price catalog must price each of them.
METERED_USAGE_TYPES = (
    "fgs_requests",
    "fgs_duration",
    *(f"obs_requests_{c}" for c in _OBS_REQUEST_CLASSES),
    "obs_traffic_out",
    *OBS_STORAGE_USAGE_TYPES.values(),
)
# Bounds that no real invocation reaches, so a product of two can never overflow BIGINT sums.
_MAX_DURATION_MS = 10**9
_MAX_MEMORY_MB = 10**6
_MAX_TEXT = 1024
# A petabyte sent in one response, an exabyte-hour in one bucket: far past any real one.
_MAX_BYTES_OUT = 10**15
_MAX_BYTE_HOURS = 10**18


class Rejected(ValueError):
    """A record billing cannot count, with the reason."""


@dataclass(frozen=True)
class Usage:
    record_id: str
    usage_type: str
    account_id: str
    service: str
    resource_type: str
    resource_id: str
    region: str
    quantity: int
    at: datetime

    @property
    def hour(self) -> datetime:
        return self.at.replace(minute=0, second=0, microsecond=0)


UsagesOf = Callable[[Mapping[str, object], str], list[Usage]]


def _text(record: Mapping[str, object], field: str) -> str:
    value = record.get(field)
    if not isinstance(value, str) or not value or len(value) > _MAX_TEXT:
        raise Rejected(f"{field} must be a non-empty string of at most {_MAX_TEXT} characters")
    return value


def _count(record: Mapping[str, object], field: str, most: int, least: int = 1) -> int:
    value = record.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise Rejected(f"{field} must be a whole number from {least} to {most}")
    return value


def _utc(record: Mapping[str, object], field: str) -> datetime:
    try:
        at = datetime.fromisoformat(_text(record, field))
        if at.utcoffset() is None:
            raise Rejected(f"{field} must say its offset from UTC")
        return at.astimezone(UTC)
    except (ValueError, OverflowError) as why:  # OverflowError: year 1 with a positive offset
        if isinstance(why, Rejected):
            raise
        raise Rejected(f"{field} must be an ISO 8601 time") from None


def function_usages(record: Mapping[str, object], region: str) -> list[Usage]:
    """The usages of one ``functions.usage`` record; ``Rejected`` when it is malformed."""
    record_id = _text(record, "record_id")
    account_id = _text(record, "account_id")
    urn = _text(record, "function_urn")
    version = _text(record, "version")
    duration_ms = _count(record, "duration_ms", _MAX_DURATION_MS)
    memory_mb = _count(record, "memory_mb", _MAX_MEMORY_MB)
    at = _utc(record, "at")
    common = (account_id, FGS_SERVICE, FGS_RESOURCE, f"{urn}:{version}", region)
    return [
        Usage(record_id, "fgs_requests", *common, 1, at),
        Usage(record_id, "fgs_duration", *common, memory_mb * duration_ms, at),
    ]


def obs_usages(record: Mapping[str, object], region: str) -> list[Usage]:
    """The usages of one ``obs.usage`` record (a request or a storage sample), for its bucket."""
    record_id = _text(record, "record_id")
    common = (_text(record, "account_id"), OBS_SERVICE, OBS_RESOURCE, _text(record, "bucket"), region)
    kind = record.get("kind")
    if kind == "request":
        request_class = record.get("class")
        if request_class not in _OBS_REQUEST_CLASSES:
            raise Rejected(f"class must be one of {', '.join(_OBS_REQUEST_CLASSES)}")
        bytes_out = _count(record, "bytes_out", _MAX_BYTES_OUT, least=0)
        at = _utc(record, "at")
        usages = [Usage(record_id, f"obs_requests_{request_class}", *common, 1, at)]
        if bytes_out:
            usages.append(Usage(record_id, "obs_traffic_out", *common, bytes_out, at))
        return usages
    if kind == "storage":
        usage_type = OBS_STORAGE_USAGE_TYPES.get(str(record.get("storage_class")))
        if usage_type is None:
            raise Rejected(f"storage_class must be one of {', '.join(OBS_STORAGE_USAGE_TYPES)}")
        byte_hours = _count(record, "byte_hours", _MAX_BYTE_HOURS)
        hour = _utc(record, "hour")
        if hour != hour.replace(minute=0, second=0, microsecond=0):
            raise Rejected("hour must be the start of an hour")
        return [Usage(record_id, usage_type, *common, byte_hours, hour)]
    raise Rejected("kind must be request or storage")


class BillingMeter:
    """The handler of one billing consumer (``billing.functions``, ``billing.obs``)."""

    def __init__(self, db: Database, clock: Clock, region: str, usages_of: UsagesOf) -> None:
        self._db = db
        self._clock = clock
        self._region = region
        self._usages_of = usages_of

    async def handle(self, event: Event) -> None:
        # Each record's usages, by its id; a record repeated within the event counts once.
        usages: dict[str, list[Usage]] = {}
        rejects: list[tuple[int, str, object]] = []
        records = event.payload.get("records")
        if not isinstance(records, list):
            rejects.append((-1, "the event has no list of records", event.payload))
            records = []
        for position, record in enumerate(records):
            try:
                if not isinstance(record, dict):
                    raise Rejected("a record must be a JSON object")
                made = self._usages_of(record, self._region)
                if made:
                    usages.setdefault(made[0].record_id, made)
            except Rejected as why:
                rejects.append((position, str(why), record))
        if rejects:
            position, reason, _record = rejects[0]
            log.error(
                "billing rejected %d records of event %d (%s), the first at %d: %s",
                len(rejects),
                event.seq,
                event.topic,
                position,
                reason,
            )
        await self._db.run_write(lambda conn: self._count(conn, event, usages, rejects))

    def _count(
        self,
        conn: Connection,
        event: Event,
        usages: dict[str, list[Usage]],
        rejects: list[tuple[int, str, object]],
    ) -> None:
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        now = self._clock.now()
        inserted: set[str] = set()
        if usages:
            # One statement, run for many rows: compiled once and cached, where a VALUES list
            # as long as the batch would be compiled afresh for every event.
            raw = (
                insert(billing_counted_records)
                .on_conflict_do_nothing(index_elements=["record_id"])
                .returning(billing_counted_records.c.record_id)
            )
            rows = [{"record_id": r, "event_seq": event.seq, "counted_at": now} for r in usages]
            inserted.update(row.record_id for row in conn.execute(raw, rows))
        totals: dict[tuple[str, datetime, str, str, str, str, str], int] = {}
        for record_id in inserted:
            for usage in usages[record_id]:
                key = _hourly_key(usage)
                totals[key] = totals.get(key, 0) + usage.quantity
        rows = [dict(zip(_HOURLY_KEY, key, strict=True), quantity=q) for key, q in totals.items()]
        if rows:
            statement = insert(billing_usage_hourly)
            upsert = statement.on_conflict_do_update(
                index_elements=list(_HOURLY_KEY),
                set_={"quantity": billing_usage_hourly.c.quantity + statement.excluded.quantity},
            )
            conn.execute(upsert, rows)
        if rejects:
            conn.execute(
                insert(billing_rejected)
                .values(
                    [
                        {
                            "event_seq": event.seq,
                            "position": position,
                            "topic": event.topic,
                            "reason": reason,
                            "record": json.dumps(record, default=str),
                            "rejected_at": now,
                        }
                        for position, reason, record in rejects
                    ]
                )
                .on_conflict_do_nothing(index_elements=["event_seq", "position"])
            )


_HOURLY_KEY = ("account_id", "hour", "service", "resource_type", "resource_id", "region", "usage_type")


def _hourly_key(usage: Usage) -> tuple[str, datetime, str, str, str, str, str]:
    return (
        usage.account_id,
        usage.hour,
        usage.service,
        usage.resource_type,
        usage.resource_id,
        usage.region,
        usage.usage_type,
    )
