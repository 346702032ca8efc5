"""Listing keys in order, rolling keys up into common prefixes.

Each page is served from the (bucket, is_latest, key) index. A common prefix is
skipped in one step (the next query starts past every key under it), so the cost of a
page does not grow with the number of keys a prefix hides. Rows are fetched in batches
that shrink to one row after a skip and double back while keys are listed one by one: a
page of common prefixes then costs one small query per prefix, not one full batch each.
The first batch is no larger than the page needs (``max_keys`` and one row to tell
whether more follow).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection as Conn

from welkin.core import errors as core
from welkin.core.db import Database
from welkin.obs import store
from welkin.obs.models import NULL_VERSION, ListEntry, ListPage, looks_like_version

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
    return await db.run_read(lambda conn: _list_current(conn, bucket, query))


def _list_current(conn: Conn, bucket: str, query: ListQuery) -> ListPage:
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
    # Any batch size gives the same page (the loop ends only on a full page, a short batch
    # or a common prefix no key can follow); it sets how many queries that page takes.
    limit = min(BATCH, query.max_keys + 1)
    while True:
        batch = store.list_latest(conn, bucket, start, inclusive, query.prefix, limit)
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


@dataclass(frozen=True)
class VersionQuery:
    prefix: str = ""
    delimiter: str = ""
    key_marker: str = ""  # exclusive: every version of it, or those after version_id_marker
    version_id_marker: str = ""
    max_keys: int = 1000


async def list_versions(db: Database, bucket: str, query: VersionQuery) -> ListPage:
    """Every version and delete marker, keys in order and each key's newest first."""
    return await db.run_read(lambda conn: _list_versions(conn, bucket, query))


def _list_versions(conn: Conn, bucket: str, query: VersionQuery) -> ListPage:
    if query.version_id_marker and not query.key_marker:
        raise core.InvalidArgument("A version-id marker cannot be specified without a key marker.")
    rollup = ListQuery(query.prefix, query.delimiter)
    entries: list[ListEntry] = []
    after = _version_start(conn, bucket, query, rollup)
    if after is _EXHAUSTED or query.max_keys == 0:
        return ListPage([], False, None)
    while True:
        batch = store.list_versions(conn, bucket, after, query.prefix, BATCH)
        skipped = False
        for obj in batch:
            after = (obj.key, obj.seq)
            if len(entries) == query.max_keys:
                last = entries[-1]
                version_id = last.version.version_id if last.version is not None else None
                return ListPage(entries, True, last.key, version_id)
            common = _rollup(obj.key, rollup)
            if common is None:
                entries.append(ListEntry(obj.key, obj))
                continue
            entries.append(ListEntry(common, None))
            upper = store.key_successor(common)
            if upper is None:
                return ListPage(entries, False, None)
            # A (key, seq) position just before ``upper``: seq is never below zero.
            after = (upper, _PAST_EVERY_SEQ)
            skipped = True
            break
        if not skipped and len(batch) < BATCH:
            return ListPage(entries, False, None)


_PAST_EVERY_SEQ = (1 << 63) - 1  # fits a signed 64-bit column
_EXHAUSTED = ("", -1)


def _version_start(conn: Conn, bucket: str, query: VersionQuery, rollup: ListQuery) -> tuple[str, int] | None:
    """The (key, seq) position a listing resumes after; _EXHAUSTED when nothing can follow."""
    marker = query.key_marker
    if not marker:
        return None
    if _rollup(marker, rollup) == marker:
        upper = store.key_successor(marker)
        return _EXHAUSTED if upper is None else (upper, _PAST_EVERY_SEQ)
    if not query.version_id_marker:
        return (marker, -1)
    found = store.version(conn, bucket, marker, query.version_id_marker)
    if found is None:
        if query.version_id_marker != NULL_VERSION and not looks_like_version(query.version_id_marker):
            raise core.InvalidArgument("Invalid version id specified")
        # The version is gone: resume at the next key rather than guess a position.
        return (marker, -1)
    return (marker, found.seq)
