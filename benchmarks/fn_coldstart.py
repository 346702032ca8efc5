"""Cold start of a sandboxed stdlib handler, next to the floor a bare fork sets; one run.

    .venv/bin/python benchmarks/fn_coldstart.py [--runs 100]

Cold start: request to result through ``FunctionPool.invoke`` for a function with no instance
(each run is a new function; its instance is reaped before the next run, so the machine holds
one instance at a time). Measured twice: with spare instances (the default: forked and
half-sandboxed ahead of time; runs are spaced 50 ms so the spare is ready, as it is for a
cold start that does not arrive in a burst) and without (the child does every step itself).
Floor: ``os.fork()`` of this warm interpreter, the child writing one byte to a pipe, the parent
reading it and reaping the child. Must run as root for the full sandbox; the pool's start-up
line (printed first) says what was enforced. The aim is p50 <= 15 ms for the sandboxed start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from welkin.core.clock import ManualClock
from welkin.functions.pool import FunctionPool
from welkin.functions.runtimes import Interpreter, RuntimeCatalog
from welkin.functions.spec import InstanceSpec, Invocation, PoolSettings

HANDLER = "import json\n\ndef handler(event, context):\n    return {'hello': event.get('name', 'world')}\n"


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered):6.2f} ms   p99 {p99:6.2f} ms   (n={len(ordered)})"


def fork_floor(runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        read_end, write_end = os.pipe()
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os.write(write_end, b"x")
            os._exit(0)
        os.read(read_end, 1)
        samples.append((time.perf_counter() - started) * 1000)
        os.waitpid(pid, 0)
        os.close(read_end)
        os.close(write_end)
    return samples


async def cold_starts(work: Path, runs: int, spares: int) -> tuple[list[float], list[float]]:
    code = work / "code"
    code.mkdir(parents=True, exist_ok=True)
    (code / "index.py").write_text(HANDLER)
    for path in (work, code):
        os.chmod(path, 0o755)  # noqa: S103 - instances run as another uid
    os.chmod(code / "index.py", 0o644)
    clock = ManualClock(datetime(2025, 1, 1, tzinfo=UTC))
    own = Interpreter(
        f"Python{sys.version_info[0]}.{sys.version_info[1]}", sys.executable, sys.version_info[:2]
    )
    settings = PoolSettings(work_dir=work / f"pool{spares}", keep_alive_s=60, spare_instances=spares)
    pool = FunctionPool(settings, clock, RuntimeCatalog([own]))
    await pool.start()
    totals, inits = [], []
    try:
        await asyncio.sleep(0.5)
        for run in range(runs):
            spec = InstanceSpec(
                f"urn:fss:local-1:bench:function:default:cold{run}", "latest", own.name, code, "index.handler"
            )
            invocation = Invocation(f"req{run}", json.dumps({"name": "bench"}).encode())
            started = time.perf_counter()
            result = await pool.invoke(spec, invocation)
            totals.append((time.perf_counter() - started) * 1000)
            assert result.ok, result.error
            assert result.cold_start
            inits.append(result.init_duration_ms or 0.0)
            clock.advance(timedelta(seconds=120))
            await pool.reap_idle()
            for _ in range(400):  # the reaped instance's exit is reported by its zygote
                if not pool.instance_count:
                    break
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.05)
    finally:
        await pool.stop()
    return totals, inits


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory(prefix="welkin-fn-bench-") as tmp:
        spared, spared_init = asyncio.run(cold_starts(Path(tmp) / "a", args.runs, spares=2))
        direct, direct_init = asyncio.run(cold_starts(Path(tmp) / "b", args.runs, spares=0))
    floor = fork_floor(args.runs)
    print(
        f"cold start, spare instances   {percentiles(spared)}   (spawn to ready: {percentiles(spared_init)})"
    )
    print(
        f"cold start, no spares         {percentiles(direct)}   (spawn to ready: {percentiles(direct_init)})"
    )
    print(f"floor: bare os.fork() + pipe  {percentiles(floor)}")


if __name__ == "__main__":
    main()
