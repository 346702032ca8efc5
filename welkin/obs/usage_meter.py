"""Usage records of S3 requests, journaled locally and published on the event bus for billing.

Topic ``obs.usage``; each event carries the records of one flush, ``{"records": [...]}``.
A request's record::

    {"record_id", "account_id", "bucket", "kind": "request", "class": "write" | "read",
     "bytes_out", "at"}

``account_id`` is the bucket owner's, who pays for every request to the bucket, anonymous
and presigned ones included. ``bytes_out`` is the response body bytes a GET sent (0 for
the rest). A request only appends its record to the journal (``welkin.core.meter_journal``);
``welkin.core.meter_outbox`` publishes it exactly once, in the background, and at start
what an earlier process left. Storage records share the topic and come from
``welkin.obs.storage_sampler``.

Which requests count, after Huawei's OBS billing: every request to an existing bucket
except those answered 403 or 5xx. PUT, POST, COPY and listings (objects, versions,
multipart uploads, parts) are writes; other GETs and HEADs are reads. DELETE and CORS
preflights (OPTIONS) are free and not recorded; so is ListBuckets, which names no bucket.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Protocol

from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.core.events import EventBus
from welkin.core.ids import new_id
from welkin.core.meter_journal import MeterJournal
from welkin.core.meter_outbox import MeterOutbox, OutboxSettings

TOPIC = "obs.usage"
JOURNAL = "obs"

# Operations that list a bucket's contents: billed as writes although they are GETs.
_LISTINGS = frozenset({"ListObjects", "ListObjectVersions", "ListMultipartUploads", "ListParts"})
_FREE_METHODS = frozenset({"DELETE", "OPTIONS"})


class RequestClass(enum.Enum):
    WRITE = "write"  # PUT, POST, COPY, LIST
    READ = "read"  # GET, HEAD


def request_class(method: str, operation: str) -> RequestClass | None:
    """The billing class of an S3 operation, or None when it is not billed."""
    if method in _FREE_METHODS or operation in ("", "ListBuckets"):
        return None
    if operation in _LISTINGS or method in ("PUT", "POST"):
        return RequestClass.WRITE
    if method in ("GET", "HEAD"):
        return RequestClass.READ
    return None


def is_billable_status(status: int) -> bool:
    """Huawei bills no request that was refused (403) or that failed on its side (5xx)."""
    return status != 403 and status < 500


class RequestMeter(Protocol):
    def record_request(
        self, account_id: str, bucket: str, request_class: RequestClass, bytes_out: int
    ) -> None:
        """Journal one billed request before its response ends; cheap, no database."""
        ...


class ObsUsageMeter:
    def __init__(self, outbox: MeterOutbox, clock: Clock) -> None:
        self._outbox = outbox
        self._clock = clock

    @classmethod
    def build(cls, db: Database, events: EventBus, clock: Clock, data_dir: Path) -> ObsUsageMeter:
        journal = MeterJournal(data_dir / "meter" / JOURNAL)
        return cls(MeterOutbox(db, events, journal, OutboxSettings(JOURNAL, TOPIC)), clock)

    def record_request(
        self, account_id: str, bucket: str, request_class: RequestClass, bytes_out: int
    ) -> None:
        self._outbox.append(
            {
                "record_id": new_id(),
                "account_id": account_id,
                "bucket": bucket,
                "kind": "request",
                "class": request_class.value,
                "bytes_out": bytes_out,
                "at": self._clock.now().isoformat(),
            }
        )

    async def start(self) -> None:
        await self._outbox.start()

    async def stop(self) -> None:
        await self._outbox.stop()

    async def flush(self) -> int:
        return await self._outbox.flush()
