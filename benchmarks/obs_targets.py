"""The S3 servers that benchmarks/obs_bench.py measures, each a subprocess on a free port.

Both targets run as their own process so that their CPU time never shares the client's GIL:
``ThreadedMotoServer`` would serve from threads of the benchmark process itself, and the eight
client threads would then slow moto down and moto's threads the client, which Welkin (always a
subprocess) would not suffer. ``moto_server`` (werkzeug, threaded) in a subprocess is the fair
match. Both are pinned to the same CPU, the client to another, when there are two.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from iam_bench import wait_ready

ROOT = Path(__file__).resolve().parent.parent
AK = "WELKINBENCHACCESSKEY"
SK = "welkin-bench-secret-key-0000000000000000"
PASSWORD = "Bench-pass-1234"  # noqa: S105 - a throw-away server's root password
REGION = "local-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pin(cpu: int | None) -> Callable[[], None] | None:
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


@dataclass(frozen=True)
class Target:
    """A running S3 server: where to reach it, which keys it takes, where it keeps data."""

    name: str
    endpoint: str
    access_key: str
    secret_key: str
    data_dir: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _spawn(args: list[str], env: dict[str, str], log: Path, cpu: int | None) -> subprocess.Popen[bytes]:
    with log.open("w") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, preexec_fn=pin(cpu))


def start_moto(workdir: Path, cpu: int | None) -> Target:
    port = free_port()
    data = workdir / "moto"
    data.mkdir()
    # moto spools objects over 16 MiB to temporary files: keep those on the same disk as Welkin's.
    env = {**os.environ, "TMPDIR": str(data)}
    moto_server = Path(sys.executable).with_name("moto_server")
    log = workdir / "moto.log"
    process = _spawn([str(moto_server), "-H", "127.0.0.1", "-p", str(port)], env, log, cpu)
    url = f"http://127.0.0.1:{port}"
    target = Target("moto", url, "testing", "testing", data, process)
    try:
        wait_ready(f"{url}/moto-api/", process, log)
    except BaseException:
        target.stop()
        raise
    return target


def start_welkin(workdir: Path, cpu: int | None) -> Target:
    port = free_port()
    data = workdir / "welkin"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "WELKIN_ROOT_PASSWORD": PASSWORD,
        "WELKIN_ROOT_ACCESS_KEY": AK,
        "WELKIN_ROOT_SECRET_KEY": SK,
        "WELKIN_REGION": REGION,
        "WELKIN_LOG_LEVEL": "warning",
    }
    args = [sys.executable, "-m", "welkin", "up", "--data-dir", str(data), "--port", str(port)]
    log = workdir / "welkin.log"
    process = _spawn(args, env, log, cpu)
    url = f"http://127.0.0.1:{port}"
    target = Target("welkin", url, AK, SK, data, process)
    try:
        wait_ready(f"{url}/health", process, log)
    except BaseException:
        target.stop()
        raise
    return target


def start_floor(kind: str, workdir: Path, cpu: int | None) -> Target:
    """One of benchmarks/s3_floor.py's answer-only servers: what the client reaches at best."""
    port = free_port()
    log = workdir / f"{kind}.log"
    args = [sys.executable, str(Path(__file__).resolve().parent / "s3_floor.py"), kind, str(port)]
    process = _spawn(args, {**os.environ, "PYTHONPATH": str(ROOT)}, log, cpu)
    url = f"http://127.0.0.1:{port}"
    target = Target(kind, url, AK, SK, workdir, process)
    try:
        wait_ready(f"{url}/", process, log)
    except BaseException:
        target.stop()
        raise
    return target


STARTERS: dict[str, Callable[[Path, int | None], Target]] = {
    "moto": start_moto,
    "welkin": start_welkin,
    "canned": lambda workdir, cpu: start_floor("canned", workdir, cpu),
    "uvicorn": lambda workdir, cpu: start_floor("uvicorn", workdir, cpu),
}
FLOORS = ("canned", "uvicorn")


def _raise_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def running(names: list[str], cpu: int | None) -> Iterator[list[Target]]:
    """Start each named target in a temp dir; stop them all and delete the dir however we leave."""
    workdir = Path(tempfile.mkdtemp(prefix="welkin-obs-bench-"))
    # A SIGTERM would otherwise end us without running the finally below, orphaning the servers.
    previous = signal.signal(signal.SIGTERM, _raise_on_sigterm)
    targets: list[Target] = []
    try:
        for name in names:
            targets.append(STARTERS[name](workdir, cpu))
        yield targets
    finally:
        for target in targets:
            target.stop()
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(workdir, ignore_errors=True)
