"""``welkin account``: create (credentials shown once), list, disable, enable."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli
from tests.conftest import Welkin


def test_account_lifecycle_and_disabled_key_refused(root_cli: Cli, welkin: Welkin) -> None:
    created = root_cli.run("account", "create", "acme", "--output", "json")
    assert created.returncode == 0, created.stderr
    assert "not be shown again" in created.stderr or "cannot be shown again" in created.stderr
    account = json.loads(created.stdout)
    assert account["name"] == "acme"
    assert account["admin"]["password"]
    ak, sk = account["access_key"], account["secret_key"]

    table = root_cli.ok("account", "ls")
    assert table.splitlines()[0].split()[:3] == ["NAME", "ID", "ENABLED"]
    assert {a["name"] for a in root_cli.json("account", "ls")} == {"admin", "acme"}
    assert root_cli.run("account", "create", "acme").returncode == 1  # already exists

    acme = ["--profile", "acme"]
    root_cli.ok("login", "--access-key", ak, *acme, env={"WELKIN_SECRET_KEY": sk})
    assert [u["name"] for u in root_cli.json("iam", "user", "ls", *acme)] == ["acme"]
    # A tenant is not the operator.
    assert root_cli.run("account", "ls", *acme).returncode == 1

    disabled = root_cli.json("account", "disable", "acme")
    assert disabled["account"]["enabled"] is False
    refused = root_cli.run("iam", "user", "ls", *acme)
    assert refused.returncode == 1, refused.stderr
    assert "request id" in refused.stderr

    root_cli.ok("account", "enable", "acme")
    assert root_cli.run("iam", "user", "ls", *acme).returncode == 0

    password_login = root_cli.run(
        "login", "--account", "acme", "--profile", "acme-pw", stdin=account["admin"]["password"] + "\n"
    )
    assert password_login.returncode == 0, password_login.stderr
