"""The function registry over a real database (SQLite and PostgreSQL): what an instance is
given, how an alias chooses between versions, and that secrets are stored sealed."""

from __future__ import annotations

import asyncio
import base64
import io
import random
import stat
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from tests.wheels import build_wheel
from welkin.config import Settings
from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.functions import tables
from welkin.functions.code import CodeStore
from welkin.functions.configuration import ConfigChanges
from welkin.functions.deps import DependencyInstaller
from welkin.functions.errors import AliasNotFound, FunctionNotFound, InvalidCode, VersionNotFound
from welkin.functions.models import CodeType
from welkin.functions.packages import PackageLimits
from welkin.functions.runtimes import RuntimeCatalog
from welkin.functions.service import FunctionRegistry, Scope
from welkin.functions.sources import CodeInput, CodeSources
from welkin.functions.urns import FunctionRef
from welkin.functions.versions import AliasChanges, VersionService
from welkin.iam.keyring import Keyring
from welkin.iam.models import AuthMethod, Principal
from welkin.iam.service import Iam

RUNTIME = f"Python{sys.version_info[0]}.{sys.version_info[1]}"


def package(source: str) -> str:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.py", source)
    return base64.b64encode(out.getvalue()).decode()


@dataclass
class World:
    registry: FunctionRegistry
    versions: VersionService
    scope: Scope
    db: Database


@pytest.fixture
async def world(db: Database, clock: ManualClock, tmp_path: Path) -> World:
    settings = Settings(data_dir=tmp_path)
    keyring = Keyring(Fernet.generate_key())
    iam = Iam.build(db, clock, keyring, settings)
    created = await iam.identity.create_account("acme", "Strong-pass-1234")
    project = created.projects[0]
    principal = Principal(
        created.account.id,
        created.account.name,
        created.admin.id,
        created.admin.name,
        AuthMethod.PASSWORD,
        project.id,
        created.account.is_operator,
    )
    registry = FunctionRegistry(
        db,
        clock,
        settings.region,
        iam.permissions,
        keyring,
        CodeStore(tmp_path / "functions", PackageLimits(1 << 20)),
        CodeSources(None, 1 << 20),
        RuntimeCatalog.detect(),
        DependencyInstaller(tmp_path / "functions", tmp_path / "wheels"),
        rng=random.Random(42),  # noqa: S311 - a seeded traffic split, repeatable in tests
    )
    return World(registry, VersionService(registry), Scope(principal, project), db)


async def make(world: World, name: str = "hello", **changes: object) -> FunctionRef:
    config = ConfigChanges(
        runtime=RUNTIME,
        handler="index.handler",
        memory_size=256,
        timeout=10,
        **changes,  # type: ignore[arg-type]
    )
    code = CodeInput(CodeType.ZIP, package("def handler(e, c):\n    return 1\n"), None, None)
    await world.registry.create(world.scope, "default", name, config, code)
    return FunctionRef("default", name, None)


async def test_a_spec_has_everything_an_instance_needs(world: World) -> None:
    ref = await make(
        world,
        user_data='{"MODE": "test", "SHARED": "plain"}',
        encrypted_user_data='{"TOKEN": "s3cret", "SHARED": "sealed"}',
        initializer_handler="index.init",
        initializer_timeout=5,
        max_instance_num=3,
        app_xrole="runner",
    )
    spec = await world.registry.resolve(world.scope.project.id, ref)
    assert spec.function_urn.endswith(":function:default:hello:latest")
    assert (spec.version, spec.alias) == ("latest", None)
    assert spec.interpreter == Path(sys.executable)
    assert (spec.handler, spec.initializer_handler, spec.initializer_timeout) == (
        "index.handler",
        "index.init",
        5,
    )
    assert (spec.memory_size, spec.timeout, spec.max_instance_num, spec.agency) == (256, 10, 3, "runner")
    assert dict(spec.environment) == {"MODE": "test", "SHARED": "sealed", "TOKEN": "s3cret"}
    assert (spec.code_dir / "index.py").read_text().startswith("def handler")
    assert stat.S_IMODE(spec.code_dir.stat().st_mode) == 0o555
    with pytest.raises(TypeError):
        spec.environment["X"] = "y"  # type: ignore[index]
    stored = await world.db.run_read(
        lambda conn: conn.execute(select(tables.functions.c.config)).scalar_one()
    )
    assert "s3cret" not in stored
    assert "sealed" not in stored


