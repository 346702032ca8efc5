"""FunctionGraph on ``welkin up``: cold starts and warm HTTP-trigger calls, next to their floors.

Run from the repository root (as root, so that instances get the full sandbox):

    PYTHONPATH=. .venv/bin/python benchmarks/fn_bench.py [--runs 30] [--seconds 3] [--repeat 3]

All against one real ``welkin up`` subprocess (SQLite), driven over HTTP as a client would:

- cold start: wall time of one InvokeFunction (``POST .../invocations``, X-Auth-Token) for a
  function with no instance, from sending the request to the whole answer. Each run creates a
  new function (same code), so every run is a true first call; runs are 100 ms apart, so the
  pool's spare sandbox is ready as it is for cold starts that do not arrive in a burst. Done
  for a stdlib-only handler and for one that imports boto3 at module level (installed from
  ``requirements.txt`` into the function's dependency layer, once, before timing). The
  server's own "spawn to ready" figure (``initDuration``) is printed beside it.
- warm: requests/s and latency of ``GET`` through an HTTP trigger (auth NONE) at concurrency
  1, 16 and 64, each after a warm-up that starts the instances the load needs; and, for
  reference, a warm InvokeFunction at concurrency 1.

Floors, measured in the same run: ``os.fork()`` of this warm interpreter with the child
writing one byte to a pipe (benchmarks/fn_coldstart.py), and a hello-world ASGI app on
``welkin up``'s own stack (benchmarks/hello_app.py) at the same concurrencies. With two or
more CPUs the client is pinned to one and both servers (with every function instance, which
inherit the server's affinity) to another. Latency and rate figures are medians of
``--repeat`` rounds; cold starts pool every run.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fn_coldstart import fork_floor
from iam_bench import Server, cpu_model, start_hello, start_welkin, token_for

from tests.wheels import repack_installed

BOTO3 = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
STDLIB_HANDLER = (
    "import json\n\n\ndef handler(event, context):\n    return {'hello': event.get('name', 'world')}\n"
)
BOTO3_HANDLER = "import boto3\n\n\ndef handler(event, context):\n    return {'boto3': boto3.__version__}\n"
HTTP_HANDLER = (
    "def handler(event, context):\n"
    "    return {'statusCode': 200, 'headers': {'Content-Type': 'application/json'},\n"
    "            'body': '{\"hello\": \"world\"}', 'isBase64Encoded': False}\n"
)
CONCURRENCY = (1, 16, 64)


def zip_of(files: dict[str, str]) -> str:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return base64.b64encode(out.getvalue()).decode()


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


@dataclass
class Api:
    """FunctionGraph's API on the server, as the root account's token."""

    url: str
    token: str
    project_id: str
    http: httpx.Client

    def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        headers = {"X-Auth-Token": self.token}
        response = self.http.request(
            method, f"{self.url}/v2/{self.project_id}/fgs{path}", json=body, headers=headers
        )
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:400]}")
        return response

    def create(self, name: str, files: dict[str, str], timeout: int = 30) -> str:
        body = {
            "func_name": name,
            "package": "default",
            "runtime": f"Python{sys.version_info[0]}.{sys.version_info[1]}",
            "handler": "index.handler",
            "memory_size": 128,
            "timeout": timeout,
            "code_type": "zip",
            "func_code": {"file": zip_of(files)},
        }
        return str(self.call("POST", "/functions", body).json()["func_urn"])

    def invoke(self, urn: str, event: bytes = b"{}") -> tuple[float, dict[str, Any]]:
        """Milliseconds from sending to the whole answer, and the server's invoke summary."""
        headers = {"X-Auth-Token": self.token, "Content-Type": "application/json"}
        url = f"{self.url}/v2/{self.project_id}/fgs/functions/{urn}/invocations"
        started = time.perf_counter()
        response = self.http.post(url, content=event, headers=headers)
        took = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or response.headers.get("x-is-func-err") == "true":
            raise RuntimeError(f"invoke {urn}: {response.status_code} {response.text[:400]}")
        summary: dict[str, Any] = json.loads(response.headers["x-cff-invoke-summary"])
        return took, summary


def open_api(server: Server, data_dir: Path) -> Api:
    root = json.loads((data_dir / "root-credentials.json").read_text())
    token = token_for(server.url, root["account"], root["user"])
    http = httpx.Client(timeout=120)
    projects = http.get(f"{server.url}/v3/auth/projects", headers={"X-Auth-Token": token}).json()
    project = next(p for p in projects["projects"] if "_" not in p["name"])
    return Api(server.url, token, project["id"], http)


@dataclass
class Cold:
    totals: list[float]
    inits: list[float]


def cold_starts(api: Api, label: str, files: dict[str, str], runs: int) -> Cold:
    # The first function pays for installing requirements (once per code revision): untimed.
    api.invoke(api.create(f"{label}-prep", files, timeout=300))
    totals, inits = [], []
    for run in range(runs):
        urn = api.create(f"{label}-{run}", files)
        time.sleep(0.1)  # the spare sandbox the previous run used is replaced meanwhile
        took, summary = api.invoke(urn)
        if not summary.get("coldStart"):
            raise RuntimeError(f"{urn}: the first call was not a cold start")
        totals.append(took)
        inits.append(float(summary.get("initDuration") or 0.0))
        api.call("DELETE", f"/functions/{urn.rsplit(':', 1)[0]}")
    return Cold(totals, inits)


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms: float  # the server process's CPU per request (its instances' not included)


