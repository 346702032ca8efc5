"""A fork bomb, an endless loop, a 10 GB allocation and a gigabyte of output each end their own
instance with a clear error, while another function keeps working and the server stays well."""

from __future__ import annotations

import asyncio
import resource
import time
from pathlib import Path

from tests.functions.conftest import UIDS, body, call, deploy, processes_of_uids
from welkin.functions.pool import FunctionPool
from welkin.functions.spec import InstanceSpec
from welkin.runtime import wire

HEALTHY = "def handler(event, context):\n    return 'fine'\n"


async def assert_others_still_work(pool: FunctionPool, healthy: InstanceSpec) -> None:
    result = await call(pool, healthy)
    assert body(result) == "fine"


async def test_an_endless_loop_is_killed_at_the_timeout(sandboxed: FunctionPool, tmp_path: Path) -> None:
    spec = deploy(tmp_path, "def handler(event, context):\n    while True:\n        pass\n", timeout_s=1.0)
    healthy = deploy(tmp_path, HEALTHY)
    started = time.monotonic()
    looping = asyncio.create_task(call(sandboxed, spec))
    await assert_others_still_work(sandboxed, healthy)
    result = await looping
    assert result.error is not None
    assert result.error.code == wire.TIMEOUT
    assert "within 1s" in result.error.message
    assert time.monotonic() - started < 3
    again = await call(sandboxed, deploy(tmp_path, HEALTHY))
    assert again.ok
    second = await asyncio.wait_for(call(sandboxed, spec), 5)
    assert second.cold_start
    assert second.pid != result.pid


async def test_a_fork_bomb_is_contained_and_ended(sandboxed: FunctionPool, tmp_path: Path) -> None:
    spec = deploy(
        tmp_path,
        """
        import os, time

        def handler(event, context):
            while True:
                try:
                    os.fork()
                except OSError:
                    time.sleep(0.001)
        """,
        timeout_s=2.0,
    )
    healthy = deploy(tmp_path, HEALTHY)
    bomb = asyncio.create_task(call(sandboxed, spec))
    await asyncio.sleep(1.0)
    settings_pids = 64
    running = processes_of_uids(UIDS.start, UIDS.stop)
    assert 0 < len(running) <= settings_pids + 2  # capped by RLIMIT_NPROC and pids.max
    await assert_others_still_work(sandboxed, healthy)
    result = await bomb
    assert result.error is not None
    assert result.error.code == wire.TIMEOUT
    for _ in range(50):
        left = [pid for pid in processes_of_uids(UIDS.start, UIDS.stop) if pid in running]
        if not left:
            break
        await asyncio.sleep(0.1)
    assert not left  # the whole pid namespace died with its init


async def test_a_10_gb_allocation_ends_the_instance_out_of_memory(
    sandboxed: FunctionPool, tmp_path: Path
) -> None:
    spec = deploy(
        tmp_path,
        "def handler(event, context):\n    block = bytearray(10 << 30)\n    return len(block)\n",
        memory_mb=128,
    )
    healthy = deploy(tmp_path, HEALTHY)
    result = await call(sandboxed, spec)
    assert result.error is not None, result.error
    assert result.error.code == wire.OUT_OF_MEMORY, result.error
    assert "128 MB" in result.error.message or "out of memory" in result.error.message
    await assert_others_still_work(sandboxed, healthy)


async def test_a_gigabyte_of_output_ends_the_instance_without_growing_the_server(
    sandboxed: FunctionPool, tmp_path: Path
) -> None:
    spec = deploy(
        tmp_path,
        """
        import sys

        def handler(event, context):
            line = "x" * 1023 + "\\n"
            chunk = line * 1024
            for _ in range(1024):  # 1 GiB
                sys.stdout.write(chunk)
            return "done"
        """,
        timeout_s=30.0,
    )
    healthy = deploy(tmp_path, HEALTHY)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = await call(sandboxed, spec)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert result.error is not None
    assert result.error.code == wire.OUTPUT_TOO_LARGE
    assert "64 MiB" in result.error.message
    assert len(result.log) <= 4 << 20
    assert result.log_truncated
    assert grown_mb < 64
    await assert_others_still_work(sandboxed, healthy)


async def test_a_result_too_large_is_refused(pool: FunctionPool, tmp_path: Path) -> None:
    spec = deploy(tmp_path, "def handler(event, context):\n    return b'x' * (7 << 20)\n")
    result = await call(pool, spec)
    assert result.error is not None
    assert result.error.code == wire.RESULT_TOO_LARGE
