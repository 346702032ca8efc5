"""Object storage over the S3 API: Welkin next to moto, measured in the same run.

Run from the repository root:

    PYTHONPATH=. .venv/bin/python benchmarks/obs_bench.py [--quick] [--targets welkin,moto] [--json out.json]

Every target gets the same boto3 client config (path-style, SigV4, region local-1, no retries)
and the same work, interleaved round by round so that drift in the machine hits both alike:

- PUT and GET of 4 KiB objects for a fixed time, with 1 and 8 client threads (one client
  each): ops/s and p50/p99 latency;
- PUT and GET of 1 MiB objects and of one large object (256 MiB, 64 MiB with --quick): MB/s.
  The large PUT is one put_object of a file object (boto3 may send it aws-chunked), every GET
  streams the body away in 1 MiB reads;
- ListObjectsV2: ms per page of 1000 keys in a bucket of --list-keys keys.

For the small objects each target's CPU time (user + system, from /proc) per operation is
printed too, and the same small-object work runs against two floors (benchmarks/s3_floor.py):
``canned``, a bare asyncio server answering with prepared bytes, the most this boto3 client
can reach on this machine whatever the server; and ``uvicorn``, an answer-only ASGI app on
Welkin's own HTTP stack.

Beside them, the machine's own limits for the large object (benchmarks/obs_limits.py): write
and fsync of the same bytes on the disk under the targets' data dirs, reading them back, and
loopback TCP. Every figure is the median of its rounds (3, or 1 with --quick); the last column
is welkin/moto (above 1 is better for rates, below 1 for times).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from obs_limits import loopback_mbps, read_mbps, write_fsync_mbps
from obs_targets import FLOORS, REGION, Target, running

SMALL = 4 << 10
MEDIUM = 1 << 20
READ_CHUNK = 1 << 20
BUCKET = "bench-data"
LIST_BUCKET = "bench-list"


@dataclass(frozen=True)
class Plan:
    seconds: float
    medium_count: int
    large_size: int
    list_keys: int
    rounds: int


def s3_client(target: Target) -> Any:
    # A session per client: boto3's default session is not safe to share across threads.
    return boto3.session.Session().client(
        "s3",
        endpoint_url=target.endpoint,
        aws_access_key_id=target.access_key,
        aws_secret_access_key=target.secret_key,
        region_name=REGION,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"total_max_attempts": 1, "mode": "standard"},
            read_timeout=300,
        ),
    )


def make_bucket(s3: Any, name: str) -> None:
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})


def drain(s3: Any, key: str) -> int:
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"]
    return sum(len(chunk) for chunk in body.iter_chunks(READ_CHUNK))


def percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * share))]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_threads(
    clients: list[Any], seconds: float, op: Callable[[Any, int, int], None], server_pid: int
) -> dict[str, float]:
    """Each client in its own thread calls ``op(client, thread, i)`` for ``seconds``."""
    latencies: list[list[float]] = [[] for _ in clients]
    barrier = threading.Barrier(len(clients) + 1)
    until = [0.0]

    def work(index: int) -> None:
        client, mine = clients[index], latencies[index]
        barrier.wait()
        i = 0
        while (start := time.perf_counter()) < until[0]:
            op(client, index, i)
            mine.append(time.perf_counter() - start)
            i += 1

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    until[0] = time.perf_counter() + seconds
    cpu_before, begin = cpu_seconds(server_pid), time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - begin, cpu_seconds(server_pid) - cpu_before
    flat = sorted(x for mine in latencies for x in mine)
    return {
        "ops/s": len(flat) / elapsed,
        "p50 ms": percentile(flat, 0.5) * 1e3,
        "p99 ms": percentile(flat, 0.99) * 1e3,
        "server CPU ms/op": cpu / len(flat) * 1e3,
    }


def small_objects(target: Target, threads: int, seconds: float) -> dict[str, float]:
    clients = [s3_client(target) for _ in range(threads)]
    payload = os.urandom(SMALL)
    written = [0] * threads

    def put(s3: Any, thread: int, i: int) -> None:
        s3.put_object(Bucket=BUCKET, Key=f"small/{thread}/{i}", Body=payload)
        written[thread] = max(written[thread], i + 1)

    def get(s3: Any, thread: int, i: int) -> None:
        if drain(s3, f"small/{thread}/{i % written[thread]}") != SMALL:
            raise RuntimeError("short 4 KiB GET")

    for thread, s3 in enumerate(clients):  # connect and warm each client outside the clock
        put(s3, thread, 0)
    figures = {}
    for verb, op in (("PUT", put), ("GET", get)):
        for name, value in timed_threads(clients, seconds, op, target.process.pid).items():
            figures[f"{verb} 4 KiB x{threads} {name}"] = value
    return figures


def mbps(size: int, count: int, fn: Callable[[int], None]) -> float:
    start = time.perf_counter()
    for i in range(count):
        fn(i)
    return size * count / (time.perf_counter() - start) / 1e6


def medium_objects(target: Target, count: int) -> dict[str, float]:
    s3, payload = s3_client(target), os.urandom(MEDIUM)
    s3.put_object(Bucket=BUCKET, Key="medium/warm", Body=payload)

    def put(i: int) -> None:
        s3.put_object(Bucket=BUCKET, Key=f"medium/{i}", Body=payload)

    def get(i: int) -> None:
        if drain(s3, f"medium/{i}") != MEDIUM:
            raise RuntimeError("short 1 MiB GET")

    return {"PUT 1 MiB MB/s": mbps(MEDIUM, count, put), "GET 1 MiB MB/s": mbps(MEDIUM, count, get)}


def large_object(target: Target, source: Path, label: str) -> dict[str, float]:
    s3, size = s3_client(target), source.stat().st_size

    def put(_: int) -> None:
        with source.open("rb") as body:
            s3.put_object(Bucket=BUCKET, Key="large", Body=body)

    def get(_: int) -> None:
        if drain(s3, "large") != size:
            raise RuntimeError("short large GET")

    return {f"PUT {label} MB/s": mbps(size, 1, put), f"GET {label} MB/s": mbps(size, 1, get)}


def fill_list_bucket(target: Target, keys: int) -> None:
    clients = [s3_client(target) for _ in range(8)]
    make_bucket(clients[0], LIST_BUCKET)

    def fill(index: int) -> None:
        for i in range(index, keys, len(clients)):
            clients[index].put_object(Bucket=LIST_BUCKET, Key=f"key/{i:08d}", Body=b"")

    threads = [threading.Thread(target=fill, args=(n,), daemon=True) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def list_pages(target: Target, keys: int) -> dict[str, float]:
    s3, pages, seen, token = s3_client(target), 0, 0, None
    start = time.perf_counter()
    while True:
        extra: dict[str, str] = {"ContinuationToken": token} if token else {}
        page = s3.list_objects_v2(Bucket=LIST_BUCKET, MaxKeys=1000, **extra)
        pages, seen = pages + 1, seen + len(page.get("Contents", []))
        if not page.get("IsTruncated"):
            break
        token = page["NextContinuationToken"]
    elapsed = time.perf_counter() - start
    if seen != keys:
        raise RuntimeError(f"{target.name}: listed {seen} keys of {keys}")
    return {f"ListObjectsV2 ms/page ({keys} keys)": elapsed / pages * 1e3}


def make_source(directory: Path, size: int) -> Path:
    path = directory / "large-source.bin"
    block = os.urandom(MEDIUM)
    with path.open("wb") as out:
        for offset in range(0, size, MEDIUM):
            out.write(block[: min(MEDIUM, size - offset)])
    return path


def run(plan: Plan, names: list[str], server_cpu: int | None) -> dict[str, dict[str, list[float]]]:
    label = f"{plan.large_size >> 20} MiB"
    results: dict[str, dict[str, list[float]]] = {name: {} for name in [*names, *FLOORS, "machine"]}

    def record(owner: str, figures: dict[str, float]) -> None:
        for figure, value in figures.items():
            results[owner].setdefault(figure, []).append(value)

    with running([*names, *FLOORS], server_cpu) as targets:
        workdir = targets[0].data_dir.parent
        source = make_source(workdir, plan.large_size)
        for target in targets:
            make_bucket(s3_client(target), BUCKET)
            if target.name not in FLOORS:
                fill_list_bucket(target, plan.list_keys)
        for round_ in range(plan.rounds):
            print(f"# round {round_ + 1}/{plan.rounds}", file=sys.stderr)
            record(
                "machine",
                {
                    f"disk write+fsync {label} MB/s": write_fsync_mbps(source, workdir),
                    f"disk read {label} MB/s": read_mbps(source),
                    f"loopback TCP {label} MB/s": loopback_mbps(plan.large_size),
                },
            )
            for target in targets:
                for threads in (1, 8):
                    record(target.name, small_objects(target, threads, plan.seconds))
                if target.name in FLOORS:
                    continue
                record(target.name, medium_objects(target, plan.medium_count))
                record(target.name, large_object(target, source, label))
                record(target.name, list_pages(target, plan.list_keys))
    return results


def medians(results: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, float]]:
    return {owner: {k: statistics.median(v) for k, v in figs.items()} for owner, figs in results.items()}


def report(results: dict[str, dict[str, list[float]]], names: list[str], plan: Plan) -> None:
    rounds, large = plan.rounds, f"{plan.large_size >> 20} MiB"
    med = medians(results)
    both = "welkin" in names and "moto" in names
    print(f"\n| figure (median of {rounds}) | {' | '.join(names)} |{' welkin/moto |' if both else ''}")
    print(f"|---|{'---:|' * (len(names) + both)}")
    for figure in results[names[0]]:
        cells = " | ".join(f"{med[name][figure]:.2f}" for name in names)
        ratio = f" {med['welkin'][figure] / med['moto'][figure]:.2f} |" if both else ""
        print(f"| {figure} | {cells} |{ratio}")
    limits = med["machine"]
    print("\n| machine limit | MB/s | rounds |")
    print("|---|---:|---|")
    for figure, values in results["machine"].items():
        print(f"| {figure} | {limits[figure]:.0f} | {', '.join(f'{v:.0f}' for v in values)} |")
    disk_w, disk_r, net = (limits[k] for k in results["machine"])
    print("\n| large object | target | MB/s | % of disk | % of loopback |")
    print("|---|---|---:|---:|---:|")
    for name in names:
        for figure, value in med[name].items():
            if figure.endswith(f" {large} MB/s"):
                disk = disk_w if figure.startswith("PUT") else disk_r
                print(f"| {figure} | {name} | {value:.0f} | {value / disk:.0%} | {value / net:.0%} |")
    report_floors(med, names)


def report_floors(med: dict[str, dict[str, float]], names: list[str]) -> None:
    """Small-object rates beside the floors: what the client allows any server, as a multiple of moto."""
    columns = [*FLOORS, *names]
    with_moto = "moto" in names
    extra = " canned/moto (best possible) |" if with_moto else ""
    print(f"\n| small objects | {' | '.join(columns)} |{extra}")
    print(f"|---|{'---:|' * (len(columns) + with_moto)}")
    for figure in med[FLOORS[0]]:
        if not (figure.endswith("ops/s") or figure.endswith("CPU ms/op")):
            continue
        cells = " | ".join(f"{med[name][figure]:.2f}" for name in columns)
        best = f" {med['canned'][figure] / med['moto'][figure]:.2f} |" if with_moto else ""
        print(f"| {figure} | {cells} |{best if figure.endswith('ops/s') else ' |' * with_moto}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 round, 1 s runs, a 64 MiB large object")
    parser.add_argument("--targets", default="welkin,moto", help="comma-separated: welkin, moto")
    parser.add_argument("--list-keys", type=int, default=10_000, help="keys in the listed bucket")
    parser.add_argument("--json", type=Path, help="also write every round's figures here")
    args = parser.parse_args()
    names = [n.strip() for n in args.targets.split(",") if n.strip()]
    if not names or not set(names) <= {"welkin", "moto"}:
        parser.error("--targets takes welkin and/or moto")
    if args.quick:
        plan = Plan(seconds=1.0, medium_count=8, large_size=64 << 20, list_keys=args.list_keys, rounds=1)
    else:
        plan = Plan(seconds=3.0, medium_count=32, large_size=256 << 20, list_keys=args.list_keys, rounds=3)

    cpus = sorted(os.sched_getaffinity(0))
    client_cpu = server_cpu = None
    if len(cpus) >= 2:
        client_cpu, server_cpu = cpus[0], cpus[1]
        os.sched_setaffinity(0, {client_cpu})
    print(f"# {os.cpu_count()} CPUs, Python {platform.python_version()}, boto3 {boto3.__version__}")
    print(f"# client on CPU {client_cpu}, servers on CPU {server_cpu}; plan {asdict(plan)}")

    results = run(plan, names, server_cpu)
    report(results, names, plan)
    if args.json:
        document = {"plan": asdict(plan), "medians": medians(results), "rounds": results}
        args.json.write_text(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
