"""How fast the console's pages answer, next to a hello-world served the same way, same run.

Run from the repository root:

    PYTHONPATH=. .venv/bin/python benchmarks/console_bench.py [--requests 50] [--repeat 3]

Sets up a real ``welkin up`` with 1,000 objects under one prefix of a bucket (PUT with boto3,
8 threads), 100 functions (FunctionGraph's API) and a little usage of each, signs in to the
console as the root account, then GETs each main page ``--requests`` times in a row on one
keep-alive connection, ``--repeat`` rounds. Reported per page: median and p99 latency over all
requests, and the median's ratio to the hello-world app (benchmarks/hello_app.py) measured
between the rounds on the same client. The issue's aim is every page under 200 ms.

Server and client are pinned to different cores when there are at least two.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import httpx
from botocore.config import Config
from fn_bench import STDLIB_HANDLER, open_api
from iam_bench import AK, PASSWORD, SK, Server, cpu_model, start_hello, start_welkin

BUCKET = "console-bench"
PREFIX = "photos/"
OBJECTS = 1000
FUNCTIONS = 100
AIM_MS = 200.0


def fill(server: Server) -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=AK,
        aws_secret_access_key=SK,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=8),
    )
    s3.create_bucket(Bucket=BUCKET)
    with ThreadPoolExecutor(8) as pool:
        keys = [f"{PREFIX}img-{i:04d}.jpg" for i in range(OBJECTS)]
        list(pool.map(lambda key: s3.put_object(Bucket=BUCKET, Key=key, Body=b"x" * 100), keys))


def sign_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, headers={"Origin": url}, timeout=60)
    form = client.get("/console/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert token, form.text
    fields = {"login_csrf": token.group(1), "account": "admin", "user": "admin", "password": PASSWORD}
    signed = client.post("/console/login", data=fields)
    assert signed.status_code == 303, signed.text
    return client


def timed(client: httpx.Client, path: str, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:300]}")
    return samples


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="GETs per page per round")
    parser.add_argument("--repeat", type=int, default=3, help="rounds")
    args = parser.parse_args()

    cpus = sorted(os.sched_getaffinity(0))
    server_cpu = None
    if len(cpus) >= 2:
        server_cpu = cpus[1]
        os.sched_setaffinity(0, {cpus[0]})
    print(f"# {os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}")
    print(f"# client on CPU {cpus[0]}, servers on CPU {server_cpu}")

    workdir = Path(tempfile.mkdtemp(prefix="welkin-console-bench-"))
    (workdir / "data").mkdir()
    welkin = hello = None
    try:
        welkin = start_welkin(workdir, server_cpu, [])
        hello = start_hello(workdir, server_cpu)
        started = time.perf_counter()
        fill(welkin)
        api = open_api(welkin, workdir / "data")
        urns = [api.create(f"fn-{i:03d}", {"index.py": STDLIB_HANDLER}) for i in range(FUNCTIONS)]
        for urn in urns[:10]:
            api.invoke(urn)
        took = time.perf_counter() - started
        print(f"# set up {OBJECTS} objects and {FUNCTIONS} functions in {took:.1f} s")
        client = sign_in(welkin.url)
        first_key = f"{PREFIX}img-0000.jpg"
        pages = {
            "overview": "/console/",
            "buckets": "/console/obs",
            f"browser, {OBJECTS} keys, 200 a page": f"/console/obs/{BUCKET}?prefix={PREFIX}",
            f"browser, {OBJECTS} keys on one page": f"/console/obs/{BUCKET}?prefix={PREFIX}&size=1000",
            "object details": f"/console/obs/{BUCKET}/object?key={first_key}",
            f"functions ({FUNCTIONS})": "/console/functions",
            "function page": "/console/functions/default/fn-000",
            "billing": "/console/billing",
            "users": "/console/iam/users",
            "access keys": "/console/iam/keys",
            "audit log": "/console/iam/audit",
        }
        for path in pages.values():  # warm: templates compiled, caches filled
            timed(client, path, 2)
        samples: dict[str, list[float]] = {name: [] for name in pages}
        baseline: list[float] = []
        with httpx.Client(base_url=hello.url, timeout=60) as plain:
            for _ in range(args.repeat):
                baseline += timed(plain, "/", args.requests)
                for name, path in pages.items():
                    samples[name] += timed(client, path, args.requests)
        client.close()
    finally:
        for server in (welkin, hello):
            if server is not None:
                server.stop()

    hello_p50 = statistics.median(baseline)
    print(f"\n{'page':<34} {'p50 ms':>8} {'p99 ms':>8} {'x hello':>8}  aim <{AIM_MS:.0f} ms")
    print(f"{'hello-world (baseline)':<34} {hello_p50:>8.2f} {pct(baseline, 0.99):>8.2f} {1:>8.1f}")
    for name, values in samples.items():
        p50 = statistics.median(values)
        verdict = "met" if pct(values, 0.99) < AIM_MS else "MISSED"
        print(f"{name:<34} {p50:>8.2f} {pct(values, 0.99):>8.2f} {p50 / hello_p50:>8.1f}  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
