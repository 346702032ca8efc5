"""The metadata store's engine: SQLite (WAL) by default, PostgreSQL by URL.

Every service's tables hang off the one ``metadata`` below so that migrations see
the whole schema; each service keeps its table definitions in its own ``tables.py``
and its queries in its own ``store.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, Dialect, MetaData, create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sync_url(url: str) -> URL:
    """The URL with the synchronous driver, for migrations."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite")
    raise ValueError(f"unsupported database URL {parsed.render_as_string(hide_password=True)}")


def async_url(url: str) -> URL:
    parsed = sync_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    return parsed  # psycopg 3 is both sync and async under one dialect


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; NORMAL keeps commits durable across a
    # process crash (only a power loss can drop the last transactions).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(statement: str) -> Callable[[Connection], None]:
    def begin(conn: Connection) -> None:
        conn.exec_driver_sql(statement)

    return begin


def _sync_sqlite_engine(url: URL, begin: str, pool_size: int) -> Engine:
    """A plain sqlite3 engine whose transactions start with ``begin``.

    The driver's own transaction handling is switched off (isolation_level=None) so
    that SQLAlchemy's BEGIN is the one that counts: IMMEDIATE for the writer takes the
    write lock up front (a read-then-write body cannot be overtaken between its reads
    and its first write), plain BEGIN gives readers one snapshot for the whole body.
    """
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        connect_args={"check_same_thread": False, "isolation_level": None},
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin(begin))
    return engine


class _SqliteThreads:
    """Sync engines on the SQLite file with their threads: one writer, a few readers.

    One writer thread serialises Welkin's own writers (no SQLITE_BUSY among them);
    WAL readers never block, so they get a small pool. Created on first use.
    """

    READERS = 4

    def __init__(self, url: URL) -> None:
        self._url = url
        self._writer: tuple[Engine, ThreadPoolExecutor] | None = None
        self._reader: tuple[Engine, ThreadPoolExecutor] | None = None

    def writer(self) -> tuple[Engine, ThreadPoolExecutor]:
        if self._writer is None:
            engine = _sync_sqlite_engine(self._url, "BEGIN IMMEDIATE", 1)
            self._writer = engine, ThreadPoolExecutor(1, thread_name_prefix="db-write")
        return self._writer

    def reader(self) -> tuple[Engine, ThreadPoolExecutor]:
        if self._reader is None:
            engine = _sync_sqlite_engine(self._url, "BEGIN", self.READERS)
            self._reader = engine, ThreadPoolExecutor(self.READERS, thread_name_prefix="db-read")
        return self._reader

    def close(self) -> None:
        for pair in (self._writer, self._reader):
            if pair is not None:
                engine, pool = pair
                pool.shutdown(wait=True)
                engine.dispose()
        self._writer = self._reader = None


def _in_transaction(engine: Engine, fn: Callable[[Connection], T]) -> T:
    with engine.begin() as conn:
        return fn(conn)


def _in_snapshot(engine: Engine, fn: Callable[[Connection], T]) -> T:
    with engine.connect() as conn:
        return fn(conn)


class Database:
    """An async engine plus the ways services use it: read, and a transaction.

    ``run_read``/``run_write`` run a whole unit of work (a sync function over a sync
    ``Connection``) in one hop: on SQLite a worker thread with plain sqlite3, which
    saves the several thread hops per statement an async driver costs; on PostgreSQL
    the async engine runs the function over its driver in a greenlet.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        target = async_url(url)
        self.is_sqlite = target.get_backend_name() == "sqlite"
        if self.is_sqlite and target.database:
            Path(target.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: AsyncEngine = create_async_engine(target, pool_pre_ping=not self.is_sqlite)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._threads = _SqliteThreads(sync_url(url)) if self.is_sqlite else None

    async def run_write(self, fn: Callable[[Connection], T]) -> T:
        """``fn`` as one transaction: committed if it returns, rolled back if it raises."""
        if self._threads is None:
            async with self.engine.begin() as conn:
                return await conn.run_sync(fn)
        engine, pool = self._threads.writer()
        return await asyncio.get_running_loop().run_in_executor(pool, _in_transaction, engine, fn)

    async def run_read(self, fn: Callable[[Connection], T]) -> T:
        """``fn`` over one consistent view, writing nothing."""
        if self._threads is None:
            async with self.engine.connect() as conn:
                return await conn.run_sync(fn)
        engine, pool = self._threads.reader()
        return await asyncio.get_running_loop().run_in_executor(pool, _in_snapshot, engine, fn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    async def close(self) -> None:
        if self._threads is not None:
            await asyncio.to_thread(self._threads.close)
        await self.engine.dispose()
