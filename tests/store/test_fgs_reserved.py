"""Reservations of instances over a real database (SQLite and PostgreSQL): set, replaced, listed
by project, function and qualifier, counted across the region, and gone with their function."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from tests.store.conftest import T0
from welkin.core.db import Database
from welkin.functions import reserved_store as store
from welkin.functions import store as registry_store
from welkin.functions import tables
from welkin.functions.reserved_store import Reservation


def _function(conn: Connection, function_id: str, project_id: str, name: str) -> None:
    values = {
        "id": function_id,
        "account_id": "acct",
        "project_id": project_id,
        "package": "default",
        "name": name,
        "created_at": T0,
        "config": "{}",
        "code_sha256": "0" * 64,
        "next_version": 1,
    }
    conn.execute(insert(tables.functions).values(**values))


def _reservation(function_id: str, qualifier: str, count: int, project_id: str = "proj") -> Reservation:
    return Reservation(function_id, qualifier, project_id, "default", f"fn-{function_id}", count, False, T0)


async def test_reservations_are_replaced_listed_and_counted(db: Database) -> None:
    def setup(conn: Connection) -> None:
        _function(conn, "f1", "proj", "fn-f1")
        _function(conn, "f2", "proj", "fn-f2")
        _function(conn, "f3", "other", "fn-f3")
        store.put(conn, _reservation("f1", "latest", 1))
        store.put(conn, _reservation("f1", "latest", 3))  # replaces
        store.put(conn, _reservation("f1", "!live", 2))
        store.put(conn, _reservation("f2", "v1", 4))
        store.put(conn, _reservation("f3", "latest", 5, "other"))

    await db.run_write(setup)
    page, total = await db.run_read(lambda conn: store.of_project(conn, "proj", None, None, 0, 2))
    assert total == 3
    assert [(r.name, r.qualifier, r.count) for r in page] == [("fn-f1", "!live", 2), ("fn-f1", "latest", 3)]
    rest, _ = await db.run_read(lambda conn: store.of_project(conn, "proj", None, None, 2, 2))
    assert [(r.name, r.qualifier) for r in rest] == [("fn-f2", "v1")]
    one, count = await db.run_read(lambda conn: store.of_project(conn, "proj", "f1", "latest", 0, 10))
    assert (count, one[0].count, one[0].updated_at) == (1, 3, T0)
    assert await db.run_read(lambda conn: store.reserved_elsewhere(conn, "f1", "latest")) == 11
    assert len(await db.run_read(store.every)) == 4
    assert await db.run_write(lambda conn: store.remove(conn, "f2", "v1"))
    assert not await db.run_write(lambda conn: store.remove(conn, "f2", "v1"))


async def test_reservations_go_with_their_function(db: Database) -> None:
    def setup(conn: Connection) -> None:
        _function(conn, "f1", "proj", "fn-f1")
        store.put(conn, _reservation("f1", "latest", 1))
        store.put(conn, _reservation("f1", "v1", 1))

    await db.run_write(setup)
    await db.run_write(lambda conn: registry_store.delete_function(conn, "f1"))
    assert await db.run_read(store.every) == []
