"""A real invoker over SQLite, a real pool and real IAM, for the invoker's and the queue's tests."""

from __future__ import annotations

import base64
import contextlib
import io
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from tests.functions.conftest import OWN_RUNTIME, PoolFactory, own_catalog
from welkin.config import Settings
from welkin.core import migrate
from welkin.core.clock import SystemClock
from welkin.core.db import Database
from welkin.core.events import EventBus
from welkin.functions.code import CodeStore
from welkin.functions.concurrency import AccountConcurrency
from welkin.functions.configuration import ConfigChanges
from welkin.functions.credentials import AgencyCredentials
from welkin.functions.deps import DependencyInstaller
from welkin.functions.invocation_logs import InvocationLogs
from welkin.functions.invoker import Invoker
from welkin.functions.metrics import FunctionMetrics
from welkin.functions.models import CodeType
from welkin.functions.packages import PackageLimits
from welkin.functions.service import FunctionRegistry, Scope
from welkin.functions.sources import CodeInput, CodeSources
from welkin.functions.urns import FunctionRef
from welkin.functions.usage_meter import UsageMeter
from welkin.iam.keyring import Keyring
from welkin.iam.models import AuthMethod, Principal
from welkin.iam.service import Iam

SOURCE = """
import os, time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    print("working on", context.getRequestID())
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"echo": event, "ak": context.getAccessKey(), "token": bool(context.getSecurityToken()),
            "endpoint": os.environ.get("WELKIN_ENDPOINT"), "func": os.environ.get("RUNTIME_FUNC_NAME")}
"""


def package(source: str) -> str:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.py", source)
    return base64.b64encode(out.getvalue()).decode()


@dataclass
class World:
    invoker: Invoker
    registry: FunctionRegistry
    iam: Iam
    scope: Scope
    events: EventBus
    usage: UsageMeter
    db: Database


@contextlib.asynccontextmanager
async def invoker_world(tmp_path: Path, make_pool: PoolFactory) -> AsyncIterator[World]:
    url = f"sqlite:///{tmp_path / 'welkin.db'}"
    migrate.upgrade(url)
    db = Database(url)
    clock = SystemClock()
    settings = Settings(data_dir=tmp_path)
    keyring = Keyring(Fernet.generate_key())
    iam = Iam.build(db, clock, keyring, settings)
    created = await iam.identity.create_account("acme", "Strong-pass-1234")
    project = created.projects[0]
    principal = Principal(
        created.account.id,
        "acme",
        created.admin.id,
        created.admin.name,
        AuthMethod.PASSWORD,
        project.id,
        False,
    )
    functions = tmp_path / "functions"
    registry = FunctionRegistry(
        db,
        clock,
        settings.region,
        iam.permissions,
        keyring,
        CodeStore(functions, PackageLimits(1 << 20)),
        CodeSources(None, 1 << 20),
        own_catalog(),
        DependencyInstaller(functions, None),
    )
    pool = await make_pool(endpoint="http://127.0.0.1:9")
    events = EventBus(db, clock)
    usage = UsageMeter.build(db, events, tmp_path)
    credentials = AgencyCredentials(iam.keys, clock)
    invoker = Invoker(
        registry,
        pool,
        credentials,
        InvocationLogs(db, clock),
        FunctionMetrics(db, clock),
        usage,
        clock,
        8,
        AccountConcurrency(2, 0.2),
    )
    await usage.start()
    await invoker.logs.start()
    await invoker.metrics.start()
    yield World(invoker, registry, iam, Scope(principal, project), events, usage, db)
    await invoker.logs.stop()
    await invoker.metrics.stop()
    await usage.stop()
    await db.close()


async def deploy(world: World, name: str, **changes: Any) -> FunctionRef:
    config = ConfigChanges(
        runtime=OWN_RUNTIME, handler="index.handler", memory_size=256, timeout=10, **changes
    )
    await world.registry.create(
        world.scope, "default", name, config, CodeInput(CodeType.ZIP, package(SOURCE), None, None)
    )
    return FunctionRef("default", name, None)
