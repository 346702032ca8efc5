"""Metering's cost per request: real ``welkin up`` servers metering and not, same run.

benchmarks/billing_bench.py runs this as its ``overhead`` part. Two servers that differ in
nothing but their process differ by a few hundred µs of CPU per request on a shared
machine (over 1 ms for a PUT), and the one started first tended to cost more; so each side (metering on, and
``metering = false`` in welkin.toml) has ``per_side`` servers, started in the order on,
off, off, on, ..., and a side's figure in a round is the mean over its servers. The spread
between servers of the same side is printed too: it is the noise floor of the difference.

Each server (SQLite, its own data directory) gets one function with a stdlib handler, an
HTTP trigger (auth NONE) on it, and a bucket. Then, in ``rounds`` rounds, going through the
servers forwards and backwards by turns, each server takes for ``seconds``:

- ``InvokeFunction`` (``POST .../invocations``, X-Auth-Token) of the warm function;
- ``GET`` through the HTTP trigger;
- ``PUT`` of a 4 KiB object (a new key each time) through boto3, SigV4, path style;

each at concurrency 1 from a synchronous client, after a warm-up that is not timed. Figures:
requests/s, p50 latency, and the server process's CPU per request (user + system from
/proc/PID/stat, over the timed requests, divided by their number). Metering's work is
partly off the request path, in the same process: the outbox publishes the journal every
0.5 s and billing's consumers count the events as they come. The CPU window opens 1 s
after the warm-up and closes 1 s after the last timed request, so that this background work
of the timed requests is inside it and the warm-up's is not; every server idles for the
same second inside the window, so what idling costs cancels out in the difference. Function
instances are processes of their own and not counted. Client on one CPU, every server (and
its instances) on another, when there are two. Every figure is a median over the rounds.
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
    name: str
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


def start_side(workdir: Path, metering: str, number: int, cpu: int | None) -> Side:
    name = f"{metering}-{number}"
    home = workdir / name
    (home / "data").mkdir(parents=True)
    (home / "data" / "welkin.toml").write_text(f"metering = {'true' if metering == 'on' else 'false'}\n")
    server = start_welkin(home, cpu, [])
    api = open_api(server, home / "data")
    invoke_urn = api.create("meter-bench", {"index.py": STDLIB_HANDLER})
    _trigger_urn, trigger_url = http_trigger(api)
    s3 = s3_client(server.url)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return Side(metering, name, server, api, invoke_urn, trigger_url, s3, httpx.Client(timeout=60))


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
def running(per_side: int, cpu: int | None) -> Iterator[list[Side]]:
    """``per_side`` servers of each side, started on, off, off, on, ...: a drift with the
    order of starting falls on both sides alike."""
    workdir = Path(tempfile.mkdtemp(prefix="welkin-billing-overhead-"))
    sides: list[Side] = []
    try:
        for number in range(per_side):
            for metering in SIDES if number % 2 == 0 else SIDES[::-1]:
                sides.append(start_side(workdir, metering, number + 1, cpu))
        yield sides
    finally:
        for side in sides:
            side.http.close()
            side.api.http.close()
            side.server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


Results = dict[tuple[str, str], list[Figures]]


def mean(figures: list[Figures]) -> Figures:
    return Figures(
        statistics.fmean(f.rps for f in figures),
        statistics.fmean(f.p50_ms for f in figures),
        statistics.fmean(f.cpu_us for f in figures),
    )


def overhead(seconds: float, rounds: int, per_side: int) -> tuple[Results, Results]:
    """Per (operation, "on" | "off"), one Figures per round, the mean over the side's
    servers; and per (operation, server name), that server's own."""
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu = cpus[1] if len(cpus) >= 2 else None
    print(f"# client on CPU {cpus[0]}, every server and its instances on CPU {server_cpu}")
    print(
        f"# {per_side} servers per side, {rounds} rounds of {seconds:g} s per operation and server, "
        "the servers' order reversed every other round"
    )
    by_side: Results = {}
    by_server: Results = {}
    os.sched_setaffinity(0, {cpus[0]})
    try:
        with running(per_side, server_cpu) as sides:
            operations = {side.name: side.operations() for side in sides}
            for number in range(rounds):
                order = sides if number % 2 == 0 else sides[::-1]
                for op in OPS:
                    this_round: dict[str, list[Figures]] = {m: [] for m in SIDES}
                    for side in order:
                        got = measure(operations[side.name][op], seconds, side.server.process.pid)
                        this_round[side.metering].append(got)
                        by_server.setdefault((op, side.name), []).append(got)
                        print(
                            f"  round {number + 1} {op} {side.name}: {got.rps:.0f} req/s, "
                            f"p50 {got.p50_ms:.2f} ms, server CPU {got.cpu_us:.0f} µs/req"
                        )
                    for metering, figures in this_round.items():
                        by_side.setdefault((op, metering), []).append(mean(figures))
    finally:
        os.sched_setaffinity(0, set(cpus))
    return by_side, by_server


def report(by_side: Results, by_server: Results) -> None:
    def med(op: str, metering: str, pick: Callable[[Figures], float]) -> float:
        return statistics.median(pick(f) for f in by_side[(op, metering)])

    print("\n| operation | metering | req/s | p50 ms | server CPU µs/req | CPU µs/req rounds |")
    print("|---|---|---:|---:|---:|---|")
    for op in OPS:
        for metering in SIDES:
            rounds = ", ".join(f"{f.cpu_us:.0f}" for f in by_side[(op, metering)])
            print(
                f"| {op} | {metering} | {med(op, metering, lambda f: f.rps):.0f} "
                f"| {med(op, metering, lambda f: f.p50_ms):.2f} "
                f"| {med(op, metering, lambda f: f.cpu_us):.0f} | {rounds} |"
            )
    names = sorted({name for _op, name in by_server})
    print("\n| server CPU µs/req, median per server | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for op in OPS:
        cells = " | ".join(f"{statistics.median(f.cpu_us for f in by_server[(op, n)]):.0f}" for n in names)
        print(f"| {op} | {cells} |")
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
            for on, off in zip(by_side[(op, "on")], by_side[(op, "off")], strict=True)
        )
        print(
            f"| {op} | {on_cpu - off_cpu:+.0f} | {on_cpu / off_cpu:.3f} "
            f"| {(on_p50 - off_p50) * 1000:+.0f} | {on_p50 / off_p50:.3f} | {paired} |"
        )
