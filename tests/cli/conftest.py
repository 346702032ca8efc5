"""Run the real ``welkin`` CLI in a subprocess, with its config file under tmp_path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, Welkin


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


@pytest.fixture
def fn(cli: Cli, welkin: Welkin) -> Cli:
    """A CLI whose default profile signs with the root access key (for ``welkin fn``)."""
    env = {"WELKIN_SECRET_KEY": welkin.secret_key}
    cli.ok("login", "--endpoint", welkin.url, "--access-key", welkin.access_key, env=env)
    return cli
