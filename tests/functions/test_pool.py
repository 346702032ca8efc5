"""The handler loop and the pool: init once, context, errors, warm reuse, limits, reaping."""

from __future__ import annotations

import asyncio
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.functions.conftest import PoolFactory, body, call, deploy
from welkin.core.clock import ManualClock
from welkin.core.errors import InvalidArgument, TooManyRequests
from welkin.functions.pool import FunctionPool
from welkin.functions.runtimes import RuntimeCatalog
from welkin.runtime import wire


async def test_warm_start_reuses_the_instance_and_the_initializer_runs_once(
    pool: FunctionPool, tmp_path: Path
) -> None:
    spec = deploy(
        tmp_path,
        """
        import os
        inits = []

        def init(context):
            inits.append(context.getFunctionName())
            print("initialising")

        def handler(event, context):
            return {"pid": os.getpid(), "inits": len(inits)}
        """,
        initializer="index.init",
    )
    first = await call(pool, spec)
    second = await call(pool, spec)
    assert first.cold_start
    assert not second.cold_start
    assert first.init_duration_ms is not None
    assert second.init_duration_ms is None
    assert first.pid == second.pid
    assert body(first)["inits"] == body(second)["inits"] == 1
    assert b"initialising" in first.log
    assert b"initialising" not in second.log
    stats = pool.stats()[f"{spec.function_urn}:latest"]
    assert stats.cold_starts == 1
    assert stats.invocations == 2
    assert len(stats.cold_start_ms) == 1


async def test_context_offers_functiongraph_getters_and_lambda_attributes(
    pool: FunctionPool, tmp_path: Path
) -> None:
    spec = deploy(
        tmp_path,
        """
        def handler(event, context):
            context.getLogger().info("logged")
            return {
                "request": context.getRequestID(), "remaining": context.getRemainingTimeInMilliSeconds(),
                "ak": context.getAccessKey(), "sk": context.getSecretKey(),
                "token": context.getSecurityToken(),
                "user": context.getUserData("COLOUR"), "missing": context.getUserData("NOPE", "default"),
                "name": context.getFunctionName(), "version": context.getVersion(),
                "memory": context.getMemorySize(), "cpu": context.getCPUNumber(),
                "project": context.getProjectID(), "package": context.getPackage(),
                "aws_request_id": context.aws_request_id, "function_name": context.function_name,
                "function_version": context.function_version, "memory_limit": context.memory_limit_in_mb,
                "arn": context.invoked_function_arn, "left": context.get_remaining_time_in_millis(),
                "log_group": context.log_group_name,
            }
        """,
        environment={"COLOUR": "blue"},
        memory_mb=256,
        timeout_s=5.0,
    )
    result = await call(pool, spec, access_key="AK1", secret_key="SK1", security_token="TOKEN1")
    seen = body(result)
    assert seen["request"] == seen["aws_request_id"] == result.request_id
    assert 4000 < seen["remaining"] <= 5000
    assert 4000 < seen["left"] <= 5000
    assert (seen["ak"], seen["sk"], seen["token"]) == ("AK1", "SK1", "TOKEN1")
    assert seen["user"] == "blue"
    assert seen["missing"] == "default"
    assert seen["name"] == seen["function_name"] == spec.name
    assert seen["version"] == seen["function_version"] == "latest"
    assert seen["memory"] == 256
    assert seen["memory_limit"] == "256"
    assert seen["cpu"] >= 1000
    assert seen["project"] == "proj0001"
    assert seen["package"] == "default"
    assert seen["arn"] == spec.function_urn
    assert seen["log_group"].endswith(spec.name)
    assert f"{result.request_id} INFO logged".encode() in result.log
    # Credentials are per invocation: the next request's context has its own.
    assert body(await call(pool, spec))["ak"] == ""


async def test_a_lambda_style_handler_runs_as_it_is(pool: FunctionPool, tmp_path: Path) -> None:
    spec = deploy(
        tmp_path,
        """
        import json

        def lambda_handler(event, context):
            return {"statusCode": 200, "body": json.dumps({"id": context.aws_request_id, "in": event})}
        """,
        handler="index.lambda_handler",
    )
    result = await call(pool, spec, {"x": 1})
    assert body(result)["statusCode"] == 200


@pytest.mark.parametrize(
    ("source", "handler", "initializer", "code", "needle"),
    [
        ("def handler(e, c):\n    return 1\n", "index.nothere", None, wire.HANDLER_NOT_FOUND, "nothere"),
        ("def handler(e, c):\n    return 1\n", "missing.handler", None, wire.IMPORT_MODULE_ERROR, "missing"),
        ("def handler(e, c) return\n", "index.handler", None, wire.IMPORT_MODULE_ERROR, "SyntaxError"),
        (
            "def init(c):\n    raise RuntimeError('no db')\ndef handler(e, c):\n    return 1\n",
            "index.handler",
            "index.init",
            wire.INITIALIZER_ERROR,
            "no db",
        ),
    ],
)
async def test_init_errors_have_stable_codes(
    pool: FunctionPool,
    tmp_path: Path,
    source: str,
    handler: str,
    initializer: str | None,
    code: str,
    needle: str,
) -> None:
    spec = deploy(tmp_path, source, handler=handler, initializer=initializer)
    result = await call(pool, spec)
    assert result.error is not None, result.error
    assert result.error.code == code, result.error
    assert needle in result.error.message + result.error.type + result.error.traceback


