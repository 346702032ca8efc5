"""Authorizer.allows against real IAM and bucket rows: the same answer check_as gives,
as a bool, for the account's owner, a read-only user of it, another account, and anyone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from welkin.config import Settings
from welkin.core import errors as core
from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.core.migrate import upgrade
from welkin.iam import actions, catalog
from welkin.iam.identity import NewAccount
from welkin.iam.keyring import Keyring
from welkin.iam.models import AuthMethod, Grant, Principal, PrincipalType, ScopeType
from welkin.iam.service import Iam
from welkin.obs.models import Bucket
from welkin.obs.operations import OPERATIONS
from welkin.obs.s3api.authorize import Authorizer
from welkin.obs.service import Obs

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
LIST, PUT, GET = OPERATIONS["ListObjects"], OPERATIONS["PutObject"], OPERATIONS["GetObject"]


@dataclass(frozen=True)
class World:
    authorizer: Authorizer
    owner: Principal
    reader: Principal
    stranger: Principal
    private: Bucket
    public: Bucket


def principal_of(created: NewAccount, user_id: str, user_name: str) -> Principal:
    project = created.projects[0].id
    account = created.account
    return Principal(account.id, account.name, user_id, user_name, AuthMethod.PASSWORD, project, False)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    url = f"sqlite:///{tmp_path / 'welkin.db'}"
    upgrade(url)
    db = Database(url)
    clock = ManualClock(T0)
    iam = Iam.build(db, clock, Keyring(Fernet.generate_key()), Settings(data_dir=tmp_path))
    obs = Obs.build(db, clock, tmp_path, "local-1")
    acme = await iam.identity.create_account("acme", "Strong-pass-1234")
    owner = principal_of(acme, acme.admin.id, acme.admin.name)
    user = await iam.identity.create_user(
        owner, "reader", "Strong-pass-1234", "", "", "", True, "default", False
    )
    group = await iam.identity.create_group(owner, "readers", "")
    await iam.identity.add_member(owner, group.id, user.id)
    read_only = catalog.by_display_name("OBS ReadOnlyAccess")
    assert read_only is not None
    grant = Grant(
        acme.account.id, PrincipalType.GROUP, group.id, read_only.id, ScopeType.ALL_PROJECTS, acme.account.id
    )
    await iam.permissions.grant(owner, grant, actions.IAM_GRANT_ROLE_TO_GROUP)
    other = await iam.identity.create_account("other", "Strong-pass-1234")
    await obs.buckets.create(acme.account.id, "private-bkt", None, '"private"')
    await obs.buckets.create(acme.account.id, "public-bkt", None, '"public-read"')
    yield World(
        Authorizer(iam, obs.buckets, obs.objects, clock),
        owner,
        principal_of(acme, user.id, user.name),
        principal_of(other, other.admin.id, other.admin.name),
        await obs.buckets.get("private-bkt"),
        await obs.buckets.get("public-bkt"),
    )
    await db.close()


async def test_the_owner_may_list_and_write(world: World) -> None:
    allows = world.authorizer.allows
    assert await allows(world.owner, LIST, world.private)
    assert await allows(world.owner, PUT, world.private, "k")
    assert await allows(world.owner, GET, world.private, "missing")


async def test_a_read_only_user_may_list_but_not_write(world: World) -> None:
    allows = world.authorizer.allows
    assert await allows(world.reader, LIST, world.private)
    assert not await allows(world.reader, PUT, world.private, "k")


async def test_another_account_may_only_do_what_the_acl_grants(world: World) -> None:
    allows = world.authorizer.allows
    assert not await allows(world.stranger, LIST, world.private)
    assert not await allows(world.stranger, PUT, world.private, "k")
    assert await allows(world.stranger, LIST, world.public)
    assert not await allows(world.stranger, PUT, world.public, "k")
    assert await allows(None, LIST, world.public)
    assert not await allows(None, LIST, world.private)


async def test_check_as_raises_where_allows_says_no(world: World) -> None:
    await world.authorizer.check_as(world.reader, {}, LIST, world.private, None, None)
    with pytest.raises(core.AccessDenied):
        await world.authorizer.check_as(world.reader, {}, PUT, world.private, "k", None)
