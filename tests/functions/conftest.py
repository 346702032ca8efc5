"""Real pools with real zygotes and sandboxed instances; nothing is mocked.

``deploy`` writes a function's code to a directory the way the registry will (world-readable);
``sandboxed`` skips a test with the reason when this kernel refuses what it needs.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from welkin.core.clock import Clock, SystemClock
from welkin.functions.pool import FunctionPool
from welkin.functions.runtimes import Interpreter, RuntimeCatalog
from welkin.functions.spec import InstanceSpec, Invocation, InvocationResult, PoolSettings

OWN_RUNTIME = f"Python{sys.version_info[0]}.{sys.version_info[1]}"
# Instances run as uid_base + slot. The default base is shared by every Welkin on the machine (other
# test processes, other suites, servers), and with it RLIMIT_NPROC's per-uid count and any census of
# instances' processes. A range derived from this process's pid is unique among running processes.
UIDS = range((1 << 20) + os.getpid() * 512, (1 << 20) + (os.getpid() + 1) * 512)
PoolFactory = Callable[..., Awaitable[FunctionPool]]


def own_catalog() -> RuntimeCatalog:
    # Detecting other interpreters runs each python3.N on PATH; these tests do not need them.
    return RuntimeCatalog([Interpreter(OWN_RUNTIME, sys.executable, sys.version_info[:2])])


@pytest.fixture
async def make_pool(tmp_path: Path) -> AsyncIterator[PoolFactory]:
    pools: list[FunctionPool] = []

    async def make(clock: Clock | None = None, **overrides: Any) -> FunctionPool:
        settings = PoolSettings(
            work_dir=tmp_path / f"work{len(pools)}",
            tmp_mb=8,
            queue_wait_s=0.2,
            uid_base=UIDS.start,
            max_total_instances=len(UIDS),
        )
        pool = FunctionPool(replace(settings, **overrides), clock or SystemClock(), own_catalog())
        pools.append(pool)
        await pool.start()
        return pool

    yield make
    for pool in pools:
        await pool.stop()


@pytest.fixture
async def pool(make_pool: PoolFactory) -> FunctionPool:
    return await make_pool()


@pytest.fixture
def sandboxed(pool: FunctionPool) -> FunctionPool:
    caps = pool.capabilities
    assert caps is not None
    missing = [
        name
        for name, ok in (
            ("pid namespace", caps.pid_namespace),
            ("mount namespace", caps.mount_namespace),
            ("uid drop (needs root)", caps.uid_drop),
            ("a writable memory cgroup", caps.cgroup_version != 0),
        )
        if not ok
    ]
    if missing:
        pytest.skip(f"this kernel refuses: {', '.join(missing)} ({caps.summary()})")
    return pool


def deploy(root: Path, source: str, handler: str = "index.handler", **spec: Any) -> InstanceSpec:
    """A function whose index.py is ``source``, in its own world-readable code directory."""
    name = f"fn-{uuid.uuid4().hex[:8]}"
    code = root / "code" / name
    code.mkdir(parents=True)
    (code / "index.py").write_text(textwrap.dedent(source))
    for path in (root, root / "code", code):
        os.chmod(path, 0o755)  # noqa: S103 - instances run as another uid
    os.chmod(code / "index.py", 0o644)
    fields: dict[str, Any] = {"timeout_s": 10.0, **spec}
    return InstanceSpec(
        function_urn=f"urn:fss:local-1:proj0001:function:default:{name}",
        version="latest",
        runtime=OWN_RUNTIME,
        code_dir=code,
        handler=handler,
        **fields,
    )


async def call(
    pool: FunctionPool, spec: InstanceSpec, event: Any = None, **credentials: str
) -> InvocationResult:
    invocation = Invocation(uuid.uuid4().hex, json.dumps(event or {}).encode(), **credentials)
    return await pool.invoke(spec, invocation)


def body(result: InvocationResult) -> Any:
    assert result.error is None, result.error
    return json.loads(result.body)


def processes_of_uids(low: int, high: int) -> list[int]:
    """Host pids whose real uid is in [low, high): what instances left running."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as status:
                for line in status:
                    if line.startswith("Uid:"):
                        if low <= int(line.split()[1]) < high:
                            found.append(int(entry))
                        break
        except OSError:
            continue
    return found
