"""Run the real ``welkin`` CLI in a subprocess, with its config file under tmp_path.

``fn`` and ``tenant_login`` give each test an account of its own on one server per module, so
tests that need no server of their own do not each pay for starting one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, Welkin, start_welkin, stop_welkin


@dataclass
class Cli:
    config: Path

    def run(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Any:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("WELKIN_")}
        full_env.update(WELKIN_CONFIG=str(self.config), PYTHONPATH=str(ROOT), **(env or {}))
        return subprocess.run(
            [sys.executable, "-m", "welkin", *args],
            input=stdin or "",
            capture_output=True,
            text=True,
            env=full_env,
            cwd=ROOT,
            timeout=60,
        )

    def ok(self, *args: str, **kwargs: Any) -> str:
        result = self.run(*args, **kwargs)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return str(result.stdout)

    def json(self, *args: str, **kwargs: Any) -> Any:
        return json.loads(self.ok(*args, "--output", "json", **kwargs))


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "config" / "config.toml")


@pytest.fixture
def root_cli(cli: Cli, welkin: Welkin) -> Cli:
    """A CLI logged in as the operator's root user with a password (token profile)."""
    cli.ok("login", "--endpoint", welkin.url, "--account", "admin", stdin=welkin.password + "\n")
    return cli


@dataclass(frozen=True)
class Account:
    """A new account on ``server``, made by the operator API, with its administrator's key."""

    server: Welkin
    name: str
    access_key: str
    secret_key: str
    admin_name: str
    admin_password: str

    def token(self) -> str:
        """A token of the account's administrator, scoped to its account."""
        user = {"name": self.admin_name, "password": self.admin_password, "domain": {"name": self.name}}
        body = {
            "auth": {
                "identity": {"methods": ["password"], "password": {"user": user}},
                "scope": {"domain": {"name": self.name}},
            }
        }
        response = httpx.post(f"{self.server.url}/v3/auth/tokens", json=body, timeout=10)
        assert response.status_code == 201, response.text
        return str(response.headers["x-subject-token"])


@pytest.fixture(scope="module")
def shared_welkin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Welkin]:
    server = start_welkin(tmp_path_factory.mktemp("cli") / "data")
    try:
        yield server
    finally:
        stop_welkin(server)


@pytest.fixture(scope="module")
def operator_token(shared_welkin: Welkin) -> str:
    operator = Account(shared_welkin, "admin", "", "", "admin", shared_welkin.password)
    return operator.token()


def new_account(server: Welkin, operator_token: str) -> Account:
    """A new tenant account made with the operator API, with its administrator's key."""
    name = f"acct-{uuid.uuid4().hex[:8]}"
    response = httpx.post(
        f"{server.url}/welkin/v1/accounts",
        json={"account": {"name": name}},
        headers={"X-Auth-Token": operator_token},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    made = response.json()["account"]
    admin = made["admin"]
    keys = (made["access_key"], made["secret_key"])
    return Account(server, name, *keys, admin["name"], admin["password"])


@pytest.fixture
def account(shared_welkin: Welkin, operator_token: str) -> Account:
    return new_account(shared_welkin, operator_token)


@pytest.fixture
def tenant_login(cli: Cli, account: Account) -> Cli:
    """A CLI whose default profile signs with a new account's access key."""
    env = {"WELKIN_SECRET_KEY": account.secret_key}
    cli.ok("login", "--endpoint", account.server.url, "--access-key", account.access_key, env=env)
    return cli


@pytest.fixture
def fn(tenant_login: Cli) -> Cli:
    """The CLI for ``welkin fn`` tests: signing as a new account's administrator."""
    return tenant_login
