"""How much Welkin's IAM costs per request, next to baselines measured in the same run.

Run from the repository root:

    PYTHONPATH=. .venv/bin/python benchmarks/iam_bench.py [--seconds 4] [--repeat 3]

Part 1, in process: microseconds per ``parse_claim`` + ``verify`` for a request signed by
the Huawei SDK's Signer (SDK-HMAC-SHA256) and one signed by botocore's SigV4Auth, next to
the floor of one HMAC-SHA256 plus one SHA-256 over inputs of the same size.

Part 2, over HTTP: requests/s and latency of ``GET /v3/auth/domains`` (signed with the
root AK/SK, then with X-Auth-Token) against a real ``welkin up`` subprocess, at
concurrency 1 and 16, next to a hello-world ASGI app (benchmarks/hello_app.py) served by
the same code as ``welkin up`` (socket, uvicorn settings, event loop). Server and client
are pinned to different cores when there are at least two. Every figure is the median over
``--repeat`` rounds.

GET is exempt from the replay guard, so one signed request is re-sent for a whole round
(and re-signed every round): the server does the full lookup and verification each time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from welkin.iam.signatures import HttpRequestView, parse_claim, verify

ROOT = Path(__file__).resolve().parent.parent
AK = "WELKINBENCHACCESSKEY"
SK = "welkin-bench-secret-key-0000000000000000"
PASSWORD = "Bench-pass-1234"  # noqa: S105 - a throw-away server's root password
PATH = "/v3/auth/domains"


# --- part 1: verification in process ------------------------------------------------------------


def huawei_headers(host: str, path: str, ak: str = AK, sk: str = SK) -> dict[str, str]:
    """Headers the Huawei SDK's Signer puts on a GET of ``path`` at ``host``."""
    request = SdkRequest(
        method="GET",
        schema="http",
        host=host,
        resource_path=path,
        query_params=[],
        header_params={"Content-Type": "application/json", "User-Agent": "huaweicloud-usdk-python/3.0"},
        body="",
    )
    Signer(GlobalCredentials(ak, sk)).sign(request)
    return {str(k): str(v) for k, v in request.header_params.items()}


def huawei_view() -> HttpRequestView:
    headers = huawei_headers("iam.welkin.test", PATH)
    return HttpRequestView(
        "GET", PATH, "", {k.lower(): v for k, v in headers.items()}, hashlib.sha256(b"").hexdigest()
    )


def aws_view() -> HttpRequestView:
    request = AWSRequest(method="GET", url=f"https://iam.welkin.test{PATH}", data=b"")
    SigV4Auth(Credentials(AK, SK), "iam", "local-1").add_auth(request)
    headers = {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
    headers.setdefault("host", "iam.welkin.test")
    return HttpRequestView("GET", PATH, "", headers, hashlib.sha256(b"").hexdigest())


def per_call_us(fn: Callable[[], object], seconds: float) -> float:
    """Microseconds per call of ``fn``, over batches until ``seconds`` have passed."""
    batch, calls, spent = 200, 0, 0.0
    while spent < seconds:
        start = time.perf_counter()
        for _ in range(batch):
            fn()
        spent += time.perf_counter() - start
        calls += batch
    return spent / calls * 1e6


def micro(seconds: float, repeat: int) -> dict[str, list[float]]:
    hw, aw = huawei_view(), aws_view()
    now = datetime.now(UTC)

    def check(view: HttpRequestView) -> Callable[[], object]:
        def run() -> object:
            claim = parse_claim(view)
            assert claim is not None
            return verify(view, claim, SK, now)

        return run

    canonical = ("GET\n/v3/auth/domains/\n\ncontent-type:application/json\n" + "x" * 120).encode()
    key, to_sign = SK.encode(), ("SDK-HMAC-SHA256\n20261122T000000Z\n" + "0" * 64).encode()

    def floor() -> object:
        hashlib.sha256(canonical).hexdigest()
        return hmac.new(key, to_sign, hashlib.sha256).hexdigest()

    cases = {"huawei": check(hw), "aws": check(aw), "floor": floor}
    for fn in cases.values():
        fn()  # fail fast if a signature does not verify
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, fn in cases.items():
            results[name].append(per_call_us(fn, seconds / len(cases)))
    return results


# --- part 2: over HTTP --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pin(cpu: int | None) -> Callable[[], None] | None:
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    process.wait()
    raise RuntimeError(f"server did not start:\n{log.read_text()}")


def start_welkin(workdir: Path, cpu: int | None, extra: list[str]) -> Server:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "WELKIN_ROOT_PASSWORD": PASSWORD,
        "WELKIN_ROOT_ACCESS_KEY": AK,
        "WELKIN_ROOT_SECRET_KEY": SK,
    }
    log = workdir / "welkin.log"
    args = [sys.executable, "-m", "welkin", "up", "--data-dir", str(workdir / "data"), "--port", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(
            [*args, *extra], stdout=out, stderr=subprocess.STDOUT, env=env, preexec_fn=pin(cpu)
        )
    url = f"http://127.0.0.1:{port}"
    wait_ready(f"{url}/health", process, log)
    return Server(url, process)


def start_hello(workdir: Path, cpu: int | None) -> Server:
    """The hello-world on ``welkin up``'s own stack: its socket, uvicorn settings and event loop."""
    port = free_port()
    log = workdir / "hello.log"
    args = [sys.executable, str(Path(__file__).resolve().parent / "hello_app.py"), str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("w") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, preexec_fn=pin(cpu))
    url = f"http://127.0.0.1:{port}"
    wait_ready(url, process, log)
    return Server(url, process)


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float


async def load(url: str, headers: dict[str, str], concurrency: int, seconds: float) -> Load:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker(until: float, record: bool) -> None:
            while (start := time.perf_counter()) < until:
                response = await client.get(url, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")
                if record:
                    latencies.append(time.perf_counter() - start)

        warm_until = time.perf_counter() + min(0.5, seconds / 4)
        await asyncio.gather(*(worker(warm_until, False) for _ in range(concurrency)))
        begin = time.perf_counter()
        await asyncio.gather(*(worker(begin + seconds, True) for _ in range(concurrency)))
        elapsed = time.perf_counter() - begin
    latencies.sort()
    return Load(
        len(latencies) / elapsed,
        latencies[len(latencies) // 2] * 1e3,
        latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e3,
    )


def token_for(url: str, account: str, user: str) -> str:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "password": PASSWORD, "domain": {"name": account}}},
            }
        }
    }
    response = httpx.post(f"{url}/v3/auth/tokens", json=body, timeout=10)
    response.raise_for_status()
    return response.headers["x-subject-token"]


