"""The object storage service of one region: its parts, start-up recovery and upkeep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from welkin.billing.quotas import AccountQuotas, QuotaDefaults
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.core.events import EventBus
from welkin.obs import store
from welkin.obs.blobs import BlobStore
from welkin.obs.buckets import BucketService
from welkin.obs.lifecycle import LifecycleJob
from welkin.obs.notifications import ObjectEvents
from welkin.obs.objects import ObjectService

log = logging.getLogger("welkin.obs")
REAP_INTERVAL = 5.0
LIFECYCLE_INTERVAL = 3600.0


@dataclass
class Obs:
    db: Database
    blobs: BlobStore
    buckets: BucketService
    objects: ObjectService
    lifecycle: LifecycleJob
    _reaper: asyncio.Task[None] | None = None

    @classmethod
    def build(
        cls,
        db: Database,
        clock: Clock,
        data_dir: Path,
        region: str,
        bus: EventBus | None = None,
        lifecycle_interval: float = LIFECYCLE_INTERVAL,
        quotas: AccountQuotas | None = None,
    ) -> Obs:
        """``bus``: where bucket notifications go (topic obs.events); None sends none.
        ``quotas``: the region's account quotas; None: every account has the defaults."""
        blobs = BlobStore(data_dir / "obs")
        quotas = quotas or AccountQuotas(db, clock, QuotaDefaults())
        buckets = BucketService(db, clock, region, quotas)
        events = ObjectEvents(bus) if bus is not None else None
        objects = ObjectService(db, blobs, clock, events, quotas)
        lifecycle = LifecycleJob(db, buckets, objects, clock, lifecycle_interval)
        return cls(db, blobs, buckets, objects, lifecycle)

    async def start(self) -> None:
        """Finish what a crash interrupted, then keep the trash emptied in the background."""
        published, dropped = await self.blobs.recover(self._committed)
        if published or dropped:
            log.info("recovered staged blobs: %d kept, %d dropped", published, dropped)
        await self.reap()
        self._reaper = asyncio.create_task(self._reap_forever(), name="obs-trash-reaper")
        self.lifecycle.start()

    async def stop(self) -> None:
        await self.lifecycle.stop()
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper

    async def reap(self) -> int:
        """Unlink blobs whose rows are gone; the rows go only once the files are."""
        removed = 0
        while True:
            batch = await self.db.run_read(lambda conn: store.trash_batch(conn, 500))
            if not batch:
                return removed
            await asyncio.to_thread(self.blobs.delete, batch)
            await self.db.run_write(partial(store.forget_trash, blobs=batch))
            removed += len(batch)

    async def _reap_forever(self) -> None:
        while True:
            await asyncio.sleep(REAP_INTERVAL)
            try:
                await self.reap()
            except Exception:
                log.exception("emptying the object trash failed; will retry")

    async def _committed(self, names: list[str]) -> set[str]:
        return await self.db.run_read(lambda conn: store.referenced_blobs(conn, names))
