"""The IAM store's contract, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from welkin.core import errors
from welkin.core.db import Database
from welkin.core.ids import new_id
from welkin.iam.models import (
    Account,
    Credential,
    Grant,
    Group,
    KeyStatus,
    PrincipalType,
    Project,
    ScopeType,
    User,
)
from welkin.iam.store import IamStore

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def account(name: str) -> Account:
    return Account(new_id(), name, True, False, "", NOW)


def user(account_id: str, name: str) -> User:
    return User(new_id(), account_id, name, "", "", "", True, False, "default", False, NOW, NOW, None)


async def test_rows_round_trip_with_aware_times(db: Database) -> None:
    store = IamStore()
    a = account("acme")
    u = user(a.id, "alice")
    async with db.transaction() as conn:
        await store.add_account(conn, a)
        await store.add_user(conn, u, "hash")
    async with db.read() as conn:
        assert await store.account_by_name(conn, "acme") == a
        got = await store.user(conn, a.id, u.id)
        assert got == u
        assert got is not None
        assert got.created_at.tzinfo is not None
        assert await store.password_hash(conn, u.id) == "hash"


async def test_every_lookup_is_confined_to_its_account(db: Database) -> None:
    store = IamStore()
    a, b = account("a"), account("b")
    ua = user(a.id, "same-name")
    group = Group(new_id(), a.id, "devs", "", NOW)
    async with db.transaction() as conn:
        for acc in (a, b):
            await store.add_account(conn, acc)
        await store.add_user(conn, ua, None)
        await store.add_user(conn, user(b.id, "same-name"), None)
        await store.add_group(conn, group)
    async with db.read() as conn:
        assert await store.user(conn, b.id, ua.id) is None
        assert await store.group(conn, b.id, group.id) is None
        assert [u.account_id for u in await store.users(conn, b.id)] == [b.id]


async def test_duplicate_names_are_conflicts_and_change_nothing(db: Database) -> None:
    store = IamStore()
    a = account("dup")
    async with db.transaction() as conn:
        await store.add_account(conn, a)
        await store.add_user(conn, user(a.id, "bob"), None)
    with pytest.raises(errors.AlreadyExists):
        async with db.transaction() as conn:
            await store.add_user(conn, user(a.id, "bob"), None)
    async with db.read() as conn:
        assert len(await store.users(conn, a.id)) == 1


async def test_failed_transaction_leaves_nothing_behind(db: Database) -> None:
    store = IamStore()
    a = account("atomic")

    async def crash_between_writes() -> None:
        async with db.transaction() as conn:
            await store.add_account(conn, a)
            await store.add_user(conn, user(a.id, "carol"), None)
            raise RuntimeError("crash between writes")

    with pytest.raises(RuntimeError):
        await crash_between_writes()
    async with db.read() as conn:
        assert await store.account(conn, a.id) is None


async def test_membership_grants_and_keys(db: Database) -> None:
    store = IamStore()
    a = account("perm")
    u = user(a.id, "dave")
    g = Group(new_id(), a.id, "ops", "", NOW)
    p = Project(new_id(), a.id, "local-1", "local-1", "", True, NOW)
    grant = Grant(a.id, PrincipalType.GROUP, g.id, "role-1", ScopeType.PROJECT, p.id)
    key = Credential("AKEXAMPLE00000000001", a.id, u.id, KeyStatus.ACTIVE, "", NOW, None)
    async with db.transaction() as conn:
        await store.add_account(conn, a)
        await store.add_user(conn, u, None)
        await store.add_group(conn, g)
        await store.add_project(conn, p)
        await store.add_member(conn, g.id, u.id)
        await store.add_member(conn, g.id, u.id)  # idempotent, as Keystone's PUT is
        await store.add_grant(conn, grant)
        await store.add_grant(conn, grant)
        await store.add_credential(conn, key, "sealed")
        await store.touch_credential(conn, key.access_key, NOW + timedelta(minutes=5))
    async with db.read() as conn:
        assert [x.id for x in await store.groups_of(conn, u.id)] == [g.id]
        assert await store.grants(conn, PrincipalType.GROUP, [g.id]) == [grant]
        found = await store.credential(conn, key.access_key)
        assert found is not None
        assert found[1] == "sealed"
        assert found[0].last_used_at == NOW + timedelta(minutes=5)
    async with db.transaction() as conn:
        assert await store.remove_grant(conn, grant)
        assert not await store.remove_grant(conn, grant)
        await store.delete_group(conn, a.id, g.id)
    async with db.read() as conn:
        assert await store.groups_of(conn, u.id) == []