def http(
    seconds: float, repeat: int, server_cpu: int | None, extra: list[str]
) -> dict[tuple[str, int], list[Load]]:
    workdir = Path(tempfile.mkdtemp(prefix="welkin-bench-"))
    welkin = hello = None
    try:
        welkin = start_welkin(workdir, server_cpu, extra)
        hello = start_hello(workdir, server_cpu)
        root = json.loads((workdir / "data" / "root-credentials.json").read_text())
        token = token_for(welkin.url, root["account"], root["user"])
        host = welkin.url.removeprefix("http://")
        results: dict[tuple[str, int], list[Load]] = {}
        for _ in range(repeat):
            cases = {
                "welkin AK/SK": (welkin.url + PATH, huawei_headers(host, PATH)),
                "welkin token": (welkin.url + PATH, {"X-Auth-Token": token}),
                "hello-world": (hello.url + PATH, {}),
            }
            for name, (url, headers) in cases.items():
                for concurrency in (1, 16):
                    result = asyncio.run(load(url, headers, concurrency, seconds))
                    results.setdefault((name, concurrency), []).append(result)
        return results
    finally:
        for server in (welkin, hello):
            if server is not None:
                server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


# --- report -------------------------------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one measurement (default 3)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; figures are medians (default 3)")
    parser.add_argument("--skip-http", action="store_true", help="only the in-process part")
    parser.add_argument("--database-url", help="run welkin up against this metadata store (default: SQLite)")
    args = parser.parse_args()

    cpus = sorted(os.sched_getaffinity(0))
    server_cpu = client_cpu = None
    if len(cpus) >= 2:
        client_cpu, server_cpu = cpus[0], cpus[1]
        os.sched_setaffinity(0, {client_cpu})
    print(f"# {os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}")
    print(f"# client on CPU {client_cpu}, servers on CPU {server_cpu}; medians of {args.repeat} rounds")

    m = micro(args.seconds, args.repeat)
    med = {name: statistics.median(v) for name, v in m.items()}
    print("\n| in process (parse_claim + verify) | µs/request | x floor | rounds |")
    print("|---|---:|---:|---|")
    labels = {
        "huawei": "Huawei SDK-HMAC-SHA256",
        "aws": "AWS SigV4 (header)",
        "floor": "floor: 1 HMAC-SHA256 + 1 SHA-256",
    }
    for name, label in labels.items():
        rounds = ", ".join(f"{v:.1f}" for v in m[name])
        print(f"| {label} | {med[name]:.1f} | {med[name] / med['floor']:.1f} | {rounds} |")

    if args.skip_http:
        return 0
    extra = ["--database-url", args.database_url] if args.database_url else []
    h = http(args.seconds, args.repeat, server_cpu, extra)
    print(f"\n| GET {PATH} | concurrency | req/s | p50 ms | p99 ms | req/s vs hello-world | req/s rounds |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for (name, concurrency), loads in h.items():
        rps = statistics.median(x.rps for x in loads)
        base = statistics.median(x.rps for x in h[("hello-world", concurrency)])
        p50 = statistics.median(x.p50_ms for x in loads)
        p99 = statistics.median(x.p99_ms for x in loads)
        rounds = ", ".join(f"{x.rps:.0f}" for x in loads)
        print(f"| {name} | {concurrency} | {rps:.0f} | {p50:.2f} | {p99:.2f} | {rps / base:.2f} | {rounds} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
