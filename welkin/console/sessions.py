"""Console sessions: a random cookie value names a row that holds the IAM token it acts with.

    store = SessionStore(db, clock, keyring)
    cookie, session = await store.create(issued, project_id)
    session = await store.find(cookie)        # None once signed out, idle too long or expired
    await store.end(cookie)

A session ends after ``IDLE`` without a request, when its token expires, or when it is signed
out; rows are swept once they can open nothing. Rows are cached in memory for a few seconds so
that a page costs no extra read; signing out in this process forgets the cache at once.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from welkin.console.tables import console_sessions
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.iam.authn import IssuedToken
from welkin.iam.keyring import Keyring

IDLE = timedelta(hours=1)
# last_seen_at is written at most this often: a busy page does not write on every request.
TOUCH_EVERY = timedelta(minutes=1)
CACHE_SECONDS = 5.0
COOKIE = "welkin_console"


@dataclass(frozen=True)
class Session:
    id_hash: str
    account_id: str
    account_name: str
    user_id: str
    user_name: str
    project_id: str
    token: str
    csrf: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


def _hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


class SessionStore:
    def __init__(self, db: Database, clock: Clock, keyring: Keyring) -> None:
        self._db = db
        self._clock = clock
        self._keyring = keyring
        self._cache: dict[str, tuple[float, Session]] = {}

    async def create(self, issued: IssuedToken, project_id: str) -> tuple[str, Session]:
        cookie = secrets.token_urlsafe(32)
        now = self._clock.now()
        session = Session(
            id_hash=_hash(cookie),
            account_id=issued.account.id,
            account_name=issued.account.name,
            user_id=issued.user.id,
            user_name=issued.user.name,
            project_id=project_id,
            token=issued.token,
            csrf=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=issued.claims.expires_at,
        )
        row = {**session.__dict__, "token": self._keyring.encrypt(issued.token)}
        await self._db.run_write(lambda conn: conn.execute(insert(console_sessions).values(**row)))
        return cookie, session

    async def find(self, cookie: str) -> Session | None:
        id_hash = _hash(cookie)
        cached = self._cache.get(id_hash)
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            session: Session | None = cached[1]
        else:
            session = await self._db.run_read(lambda conn: self._read(conn, id_hash))
        now = self._clock.now()
        if session is None or session.expires_at <= now or now - session.last_seen_at >= IDLE:
            self._cache.pop(id_hash, None)
            return None
        if now - session.last_seen_at >= TOUCH_EVERY:
            session = replace(session, last_seen_at=now)
            await self._db.run_write(
                lambda conn: conn.execute(
                    update(console_sessions)
                    .where(console_sessions.c.id_hash == id_hash)
                    .values(last_seen_at=now)
                )
            )
            self._cache.pop(id_hash, None)
        if id_hash not in self._cache:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[id_hash] = (time.monotonic(), session)
        return session

    def _read(self, conn: Connection, id_hash: str) -> Session | None:
        row = conn.execute(select(console_sessions).where(console_sessions.c.id_hash == id_hash)).first()
        if row is None:
            return None
        values = dict(row._mapping)
        values["token"] = self._keyring.decrypt(values["token"])
        return Session(**values)

    async def end(self, cookie: str) -> None:
        id_hash = _hash(cookie)
        self._cache.pop(id_hash, None)
        await self._db.run_write(
            lambda conn: conn.execute(delete(console_sessions).where(console_sessions.c.id_hash == id_hash))
        )

    async def sweep(self) -> int:
        """Forget sessions that can no longer be used; returns how many."""
        now = self._clock.now()
        gone = (console_sessions.c.expires_at <= now) | (console_sessions.c.last_seen_at <= now - IDLE)
        return await self._db.run_write(
            lambda conn: conn.execute(delete(console_sessions).where(gone)).rowcount
        )
