"""Metering's cost per request: two real ``welkin up``, one metering and one not, same run.

benchmarks/billing_bench.py runs this as its ``overhead`` part. Each server (SQLite, its
own data directory; ``metering = false`` in the second one's welkin.toml) gets one
function with a stdlib handler, an HTTP trigger (auth NONE) on it, and a bucket. Then, in
``rounds`` rounds, alternating which server goes first, each server takes for ``seconds``:

- ``InvokeFunction`` (``POST .../invocations``, X-Auth-Token) of the warm function;
- ``GET`` through the HTTP trigger;
- ``PUT`` of a 4 KiB object (a new key each time) through boto3, SigV4, path style;

each at concurrency 1 from a synchronous client, after a warm-up that is not timed. Figures:
requests/s, p50 latency, and the server process's CPU per request (user + system from
/proc/PID/stat, over the timed requests, divided by their number). Metering's work is
partly off the request path, in the same process: the outbox publishes the journal every
0.5 s and billing's consumers count the events as they come. The CPU window opens 1 s
after the warm-up and closes 1 s after the last timed request, so that this background work
of the timed requests is inside it and the warm-up's is not; both servers sit idle for the
same two seconds, so what idling costs cancels out in the difference. Function instances
are processes of their own and not counted. Client on one CPU, both servers (and their
instances) on another, when there are two. Every figure is a median over the rounds.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.config import Config
from fn_bench import STDLIB_HANDLER, Api, http_trigger, open_api, process_cpu_s
from iam_bench import AK, SK, Server, start_welkin

OPS = ("InvokeFunction", "HTTP trigger GET", "PUT 4 KiB")
SIDES = ("on", "off")
BUCKET = "meter-bench"
REGION = "local-1"
SETTLE_S = 1.0
WARM_S = 0.5


@dataclass(frozen=True)
class Figures:
    rps: float
    p50_ms: float
    cpu_us: float  # the server process's CPU per request


@dataclass
class Side:
    """One running server, metering or not, with what the operations need."""

    metering: str
    server: Server
    api: Api
    invoke_urn: str
    trigger_url: str
    s3: Any
    http: httpx.Client

    def operations(self) -> dict[str, Callable[[], None]]:
        payload = os.urandom(4096)
        keys = itertools.count()

        def invoke() -> None:
            self.api.invoke(self.invoke_urn)

        def trigger() -> None:
            response = self.http.get(self.trigger_url)
            if response.status_code != 200:
                raise RuntimeError(f"trigger: {response.status_code} {response.text[:300]}")

        def put() -> None:
            self.s3.put_object(Bucket=BUCKET, Key=f"small/{next(keys)}", Body=payload)

        return dict(zip(OPS, (invoke, trigger, put), strict=True))


def s3_client(url: str) -> Any:
    return boto3.session.Session().client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=AK,
        aws_secret_access_key=SK,
        region_name=REGION,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"total_max_attempts": 1, "mode": "standard"},
        ),
    )


def start_side(workdir: Path, metering: str, cpu: int | None) -> Side:
    home = workdir / metering
    (home / "data").mkdir(parents=True)
    (home / "data" / "welkin.toml").write_text(f"metering = {'true' if metering == 'on' else 'false'}\n")
    server = start_welkin(home, cpu, [])
    api = open_api(server, home / "data")
    invoke_urn = api.create("meter-bench", {"index.py": STDLIB_HANDLER})
    _trigger_urn, trigger_url = http_trigger(api)
    s3 = s3_client(server.url)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return Side(metering, server, api, invoke_urn, trigger_url, s3, httpx.Client(timeout=60))


def measure(op: Callable[[], None], seconds: float, pid: int) -> Figures:
    warm_until = time.perf_counter() + WARM_S
    while time.perf_counter() < warm_until:
        op()
    time.sleep(SETTLE_S)  # the warm-up's journal published and counted before the window
    cpu = process_cpu_s(pid)
    latencies = []
    begin = time.perf_counter()
    while (start := time.perf_counter()) < begin + seconds:
        op()
        latencies.append(time.perf_counter() - start)
    elapsed = time.perf_counter() - begin
    time.sleep(SETTLE_S)  # and the timed requests' inside it
    cpu = process_cpu_s(pid) - cpu
    n = len(latencies)
    return Figures(n / elapsed, statistics.median(latencies) * 1e3, cpu / n * 1e6)


@contextlib.contextmanager
def running(cpu: int | None) -> Iterator[dict[str, Side]]:
    workdir = Path(tempfile.mkdtemp(prefix="welkin-billing-overhead-"))
    sides: dict[str, Side] = {}
    try:
        for metering in SIDES:
            sides[metering] = start_side(workdir, metering, cpu)
        yield sides
    finally:
        for side in sides.values():
            side.http.close()
            side.api.http.close()
            side.server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def overhead(seconds: float, rounds: int) -> dict[tuple[str, str], list[Figures]]:
    """Per (operation, "on" | "off"), one Figures per round."""
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu = cpus[1] if len(cpus) >= 2 else None
    print(f"# client on CPU {cpus[0]}, both servers and their instances on CPU {server_cpu}")
    print(f"# {rounds} rounds of {seconds:g} s per operation and server, alternating which goes first")
    results: dict[tuple[str, str], list[Figures]] = {}
    os.sched_setaffinity(0, {cpus[0]})
    try:
        with running(server_cpu) as sides:
            operations = {m: side.operations() for m, side in sides.items()}
            for number in range(rounds):
                order = SIDES if number % 2 == 0 else SIDES[::-1]
                for op in OPS:
                    for metering in order:
                        pid = sides[metering].server.process.pid
                        got = measure(operations[metering][op], seconds, pid)
                        results.setdefault((op, metering), []).append(got)
                        print(
                            f"  round {number + 1} {op} metering {metering}: {got.rps:.0f} req/s, "
                            f"p50 {got.p50_ms:.2f} ms, server CPU {got.cpu_us:.0f} µs/req"
                        )
    finally:
        os.sched_setaffinity(0, set(cpus))
    return results


def report(results: dict[tuple[str, str], list[Figures]]) -> None:
    def med(op: str, metering: str, pick: Callable[[Figures], float]) -> float:
        return statistics.median(pick(f) for f in results[(op, metering)])

    print("\n| operation | metering | req/s | p50 ms | server CPU µs/req | CPU µs/req rounds |")
    print("|---|---|---:|---:|---:|---|")
    for op in OPS:
        for metering in SIDES:
            rounds = ", ".join(f"{f.cpu_us:.0f}" for f in results[(op, metering)])
            print(
                f"| {op} | {metering} | {med(op, metering, lambda f: f.rps):.0f} "
                f"| {med(op, metering, lambda f: f.p50_ms):.2f} "
                f"| {med(op, metering, lambda f: f.cpu_us):.0f} | {rounds} |"
            )
    print(
        "\n| operation | metering's server CPU µs/req (on - off) | on ÷ off CPU "
        "| metering's p50 µs (on - off) | on ÷ off p50 | on - off CPU per round |"
    )
    print("|---|---:|---:|---:|---:|---|")
    for op in OPS:
        on_cpu, off_cpu = med(op, "on", lambda f: f.cpu_us), med(op, "off", lambda f: f.cpu_us)
        on_p50, off_p50 = med(op, "on", lambda f: f.p50_ms), med(op, "off", lambda f: f.p50_ms)
        paired = ", ".join(
            f"{on.cpu_us - off.cpu_us:+.0f}"
            for on, off in zip(results[(op, "on")], results[(op, "off")], strict=True)
        )
        print(
            f"| {op} | {on_cpu - off_cpu:+.0f} | {on_cpu / off_cpu:.3f} "
            f"| {(on_p50 - off_p50) * 1000:+.0f} | {on_p50 / off_p50:.3f} | {paired} |"
        )
