"""Triggers end to end in one process: real registry, IAM, OBS, event bus, invoker and sandboxed pool.

The durable queue behind ``invoke_async`` belongs to the invoker's side and is not built
here; ``accept_async`` is given a queue that runs each request at once and keeps the result.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import zipfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from tests.functions.conftest import OWN_RUNTIME, PoolFactory, own_catalog
from welkin.config import Settings
from welkin.core import migrate
from welkin.core.body import Body
from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.core.event_store import EventStore
from welkin.core.events import EventBus
from welkin.core.http import ErrorBoundary
from welkin.functions.code import CodeStore
from welkin.functions.concurrency import AccountConcurrency
from welkin.functions.configuration import ConfigChanges
from welkin.functions.credentials import AgencyCredentials
from welkin.functions.deps import DependencyInstaller
from welkin.functions.fgsapi.errors import fgs_error
from welkin.functions.invocation_logs import InvocationLogs
from welkin.functions.invoker import Invoker, InvokeRequest
from welkin.functions.metrics import FunctionMetrics
from welkin.functions.models import CodeType
from welkin.functions.packages import PackageLimits
from welkin.functions.service import FunctionRegistry, Scope
from welkin.functions.sources import CodeInput, CodeSources
from welkin.functions.spec import InvocationResult
from welkin.functions.triggers.bucket_link import BucketLink
from welkin.functions.triggers.models import TriggerStatus, TriggerType
from welkin.functions.triggers.obs_source import CONSUMER
from welkin.functions.triggers.routes import HttpRoutes
from welkin.functions.triggers.service import TriggerService
from welkin.functions.triggers.sources import TriggerSources
from welkin.functions.urns import FunctionRef
from welkin.functions.usage_meter import UsageMeter
from welkin.iam.api.context import ApiContext
from welkin.iam.keyring import Keyring
from welkin.iam.models import AuthMethod, Principal
from welkin.iam.service import Iam
from welkin.obs.models import ObjectAttributes
from welkin.obs.objects import IncomingBody
from welkin.obs.service import Obs

T0 = datetime(2026, 11, 30, 6, 0, 0, tzinfo=UTC)
SOURCE = """
import json
def handler(event, context):
    if "httpMethod" not in event:
        return event
    if event["path"].endswith("/plain"):
        return "not an HTTP response"
    if event["path"].endswith("/fail"):
        raise RuntimeError("broken on purpose")
    return {"statusCode": 201, "headers": {"X-Seen": event["httpMethod"]}, "body": json.dumps(event)}