async def test_versions_snapshot_and_aliases_choose_by_weight(world: World) -> None:
    ref = await make(world)
    project = world.scope.project.id
    await world.versions.publish(world.scope, ref, None, "one", None)
    await world.registry.update_config(world.scope, ref, ConfigChanges(memory_size=1024))
    await world.versions.publish(world.scope, ref, None, "two", None)
    one = await world.registry.resolve(project, FunctionRef("default", "hello", "1"))
    two = await world.registry.resolve(project, FunctionRef("default", "hello", "2"))
    assert (one.version, one.memory_size, two.memory_size) == ("1", 256, 1024)
    await world.versions.create_alias(world.scope, ref, "canary", "1", "", {"2": 25})
    alias = FunctionRef("default", "hello", "!canary")
    chosen = [(await world.registry.resolve(project, alias)).version for _ in range(400)]
    assert 0.15 < chosen.count("2") / len(chosen) < 0.35
    assert {s for s in chosen} == {"1", "2"}
    resolved = await world.registry.resolve(project, alias)
    assert resolved.alias == "canary"
    # A bare qualifier names an alias when no version has that name.
    assert (
        await world.registry.resolve(project, FunctionRef("default", "hello", "canary"))
    ).alias == "canary"
    await world.versions.update_alias(world.scope, ref, "canary", AliasChanges(None, None, {"2": 100}))
    assert {(await world.registry.resolve(project, alias)).version for _ in range(20)} == {"2"}
    await world.versions.update_alias(world.scope, ref, "canary", AliasChanges(None, None, {}))
    assert {(await world.registry.resolve(project, alias)).version for _ in range(20)} == {"1"}