def process_cpu_s(pid: int) -> float:
    """User and system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def load(url: str, headers: dict[str, str], concurrency: int, seconds: float, pid: int) -> Load:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    failures = 0
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def worker(until: float, record: bool) -> None:
            nonlocal failures
            while (start := time.perf_counter()) < until:
                response = await client.get(url, headers=headers)
                if record:
                    latencies.append(time.perf_counter() - start)
                    failures += response.status_code != 200

        warm_until = time.perf_counter() + max(1.0, seconds / 3)
        await asyncio.gather(*(worker(warm_until, False) for _ in range(concurrency)))
        cpu = process_cpu_s(pid)
        begin = time.perf_counter()
        await asyncio.gather(*(worker(begin + seconds, True) for _ in range(concurrency)))
        elapsed = time.perf_counter() - begin
        cpu = process_cpu_s(pid) - cpu
    n = len(latencies)
    return Load(n / elapsed, pct(latencies, 0.5) * 1e3, pct(latencies, 0.99) * 1e3, failures, cpu / n * 1e3)


def warm_api_invoke(api: Api, urn: str, seconds: float, pid: int) -> Load:
    samples = []
    cpu = process_cpu_s(pid)
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        samples.append(api.invoke(urn)[0])
    cpu = process_cpu_s(pid) - cpu
    n = len(samples)
    return Load(n / seconds, pct(samples, 0.5), pct(samples, 0.99), 0, cpu / n * 1e3)


def http_trigger(api: Api) -> tuple[str, str]:
    urn = api.create("http-bench", {"index.py": HTTP_HANDLER})
    data = {"path": "/bench", "req_method": "ANY", "match_mode": "NORMAL", "auth": "NONE", "protocol": "HTTP"}
    body = {"trigger_type_code": "APIG", "trigger_status": "ACTIVE", "event_data": data}
    made = api.call("POST", f"/triggers/{urn}", body).json()
    return urn, str(made["event_data"]["invoke_url"])


def ms(samples: list[float]) -> str:
    return f"{statistics.median(samples):.2f} | {pct(samples, 0.99):.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="cold starts per handler (default 30)")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one load measurement")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the warm loads; medians")
    args = parser.parse_args()

    cpus = sorted(os.sched_getaffinity(0))
    server_cpu = None
    if len(cpus) >= 2:
        server_cpu = cpus[1]
        os.sched_setaffinity(0, {cpus[0]})
    print(f"# {os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, uid {os.getuid()}")
    print(f"# client on CPU {cpus[0]}, servers and instances on CPU {server_cpu}")

    workdir = Path(tempfile.mkdtemp(prefix="welkin-fn-bench-"))
    wheels = workdir / "wheels"
    repack_installed(wheels, *BOTO3)
    (workdir / "data").mkdir()
    (workdir / "data" / "welkin.toml").write_text(f'functions_wheel_dir = "{wheels}"\n')
    welkin = hello = None
    try:
        welkin = start_welkin(workdir, server_cpu, [])
        hello = start_hello(workdir, server_cpu)
        api = open_api(welkin, workdir / "data")
        floor = fork_floor(max(100, args.runs))
        stdlib = cold_starts(api, "cold-stdlib", {"index.py": STDLIB_HANDLER}, args.runs)
        boto = cold_starts(
            api, "cold-boto3", {"index.py": BOTO3_HANDLER, "requirements.txt": "boto3\n"}, args.runs
        )
        urn, trigger_url = http_trigger(api)
        loads: dict[tuple[str, int], list[Load]] = {}
        for _ in range(args.repeat):
            for concurrency in CONCURRENCY:
                for name, server, url in (
                    ("HTTP trigger", welkin, trigger_url),
                    ("hello-world", hello, hello.url + "/"),
                ):
                    result = asyncio.run(load(url, {}, concurrency, args.seconds, server.process.pid))
                    loads.setdefault((name, concurrency), []).append(result)
            invoked = warm_api_invoke(api, urn, args.seconds, welkin.process.pid)
            loads.setdefault(("InvokeFunction API", 1), []).append(invoked)
    finally:
        for started in (welkin, hello):
            if started is not None:
                started.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    columns = "p50 ms | p99 ms | server spawn-to-ready p50 ms | p50 ÷ fork floor"
    print(f"\n| cold start (n={args.runs}) | {columns} |")
    print("|---|---:|---:|---:|---:|")
    base = statistics.median(floor)
    for label, cold in (("stdlib handler", stdlib), ("boto3 handler", boto)):
        p50 = statistics.median(cold.totals)
        print(f"| {label} | {ms(cold.totals)} | {statistics.median(cold.inits):.2f} | {p50 / base:.0f} |")
    print(f"| floor: os.fork() + pipe (n={len(floor)}) | {ms(floor)} | | 1 |")

    print(
        "\n| warm GET | concurrency | req/s | p50 ms | p99 ms | ÷ hello-world req/s | server CPU ms/req "
        "| errors | req/s rounds |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for (name, concurrency), rounds in sorted(loads.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        rps = statistics.median(x.rps for x in rounds)
        hello_rps = statistics.median(x.rps for x in loads[("hello-world", concurrency)])
        p50 = statistics.median(x.p50_ms for x in rounds)
        p99 = statistics.median(x.p99_ms for x in rounds)
        errors = sum(x.errors for x in rounds)
        cpu = statistics.median(x.cpu_ms for x in rounds)
        spread = ", ".join(f"{x.rps:.0f}" for x in rounds)
        print(
            f"| {name} | {concurrency} | {rps:.0f} | {p50:.2f} | {p99:.2f} | {rps / hello_rps:.2f} "
            f"| {cpu:.2f} | {errors} | {spread} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
