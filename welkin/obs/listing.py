"""Listing keys in order, rolling keys up into common prefixes.

Each page is served from the (bucket, is_latest, key) index. A common prefix is
skipped in one step (the next query starts past every key under it), so the cost of a
page does not grow with the number of keys a prefix hides. Rows are fetched in batches
that shrink to one row after a skip and double back while keys are listed one by one: a
page of common prefixes then costs one small query per prefix, not one full batch each.
"""

from __future__ import annotations

from dataclasses import dataclass

from welkin.core.db import Database
from welkin.obs import store
from welkin.obs.models import ListEntry, ListPage

BATCH = 1000


@dataclass(frozen=True)
class ListQuery:
    prefix: str = ""
    delimiter: str = ""
    start_after: str = ""  # exclusive; a common prefix here skips every key under it
    max_keys: int = 1000


def _rollup(key: str, query: ListQuery) -> str | None:
    if not query.delimiter:
        return None
    at = key.find(query.delimiter, len(query.prefix))
    return key[: at + len(query.delimiter)] if at >= 0 else None


async def list_current(db: Database, bucket: str, query: ListQuery) -> ListPage:
    entries: list[ListEntry] = []
    start: str | None = query.start_after or None
    inclusive = False
    if start is not None and _rollup(start, query) == start:
        # Resuming after a common prefix: start past all of it.
        start, inclusive = store.key_successor(start), True
        if start is None:
            return ListPage([], False, None)
    if query.max_keys == 0:
        return ListPage([], False, None)
    limit = BATCH
    async with db.read() as conn:
        while True:
            batch = await store.list_latest(conn, bucket, start, inclusive, query.prefix, limit)
            skipped = False
            for obj in batch:
                start, inclusive = obj.key, False
                if obj.delete_marker:
                    continue
                if len(entries) == query.max_keys:
                    return ListPage(entries, True, entries[-1].key)
                common = _rollup(obj.key, query)
                if common is None:
                    entries.append(ListEntry(obj.key, obj))
                    continue
                entries.append(ListEntry(common, None))
                start, inclusive = store.key_successor(common), True
                if start is None:
                    return ListPage(entries, False, None)
                skipped = True
                break
            if not skipped and len(batch) < limit:
                return ListPage(entries, False, None)
            limit = 1 if skipped else min(BATCH, limit * 2)
