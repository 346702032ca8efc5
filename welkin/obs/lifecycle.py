"""The lifecycle job: applies each bucket's lifecycle rules in the background.

A pass walks every version of a bucket in (key, newest first) order, a page at a
time, so a bucket of any size is handled in bounded memory. Each removal re-reads
the version in its own transaction and acts only if it is still what the page saw,
so a write that lands mid-pass is never expired on stale information.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy.engine import Connection

from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.obs import store
from welkin.obs.buckets import BucketService
from welkin.obs.lifecycle_rules import Rule, after_days, from_json
from welkin.obs.models import Bucket, ObjectVersion, Versioning
from welkin.obs.objects import ObjectService

log = logging.getLogger("welkin.obs.lifecycle")
PAGE = 500


@dataclass(frozen=True)
class LifecycleReport:
    """What one pass did."""

    expired: int = 0  # current versions deleted or hidden behind a delete marker
    noncurrent_removed: int = 0
    markers_removed: int = 0
    uploads_aborted: int = 0


@dataclass
class _KeyState:
    """Where the walk stands within one key's versions (newest first)."""

    key: str = ""
    successor_modified: datetime | None = None  # when the version just seen was written
    noncurrent_seen: int = 0
    versions_seen: int = 0


class LifecycleJob:
    def __init__(
        self,
        db: Database,
        buckets: BucketService,
        objects: ObjectService,
        clock: Clock,
        interval: float = 3600.0,
        page: int = PAGE,
    ) -> None:
        self._db = db
        self._buckets = buckets
        self._objects = objects
        self._clock = clock
        self._interval = interval
        self._page = page
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run_forever(), name="obs-lifecycle")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run_once(self, now: datetime) -> LifecycleReport:
        """Apply every bucket's rules as of ``now``."""
        every = await self._db.run_read(store.all_buckets)
        names = [b.name for b in every if b.lifecycle]
        totals = LifecycleReport()
        for name in names:
            bucket = await self._buckets.get(name)
            rules = [rule for rule in from_json(bucket.lifecycle) if rule.enabled]
            if rules:
                done = await self._apply(bucket, rules, now)
                totals = LifecycleReport(
                    *(a + b for a, b in zip(_counts(totals), _counts(done), strict=True))
                )
        return totals

    async def _run_forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.run_once(self._clock.now())
            except Exception:
                log.exception("applying lifecycle rules failed; will retry next interval")

    async def _apply(self, bucket: Bucket, rules: list[Rule], now: datetime) -> LifecycleReport:
        expired = noncurrent = markers = 0
        state = _KeyState()
        after: tuple[str, int] | None = None
        while True:
            page = await self._db.run_read(
                partial(store.list_versions, bucket=bucket.name, after=after, prefix="", limit=self._page)
            )
            for obj in page:
                after = (obj.key, obj.seq)
                if obj.key != state.key:
                    state = _KeyState(obj.key)
                successor_modified = state.successor_modified
                state.successor_modified = obj.last_modified
                state.versions_seen += 1
                matching = [rule for rule in rules if rule.selects(obj)]
                if not matching:
                    continue
                if obj.is_latest:
                    if obj.delete_marker:
                        markers += await self._expire_marker(bucket, obj, matching)
                    elif any(rule.current_expired(obj, now) for rule in matching):
                        expired += await self._expire_current(bucket, obj)
                    continue
                state.noncurrent_seen += 1
                assert successor_modified is not None  # a noncurrent version has a newer one
                if any(
                    _noncurrent_expired(r, successor_modified, state.noncurrent_seen, now) for r in matching
                ):
                    noncurrent += await self._remove_version(bucket, obj)
            if len(page) < self._page:
                break
        aborted = await self._abort_uploads(bucket, rules, now)
        return LifecycleReport(expired, noncurrent, markers, aborted)

    async def _expire_current(self, bucket: Bucket, obj: ObjectVersion) -> int:
        def expire(conn: Connection) -> int:
            store.lock_key(conn, bucket.name, obj.key)
            current = store.latest(conn, bucket.name, obj.key)
            if current is None or current.id != obj.id:
                return 0
            if bucket.versioning is Versioning.UNVERSIONED:
                store.delete_version(conn, current, self._clock.now())
                self._objects.emit(conn, bucket, "ObjectRemoved:Delete", current)
            else:
                self._objects.add_delete_marker(conn, bucket, obj.key, current)
            return 1

        return await self._db.run_write(expire)

    async def _expire_marker(self, bucket: Bucket, marker: ObjectVersion, rules: list[Rule]) -> int:
        """Drop a delete marker that no longer hides anything."""
        if not any(r.expired_object_delete_marker or r.expiration_days is not None for r in rules):
            return 0

        def drop(conn: Connection) -> int:
            newest = store.newest_remaining(conn, bucket.name, marker.key)
            hidden = store.list_versions(conn, bucket.name, (marker.key, marker.seq), marker.key, 1)
            if newest is None or newest.id != marker.id or (hidden and hidden[0].key == marker.key):
                return 0
            store.delete_version(conn, marker, self._clock.now())
            return 1

        return await self._db.run_write(drop)

    async def _remove_version(self, bucket: Bucket, obj: ObjectVersion) -> int:
        def remove(conn: Connection) -> int:
            store.lock_key(conn, bucket.name, obj.key)
            found = store.version(conn, bucket.name, obj.key, obj.version_id)
            if found is None or found.id != obj.id or found.is_latest:
                return 0
            store.delete_version(conn, found, self._clock.now())
            return 1

        return await self._db.run_write(remove)

    async def _abort_uploads(self, bucket: Bucket, rules: list[Rule], now: datetime) -> int:
        aborting = [r for r in rules if r.abort_upload_days is not None]
        if not aborting:
            return 0
        aborted = 0
        after: tuple[str, str] | None = None
        while True:
            page = await self._db.run_read(
                partial(store.list_uploads, bucket=bucket.name, after=after, prefix="", limit=self._page)
            )
            for upload in page:
                after = (upload.key, upload.id)
                due = any(
                    upload.key.startswith(r.filter.prefix)
                    and now >= after_days(upload.initiated, r.abort_upload_days or 0)
                    for r in aborting
                )
                if due:
                    await self._db.run_write(partial(self._abort, upload_id=upload.id))
                    aborted += 1
            if len(page) < self._page:
                return aborted

    def _abort(self, conn: Connection, upload_id: str) -> None:
        store.drop_unattached_parts(conn, upload_id, self._clock.now())
        store.delete_upload(conn, upload_id)


def _noncurrent_expired(rule: Rule, since: datetime, rank: int, now: datetime) -> bool:
    """``rank``: 1 for the newest noncurrent version of its key, 2 for the next, ..."""
    if rule.noncurrent_days is None:
        return False
    if rule.newer_noncurrent_versions is not None and rank <= rule.newer_noncurrent_versions:
        return False
    return now >= after_days(since, rule.noncurrent_days)


def _counts(report: LifecycleReport) -> tuple[int, int, int, int]:
    return (report.expired, report.noncurrent_removed, report.markers_removed, report.uploads_aborted)
