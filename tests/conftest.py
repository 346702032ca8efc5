"""Fixtures shared by the whole suite: real servers, real databases.

- ``postgres_url``: a throw-away PostgreSQL server (scripts/postgres.sh) for the session.
- ``database_url``: parametrised over SQLite and PostgreSQL, migrated, fresh per test.
- ``welkin``: a real ``welkin up`` process on a free port with a fresh data dir.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
ROOT_PASSWORD = "Root-pass-1234"
ROOT_AK = "WELKINROOTACCESSKEY1"
ROOT_SK = "welkin-root-secret-key-for-tests-000000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not shutil.which("runuser") or not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        message = "PostgreSQL server binaries are not installed (`make test` installs them with apt-get)"
        if os.environ.get("WELKIN_REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)
    workdir = Path(tempfile.mkdtemp(prefix="welkin-pg-"))
    script = ROOT / "scripts" / "postgres.sh"
    url = subprocess.run(
        [str(script), "start", str(workdir)], check=True, capture_output=True, text=True
    ).stdout
    try:
        yield url.strip()
    finally:
        subprocess.run([str(script), "stop", str(workdir)], check=False)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty metadata store of each kind."""
    from welkin.core.migrate import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'welkin.db'}"
        upgrade(url)
        yield url
        return
    base: str = request.getfixturevalue("postgres_url")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class Welkin:
    url: str
    host: str
    data_dir: Path
    process: subprocess.Popen[str]
    output: Path
    access_key: str = ROOT_AK
    secret_key: str = ROOT_SK
    password: str = ROOT_PASSWORD

    def health(self) -> httpx.Response:
        return httpx.get(f"{self.url}/health", timeout=5)


def start_welkin(
    data_dir: Path,
    extra_args: list[str] | None = None,
    timeout: float = 30,
    extra_env: dict[str, str] | None = None,
) -> Welkin:
    port = free_port()
    log = data_dir.parent / f"welkin-{port}.log"
    env = {
        **os.environ,
        "WELKIN_ROOT_PASSWORD": ROOT_PASSWORD,
        "WELKIN_ROOT_ACCESS_KEY": ROOT_AK,
        "WELKIN_ROOT_SECRET_KEY": ROOT_SK,
        **(extra_env or {}),
    }
    args = [
        sys.executable,
        "-m",
        "welkin",
        "up",
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
        *(extra_args or []),
    ]
    with log.open("w") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, text=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "Welkin ready:" in log.read_text():
            return Welkin(f"http://127.0.0.1:{port}", f"127.0.0.1:{port}", data_dir, process, log)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"welkin up did not become ready:\n{log.read_text()}")


def stop_welkin(server: Welkin) -> int:
    server.process.send_signal(signal.SIGTERM)
    try:
        return server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        raise


@pytest.fixture
def welkin(tmp_path: Path) -> Iterator[Welkin]:
    server = start_welkin(tmp_path / "data")
    try:
        yield server
    finally:
        stop_welkin(server)