async def test_a_warm_reference_reads_no_database_and_every_change_is_seen_next_call(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = await make(world)
    project = world.scope.project.id
    reads = 0
    read = world.db.run_read

    async def counted(work: Any) -> Any:
        nonlocal reads
        reads += 1
        return await read(work)

    monkeypatch.setattr(world.db, "run_read", counted)
    # Just created: resolved from what was written, unqualified or as latest.
    assert (await world.registry.resolve(project, ref)).memory_size == 256
    latest = FunctionRef("default", "hello", "latest")
    assert (await world.registry.resolve(project, latest)).version == "latest"
    assert reads == 0
    await world.registry.update_config(world.scope, ref, ConfigChanges(memory_size=512))
    assert (await world.registry.resolve(project, ref)).memory_size == 512
    assert reads == 0
    await world.versions.publish(world.scope, ref, None, "", None)
    one = FunctionRef("default", "hello", "1")
    for _ in range(5):
        assert (await world.registry.resolve(project, one)).memory_size == 512
    assert reads == 1
    await world.registry.update_config(world.scope, ref, ConfigChanges(memory_size=1024))
    assert (await world.registry.resolve(project, one)).memory_size == 512  # versions are immutable
    assert (await world.registry.resolve(project, ref)).memory_size == 1024


async def test_resolving_what_does_not_exist(world: World) -> None:
    ref = await make(world)
    project = world.scope.project.id
    with pytest.raises(FunctionNotFound):
        await world.registry.resolve(project, FunctionRef("default", "nobody", None))
    with pytest.raises(FunctionNotFound):
        await world.registry.resolve("f" * 32, ref)
    with pytest.raises(AliasNotFound):
        await world.registry.resolve(project, FunctionRef("default", "hello", "!nope"))
    with pytest.raises(VersionNotFound):
        await world.registry.resolve(project, FunctionRef("default", "hello", "7"))


async def test_masked_secrets_keep_their_values(world: World) -> None:
    ref = await make(world, encrypted_user_data='{"A": "one", "B": "two"}')
    changes = ConfigChanges(encrypted_user_data='{"A": "******", "C": "three"}')
    await world.registry.update_config(world.scope, ref, changes)
    spec = await world.registry.resolve(world.scope.project.id, ref)
    assert dict(spec.environment) == {"A": "one", "C": "three"}


def package_with(requirements: str) -> str:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.py", "import tinydep\n\ndef handler(e, c):\n    return tinydep.VALUE\n")
        archive.writestr("requirements.txt", requirements)
    return base64.b64encode(out.getvalue()).decode()


async def test_requirements_are_installed_once_offline_into_a_read_only_layer(
    world: World, tmp_path: Path
) -> None:
    build_wheel(tmp_path / "wheels")
    config = ConfigChanges(runtime=RUNTIME, handler="index.handler", memory_size=128, timeout=3)
    code = CodeInput(CodeType.ZIP, package_with("tinydep==1.0  # pinned\n"), None, None)
    await world.registry.create(world.scope, "default", "with-deps", config, code)
    spec = await world.registry.resolve(world.scope.project.id, FunctionRef("default", "with-deps", None))
    layer = spec.dependencies_dir
    assert layer is not None
    assert (layer / "tinydep" / "__init__.py").read_text() == "VALUE = 42\n"
    assert stat.S_IMODE(layer.stat().st_mode) == 0o555
    assert stat.S_IMODE((layer / "tinydep" / "__init__.py").stat().st_mode) == 0o444
    # The same code elsewhere shares the layer.
    await world.registry.create(world.scope, "default", "same-code", config, code)
    again = await world.registry.resolve(world.scope.project.id, FunctionRef("default", "same-code", None))
    assert again.dependencies_dir == layer
    plain = await make(world, "no-deps")
    assert (await world.registry.resolve(world.scope.project.id, plain)).dependencies_dir is None


@pytest.mark.parametrize(
    ("requirements", "complaint"),
    [
        ("nothing-like-this==9.9\n", "could not be installed"),
        ("-r /etc/passwd\n", "line 1"),
        ("tinydep @ https://example.com/tinydep.whl\n", "line 1"),
        ("ok\n../local/dir\n", "line 2"),
    ],
)
async def test_bad_requirements_refuse_the_code(
    world: World, tmp_path: Path, requirements: str, complaint: str
) -> None:
    build_wheel(tmp_path / "wheels")
    config = ConfigChanges(runtime=RUNTIME, handler="index.handler", memory_size=128, timeout=3)
    code = CodeInput(CodeType.ZIP, package_with(requirements), None, None)
    with pytest.raises(InvalidCode, match=complaint):
        await world.registry.create(world.scope, "default", "bad-deps", config, code)
    with pytest.raises(FunctionNotFound):
        await world.registry.resolve(world.scope.project.id, FunctionRef("default", "bad-deps", None))


async def test_unused_code_is_collected_and_used_code_kept(world: World) -> None:
    registry = world.registry
    kept = await make(world, "kept")
    await world.versions.publish(world.scope, kept, None, "", None)
    old = (await registry.resolve(world.scope.project.id, kept)).code_sha256
    newer = CodeInput(CodeType.ZIP, package("def handler(e, c):\n    return 'new'\n"), None, None)
    await registry.update_code(world.scope, kept, newer)
    new = (await registry.resolve(world.scope.project.id, kept)).code_sha256
    doomed = CodeInput(CodeType.ZIP, package("def handler(e, c):\n    return 'doomed'\n"), None, None)
    config = ConfigChanges(runtime=RUNTIME, handler="index.handler", memory_size=128, timeout=3)
    await registry.create(world.scope, "default", "doomed", config, doomed)
    gone = (
        await registry.resolve(world.scope.project.id, FunctionRef("default", "doomed", None))
    ).code_sha256
    await registry.delete(world.scope, FunctionRef("default", "doomed", None))
    assert await registry.collect_unused_code() == 1
    assert registry.code.stored() == {old, new}
    assert not registry.code.code_dir(gone).exists()
    assert (registry.code.code_dir(old) / "index.py").exists()


async def test_concurrent_publishes_take_distinct_numbers(world: World) -> None:
    ref = await make(world)
    published = await asyncio.gather(
        *(world.versions.publish(world.scope, ref, None, f"p{i}", None) for i in range(5))
    )
    assert sorted(int(version.name) for _fn, version in published) == [1, 2, 3, 4, 5]