"""


@dataclass
class World:
    invoker: Invoker
    triggers: TriggerService
    sources: TriggerSources
    obs: Obs
    events: EventBus
    scope: Scope
    clock: ManualClock
    db: Database
    iam: Iam
    ran: list[tuple[InvokeRequest, InvocationResult]] = field(default_factory=list)

    @property
    def project(self) -> str:
        return self.scope.project.id


@pytest.fixture
async def world(tmp_path: Path, make_pool: PoolFactory) -> AsyncIterator[World]:
    url = f"sqlite:///{tmp_path / 'welkin.db'}"
    migrate.upgrade(url)
    db = Database(url)
    clock = ManualClock(T0)
    settings = Settings(data_dir=tmp_path)
    iam = Iam.build(db, clock, Keyring(Fernet.generate_key()), settings)
    created = await iam.identity.create_account("acme", "Strong-pass-1234")
    project = created.projects[0]
    admin = created.admin
    principal = Principal(
        created.account.id, "acme", admin.id, admin.name, AuthMethod.PASSWORD, project.id, False
    )
    functions = tmp_path / "functions"
    registry = FunctionRegistry(
        db, clock, settings.region, iam.permissions, Keyring(Fernet.generate_key()),
        CodeStore(functions, PackageLimits(1 << 20)), CodeSources(None, 1 << 20), own_catalog(),
        DependencyInstaller(functions, None),
    )  # fmt: skip
    # Object changes wake the bus at once; a long poll keeps it idle between them, so that
    # stopping it (as the restart test does) never cuts a database read short.
    events = EventBus(db, clock, poll_interval=5.0)
    obs = Obs.build(db, clock, tmp_path / "obs", settings.region, events)
    usage = UsageMeter.build(db, events, tmp_path)
    await usage.start()
    pool = await make_pool(endpoint="http://127.0.0.1:9")
    invoker = Invoker(registry, pool, AgencyCredentials(iam.keys, clock), InvocationLogs(db, clock),
                      FunctionMetrics(db, clock),
                      usage, clock, 8, AccountConcurrency(8, 0.2))  # fmt: skip
    routes = HttpRoutes(db, clock)
    triggers = TriggerService(db, clock, registry, BucketLink(obs.buckets, iam.permissions), routes)
    sources = TriggerSources(db, clock, events, routes, settings.region, ApiContext(iam, 1 << 20), invoker)
    world = World(invoker, triggers, sources, obs, events, Scope(principal, project), clock, db, iam)

    async def run_now(request: InvokeRequest, request_id: str) -> None:
        world.ran.append((request, await invoker.invoke(request)))

    invoker.accept_async(run_now)
    await registry.create(
        world.scope, "default", "fn", ConfigChanges(runtime=OWN_RUNTIME, handler="index.handler",
        memory_size=128, timeout=10), CodeInput(CodeType.ZIP, package(SOURCE), None, None),
    )  # fmt: skip
    yield world
    await sources.stop()
    await events.stop()
    await usage.stop()
    await db.close()


def package(source: str) -> str:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.py", source)
    return base64.b64encode(out.getvalue()).decode()


FN = FunctionRef("default", "fn", None)


async def add(world: World, kind: TriggerType, **data: Any) -> str:
    made = await world.triggers.create(world.scope, FN, kind, TriggerStatus.ACTIVE, Body(data))
    return made.id


def events_of(world: World) -> list[dict[str, Any]]:
    return [json.loads(result.body) for _, result in world.ran]


async def until(check: Callable[[], bool], seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out waiting")


# --- timers -----------------------------------------------------------------------------------
async def test_a_timer_fires_on_schedule_with_its_user_event(world: World) -> None:
    await add(world, TriggerType.TIMER, name="tick", schedule_type="Rate", schedule="1m", user_event="hello")
    timers = world.sources.timers
    assert await timers.run_due() == 0
    world.clock.advance(timedelta(seconds=59))
    assert await timers.run_due() == 0
    world.clock.advance(timedelta(seconds=1))
    assert await timers.run_due() == 1
    [event] = events_of(world)
    assert (event["trigger_type"], event["trigger_name"], event["user_event"]) == ("TIMER", "tick", "hello")
    assert event["time"] == "2026-11-30T06:01:00Z"
    assert world.ran[0][0].source == "timer"


async def test_ticks_missed_while_down_run_once(world: World) -> None:
    await add(world, TriggerType.TIMER, schedule_type="Cron", schedule="0 * * * * *")
    world.clock.advance(timedelta(hours=3))  # 180 ticks missed
    assert await world.sources.timers.run_due() == 1
    assert await world.sources.timers.run_due() == 0
    world.clock.advance(timedelta(minutes=1))
    assert await world.sources.timers.run_due() == 1


async def test_a_disabled_timer_stays_quiet_and_restarts_from_now(world: World) -> None:
    trigger_id = await add(world, TriggerType.TIMER, schedule_type="Rate", schedule="1m")
    await world.triggers.set_status(world.scope, FN, TriggerType.TIMER, trigger_id, TriggerStatus.DISABLED)
    world.clock.advance(timedelta(minutes=10))
    assert await world.sources.timers.run_due() == 0
    await world.triggers.set_status(world.scope, FN, TriggerType.TIMER, trigger_id, TriggerStatus.ACTIVE)
    assert await world.sources.timers.run_due() == 0
    world.clock.advance(timedelta(minutes=1))
    assert await world.sources.timers.run_due() == 1


# --- HTTP -------------------------------------------------------------------------------------
def http(world: World) -> httpx.AsyncClient:
    app = ErrorBoundary(world.sources.http, fgs_error)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://welkin")


async def test_an_http_trigger_passes_the_gateway_event_and_maps_the_answer(world: World) -> None:
    await add(world, TriggerType.APIG, path="/api", match_mode="SWA", auth="NONE")
    async with http(world) as client:
        resp = await client.post(f"/_apig/{world.project}/api/items/7?color=red", content=b"\x00binary")
    assert resp.status_code == 201, resp.text
    assert resp.headers["x-seen"] == "POST"
    assert resp.headers["x-cff-request-id"]
    event = resp.json()
    assert (event["path"], event["resource"], event["pathParameters"]) == (
        "/api/items/7",
        "/api",
        {"proxy": "items/7"},
    )
    assert event["queryStringParameters"] == {"color": "red"}
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00binary"
    assert world.ran == []  # synchronous: not through the queue


async def test_http_trigger_failures_are_502_and_unknown_paths_404(world: World) -> None:
    await add(world, TriggerType.APIG, path="/api", match_mode="SWA", auth="NONE")
    async with http(world) as client:
        plain = await client.get(f"/_apig/{world.project}/api/plain")
        fail = await client.get(f"/_apig/{world.project}/api/fail")
        missing = await client.get(f"/_apig/{world.project}/nothing")
    assert (plain.status_code, plain.json()["error_code"]) == (502, "FSS.0502")
    assert "not an HTTP response" in plain.json()["error_msg"]
    assert (fail.status_code, fail.json()["error_code"]) == (502, "FSS.0502")
    assert "broken on purpose" in fail.json()["error_msg"]
    assert (missing.status_code, missing.json()["error_code"]) == (404, "FSS.0404")


async def test_an_iam_http_trigger_wants_credentials(world: World) -> None:
    await add(world, TriggerType.APIG, path="/private", auth="IAM")
    async with http(world) as client:
        anonymous = await client.get(f"/_apig/{world.project}/private")
    assert (anonymous.status_code, anonymous.json()["error_code"]) == (401, "FSS.0401")
    assert world.ran == []


# --- OBS --------------------------------------------------------------------------------------
async def put(world: World, bucket: str, key: str) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield key.encode()

    found = await world.obs.buckets.get(bucket)
    await world.obs.objects.put(found, key, IncomingBody(chunks()), ObjectAttributes(), found.account_id)


async def obs_world(world: World) -> str:
    bucket = "uploads"
    await world.obs.buckets.create(world.scope.principal.account_id, bucket, None, "private")
    await add(world, TriggerType.OBS, bucket=bucket, events=["ObjectCreated"], prefix="in/")
    # A consumer seen for the first time starts at the newest event; make its cursor now, as
    # a server that has run before has it, so that no put below can race its creation.
    async with world.db.transaction() as conn:
        await EventStore().ensure_cursor(conn, CONSUMER, world.clock.now())
    await world.events.start()
    await world.sources.start()
    return bucket


async def test_an_obs_trigger_gets_the_s3_record_of_matching_objects(world: World) -> None:
    bucket = await obs_world(world)
    await put(world, bucket, "out/ignored.txt")
    await put(world, bucket, "in/photo.jpg")
    await until(lambda: len(world.ran) == 1)
    [event] = events_of(world)
    [record] = event["Records"]
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["object"]["key"] == "in/photo.jpg"
    assert world.ran[0][0].source == "obs"


async def test_a_key_that_keeps_firing_its_trigger_is_cut_off(world: World) -> None:
    bucket = await obs_world(world)
    for _ in range(20):  # what a function rewriting its own object does
        await put(world, bucket, "in/loop.txt")
    await put(world, bucket, "in/other.txt")
    await until(
        lambda: any(e["Records"][0]["s3"]["object"]["key"] == "in/other.txt" for e in events_of(world))
    )
    keys = [e["Records"][0]["s3"]["object"]["key"] for e in events_of(world)]
    assert keys.count("in/loop.txt") == 16


async def test_obs_events_wait_for_a_restart(world: World) -> None:
    bucket = await obs_world(world)
    await put(world, bucket, "in/before.txt")
    await until(lambda: len(world.ran) == 1)  # the consumer has its cursor by now
    await asyncio.sleep(0.3)  # and has moved it past that event
    await world.events.stop()
    await put(world, bucket, "in/while-down.txt")
    await asyncio.sleep(0.3)
    assert len(world.ran) == 1
    # A new bus, as after a restart: the consumer's cursor is in the database.
    world.events = EventBus(world.db, world.clock, poll_interval=5.0)
    world.sources.obs.subscribe(world.events)
    await world.events.start()
    await until(lambda: len(world.ran) == 2)
    assert events_of(world)[1]["Records"][0]["s3"]["object"]["key"] == "in/while-down.txt"


async def test_disabled_and_deleted_obs_triggers_invoke_nothing(world: World) -> None:
    bucket = await obs_world(world)
    [trigger] = await world.triggers.list(world.scope, FN)
    await world.triggers.set_status(world.scope, FN, TriggerType.OBS, trigger.id, TriggerStatus.DISABLED)
    await put(world, bucket, "in/a.txt")
    await world.triggers.delete(world.scope, FN, TriggerType.OBS, trigger.id)
    await put(world, bucket, "in/b.txt")
    await asyncio.sleep(0.5)
    assert world.ran == []
    assert (await world.obs.buckets.get(bucket)).notification is None


async def test_a_disabled_or_deleted_http_trigger_stops_at_once(world: World) -> None:
    trigger_id = await add(world, TriggerType.APIG, path="/api", auth="NONE")
    url = f"/_apig/{world.project}/api"
    async with http(world) as client:
        assert (await client.get(url)).status_code == 201
        await world.triggers.set_status(world.scope, FN, TriggerType.APIG, trigger_id, TriggerStatus.DISABLED)
        assert (await client.get(url)).status_code == 404
        await world.triggers.set_status(world.scope, FN, TriggerType.APIG, trigger_id, TriggerStatus.ACTIVE)
        assert (await client.get(url)).status_code == 201
        await world.triggers.delete(world.scope, FN, TriggerType.APIG, trigger_id)
        assert (await client.get(url)).status_code == 404