async def test_a_user_error_carries_type_message_and_only_user_frames(
    pool: FunctionPool, tmp_path: Path
) -> None:
    spec = deploy(
        tmp_path,
        """
        def helper():
            raise ValueError("bad input")

        def handler(event, context):
            helper()
        """,
    )
    result = await call(pool, spec)
    error = result.error
    assert error is not None
    assert error.code == wire.USER_CODE_ERROR
    assert (error.type, error.message) == ("ValueError", "bad input")
    assert "in helper" in error.traceback
    assert "in handler" in error.traceback
    assert "welkin/runtime" not in error.traceback


async def test_beyond_max_instances_requests_wait_then_get_429(pool: FunctionPool, tmp_path: Path) -> None:
    spec = deploy(
        tmp_path, "import time\ndef handler(e, c):\n    time.sleep(1)\n    return 1\n", max_instances=1
    )
    busy = asyncio.create_task(call(pool, spec))
    await asyncio.sleep(0.3)
    with pytest.raises(TooManyRequests, match="maximum of 1 instances"):
        await call(pool, spec)
    assert body(await busy) == 1
    assert pool.stats()[f"{spec.function_urn}:latest"].throttles == 1


async def test_instances_scale_out_on_demand(pool: FunctionPool, tmp_path: Path) -> None:
    spec = deploy(tmp_path, "import os, time\ndef handler(e, c):\n    time.sleep(0.3)\n    return 1\n")
    results = await asyncio.gather(*(call(pool, spec) for _ in range(3)))
    assert len({result.pid for result in results}) == 3
    assert all(result.cold_start for result in results)


async def test_concurrency_per_instance(pool: FunctionPool, tmp_path: Path) -> None:
    spec = deploy(
        tmp_path,
        "import time\ndef handler(e, c):\n    time.sleep(0.3)\n    return c.aws_request_id\n",
        concurrency=4,
    )
    results = await asyncio.gather(*(call(pool, spec) for _ in range(4)))
    assert len({result.pid for result in results}) == 1
    assert [body(result) for result in results] == [result.request_id for result in results]


async def test_idle_instances_are_reaped_after_the_keep_alive(make_pool: PoolFactory, tmp_path: Path) -> None:
    clock = ManualClock(datetime(2025, 1, 1, tzinfo=UTC))
    pool = await make_pool(clock=clock, keep_alive_s=60.0)
    spec = deploy(tmp_path, "def handler(e, c):\n    return 1\n")
    first = await call(pool, spec)
    clock.advance(timedelta(seconds=59))
    assert await pool.reap_idle() == 0
    clock.advance(timedelta(seconds=2))
    assert await pool.reap_idle() == 1
    for _ in range(50):
        if pool.instance_count == 0:
            break
        await asyncio.sleep(0.05)
    assert pool.instance_count == 0
    with pytest.raises(ProcessLookupError):
        os.kill(first.pid, 0)
    assert (await call(pool, spec)).cold_start


async def test_a_deleted_function_loses_its_instances_at_once(pool: FunctionPool, tmp_path: Path) -> None:
    sleeps = "import time\ndef handler(e, c):\n    time.sleep(e.get('sleep', 0))\n    return 1\n"
    spec = deploy(tmp_path, sleeps)
    other = deploy(tmp_path, sleeps)
    kept = await call(pool, other)
    busy = asyncio.create_task(call(pool, spec, {"sleep": 1.0}))
    await asyncio.sleep(0.3)
    idle = await call(pool, spec)  # a second instance: the first is busy
    assert pool.retire(spec.function_urn) == 2
    # The idle instance ends now; the busy one answers its request first, then ends.
    assert (await busy).error is None
    for _ in range(100):
        if pool.instance_count == 1:
            break
        await asyncio.sleep(0.05)
    assert pool.instance_count == 1
    with pytest.raises(ProcessLookupError):
        os.kill(idle.pid, 0)
    assert (await call(pool, other)).pid == kept.pid  # another function is left alone
    assert (await call(pool, spec)).cold_start


async def test_a_missing_runtime_is_refused_with_what_is_available(
    pool: FunctionPool, tmp_path: Path
) -> None:
    spec = deploy(tmp_path, "def handler(e, c):\n    return 1\n")
    with pytest.raises(InvalidArgument, match=r"Python2\.7.*offers: Python3\.11"):
        await pool.invoke(spec.__class__(**{**spec.__dict__, "runtime": "Python2.7"}), spec and _inv())


def _inv():  # type: ignore[no-untyped-def]
    from welkin.functions.spec import Invocation

    return Invocation("r", b"{}")


async def test_stop_leaves_no_process_behind(make_pool: PoolFactory, tmp_path: Path) -> None:
    pool = await make_pool()
    spec = deploy(tmp_path, "import os\ndef handler(e, c):\n    return 1\n")
    result = await call(pool, spec)
    zygotes = [z._process.pid for z in pool._zygotes.values()]
    await pool.stop()
    for pid in [result.pid, *zygotes]:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


PY312 = sorted(Path.home().glob(".pyenv/versions/3.12*/bin"))


@pytest.mark.skipif(not PY312 or not shutil.which("python3.12", path=str(PY312[-1]) if PY312 else None),
                    reason="no CPython 3.12 on this machine")  # fmt: skip
async def test_another_cpython_on_path_is_offered_as_its_own_runtime(
    make_pool: PoolFactory, tmp_path: Path
) -> None:
    catalog = RuntimeCatalog.detect(path=str(PY312[-1]))
    assert "Python3.12" in catalog.names
    pool = await make_pool()
    pool._runtimes = catalog
    spec = deploy(tmp_path, "import sys\ndef handler(e, c):\n    return list(sys.version_info[:2])\n")
    result = await pool.invoke(spec.__class__(**{**spec.__dict__, "runtime": "Python3.12"}), _inv())
    assert body(result) == [3, 12]
