"""``welkin login``: password and access-key logins, the stored profile, failures.

Logging in changes nothing on the server, so these tests share one; the one that stops its server
has its own."""

from __future__ import annotations

import json
import stat
import tomllib

from tests.cli.conftest import Cli
from tests.conftest import Welkin, free_port


def test_password_login_from_stdin_stores_a_token(cli: Cli, shared_welkin: Welkin) -> None:
    result = cli.run(
        "login", "--endpoint", shared_welkin.url, "--account", "admin", stdin=shared_welkin.password + "\n"
    )
    assert result.returncode == 0, result.stderr
    assert shared_welkin.password not in result.stdout + result.stderr
    assert stat.S_IMODE(cli.config.stat().st_mode) == 0o600
    profile = tomllib.loads(cli.config.read_text())["profiles"]["default"]
    assert profile["token"]
    assert profile["account"] == "admin"
    assert profile["user"] == "admin"
    assert "secret_key" not in profile
    users = cli.json("iam", "user", "ls")
    assert [u["name"] for u in users] == ["admin"]


def test_password_login_from_env_and_wrong_password(cli: Cli, shared_welkin: Welkin) -> None:
    env = {"WELKIN_PASSWORD": shared_welkin.password}
    summary = cli.json("login", "--endpoint", shared_welkin.url, "--account", "admin", env=env)
    assert summary["method"] == "password"
    assert summary["account"] == "admin"
    assert shared_welkin.password not in json.dumps(summary)
    bad = cli.run("login", "--account", "admin", env={"WELKIN_PASSWORD": "wrong-password-1"})
    assert bad.returncode == 1
    assert "wrong-password-1" not in bad.stdout + bad.stderr


def test_access_key_login_signs_requests(cli: Cli, shared_welkin: Welkin) -> None:
    env = {"WELKIN_SECRET_KEY": shared_welkin.secret_key}
    result = cli.run(
        "login", "--endpoint", shared_welkin.url, "--access-key", shared_welkin.access_key, env=env
    )
    assert result.returncode == 0, result.stderr
    assert shared_welkin.secret_key not in result.stdout + result.stderr
    profile = tomllib.loads(cli.config.read_text())["profiles"]["default"]
    assert profile["access_key"] == shared_welkin.access_key
    assert "token" not in profile
    assert cli.json("account", "ls")[0]["name"] == "admin"
    wrong = cli.run(
        "login",
        "--access-key",
        shared_welkin.access_key,
        "--profile",
        "bad",
        env={"WELKIN_SECRET_KEY": "nope"},
    )
    assert wrong.returncode == 1
    assert "nope" not in wrong.stdout


def test_exit_codes_for_usage_and_unreachable(cli: Cli, shared_welkin: Welkin) -> None:
    assert cli.run("iam", "user", "ls").returncode == 2  # no profile yet
    assert cli.run("iam", "user", "ls", "--output", "yaml").returncode == 2
    down = f"http://127.0.0.1:{free_port()}"
    result = cli.run("login", "--endpoint", down, "--account", "admin", stdin="whatever\n")
    assert result.returncode == 3
    assert "cannot reach" in result.stderr
    cli.ok(
        "login", "--endpoint", shared_welkin.url, "--account", "admin", stdin=shared_welkin.password + "\n"
    )
    both = cli.run("iam", "grant", "x", "--group", "g", "--project", "p", "--all-projects")
    assert both.returncode == 2


def test_exit_code_3_when_the_server_stops(cli: Cli, welkin: Welkin) -> None:
    cli.ok("login", "--endpoint", welkin.url, "--account", "admin", stdin=welkin.password + "\n")
    welkin.process.terminate()
    welkin.process.wait(timeout=20)
    result = cli.run("iam", "user", "ls")
    assert result.returncode == 3, result.stderr
