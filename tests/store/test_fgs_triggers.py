"""Triggers over a real database (SQLite and PostgreSQL): timers claimed once per tick, and
triggers that go with their function."""

from __future__ import annotations

import base64
import io
import sys
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.engine import Connection

from welkin.config import Settings
from welkin.core.body import Body
from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.functions.code import CodeStore
from welkin.functions.configuration import ConfigChanges
from welkin.functions.deps import DependencyInstaller
from welkin.functions.models import CodeType
from welkin.functions.packages import PackageLimits
from welkin.functions.runtimes import RuntimeCatalog
from welkin.functions.service import FunctionRegistry, Scope
from welkin.functions.sources import CodeInput, CodeSources
from welkin.functions.triggers import store
from welkin.functions.triggers.bucket_link import BucketLink
from welkin.functions.triggers.models import TriggerStatus, TriggerType
from welkin.functions.triggers.routes import HttpRoutes
from welkin.functions.triggers.service import TriggerService
from welkin.functions.urns import FunctionRef
from welkin.iam.keyring import Keyring
from welkin.iam.models import AuthMethod, Principal
from welkin.iam.service import Iam
from welkin.obs.buckets import BucketService

RUNTIME = f"Python{sys.version_info[0]}.{sys.version_info[1]}"
FN = FunctionRef("default", "ticker", None)


@dataclass
class World:
    registry: FunctionRegistry
    triggers: TriggerService
    scope: Scope
    db: Database
    clock: ManualClock


@pytest.fixture
async def world(db: Database, clock: ManualClock, tmp_path: Path) -> World:
    settings = Settings(data_dir=tmp_path)
    keyring = Keyring(Fernet.generate_key())
    iam = Iam.build(db, clock, keyring, settings)
    created = await iam.identity.create_account("acme", "Strong-pass-1234")
    project = created.projects[0]
    admin = created.admin
    principal = Principal(
        created.account.id, "acme", admin.id, admin.name, AuthMethod.PASSWORD, project.id, False
    )
    code_store = CodeStore(tmp_path / "fn", PackageLimits(1 << 20))
    registry = FunctionRegistry(
        db, clock, settings.region, iam.permissions, keyring, code_store,
        CodeSources(None, 1 << 20), RuntimeCatalog.detect(), DependencyInstaller(tmp_path / "fn", None),
    )  # fmt: skip
    buckets = BucketLink(BucketService(db, clock, settings.region), iam.permissions)
    world = World(
        registry,
        TriggerService(db, clock, registry, buckets, HttpRoutes(db, clock)),
        Scope(principal, project),
        db,
        clock,
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    code = CodeInput(CodeType.ZIP, base64.b64encode(out.getvalue()).decode(), None, None)
    config = ConfigChanges(runtime=RUNTIME, handler="index.handler", memory_size=128, timeout=3)
    await registry.create(world.scope, "default", "ticker", config, code)
    return world


async def timer(world: World, text: str = "1m") -> str:
    data = Body({"schedule_type": "Rate", "schedule": text})
    made = await world.triggers.create(world.scope, FN, TriggerType.TIMER, TriggerStatus.ACTIVE, data)
    return made.id


async def test_a_due_tick_is_claimed_once(world: World) -> None:
    trigger_id = await timer(world)
    world.clock.advance(timedelta(minutes=1))
    now = world.clock.now()
    [due] = await world.db.run_read(lambda conn: store.due_timers(conn, now))
    assert (due.id, due.next_fire_at) == (trigger_id, now)
    upcoming = now + timedelta(minutes=1)
    expected = due.next_fire_at

    def claim(conn: Connection) -> bool:
        return store.move_timer(conn, trigger_id, expected, upcoming)

    assert await world.db.run_write(claim)
    assert not await world.db.run_write(claim)  # a second scheduler, same tick
    assert await world.db.run_read(lambda conn: store.due_timers(conn, now)) == []
    assert await world.db.run_read(store.next_timer) == upcoming


async def test_disabled_timers_are_never_due(world: World) -> None:
    trigger_id = await timer(world)
    await world.triggers.set_status(world.scope, FN, TriggerType.TIMER, trigger_id, TriggerStatus.DISABLED)
    world.clock.advance(timedelta(hours=1))
    now = world.clock.now()
    assert await world.db.run_read(lambda conn: store.due_timers(conn, now)) == []
    assert await world.db.run_read(store.next_timer) is None


async def test_triggers_go_with_their_function(world: World) -> None:
    await timer(world, "1m")
    await timer(world, "2h")
    assert len(await world.triggers.list(world.scope, FN)) == 2
    await world.registry.delete(world.scope, FN)
    assert await world.db.run_read(lambda conn: store.of_kind(conn, (TriggerType.TIMER,))) == []
