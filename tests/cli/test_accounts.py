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


def test_account_quotas_show_and_set(root_cli: Cli) -> None:
    account = json.loads(root_cli.ok("account", "create", "quota-co", "--output", "json"))

    table = root_cli.ok("account", "quota", "show", "quota-co").splitlines()
    assert table[0].split() == ["QUOTA", "LIMIT", "DEFAULT", "USED"]
    rows = {line.split()[0]: line for line in table[1:]}
    assert set(rows) == {"functions", "code_bytes", "concurrent_instances", "buckets", "stored_bytes"}
    assert "unlimited" in rows["stored_bytes"]
    assert "10 GiB" in rows["code_bytes"]

    changed = root_cli.json(
        "account",
        "quota",
        "set",
        "quota-co",
        "--buckets",
        "5",
        "--stored-bytes",
        "10GiB",
        "--code-bytes",
        "500MB",
    )
    assert changed["quotas"]["buckets"]["limit"] == 5
    assert changed["quotas"]["stored_bytes"]["limit"] == 10 << 30
    assert changed["quotas"]["code_bytes"]["limit"] == 500_000_000
    reset = root_cli.json(
        "account", "quota", "set", "quota-co", "--buckets", "default", "--functions", "unlimited"
    )
    assert reset["quotas"]["buckets"]["limit"] == 100
    assert reset["quotas"]["functions"]["limit"] == -1
    shown = root_cli.json("account", "quota", "show", "quota-co")
    assert shown["quotas"]["stored_bytes"]["limit"] == 10 << 30

    # Usage errors (exit 2) never reach the server; refusals by it exit 1.
    for bad in (["--buckets", "5GiB"], ["--stored-bytes", "lots"], ["--functions", "1.5"], []):
        usage = root_cli.run("account", "quota", "set", "quota-co", *bad)
        assert usage.returncode == 2, (bad, usage.stderr)
    assert root_cli.run("account", "quota", "show", "nobody").returncode == 1
    tenant = ["--profile", "quota-co"]
    root_cli.ok(
        "login",
        "--access-key",
        account["access_key"],
        *tenant,
        env={"WELKIN_SECRET_KEY": account["secret_key"]},
    )
    refused = root_cli.run("account", "quota", "set", "quota-co", "--buckets", "1000", *tenant)
    assert refused.returncode == 1, refused.stderr
    assert "Only the operator" in refused.stderr
