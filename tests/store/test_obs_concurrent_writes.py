"""Writers racing on one key: the last one wins and nothing fails, on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.obs import store
from welkin.obs.models import ObjectAttributes
from welkin.obs.objects import IncomingBody
from welkin.obs.service import Obs


async def chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def test_concurrent_puts_of_one_key_leave_one_current_version(
    db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    obs = Obs.build(db, clock, tmp_path, "local-1")
    bucket = await obs.buckets.create("acct", "race", None, '"private"')

    async def put(n: int) -> None:
        body = IncomingBody(chunks(f"body {n}".encode()))
        await obs.objects.put(bucket, "key", body, ObjectAttributes(), "acct")

    await asyncio.gather(*(put(n) for n in range(20)))
    rows = await db.run_read(lambda conn: store.list_versions(conn, "race", None, "", 100))
    assert len(rows) == 1
    assert rows[0].is_latest
