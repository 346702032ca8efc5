"""``welkin iam``: users, groups, policies, grants, keys and the audit log."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Cli
from tests.conftest import Welkin

POLICY = {"Version": "1.1", "Statement": [{"Effect": "Allow", "Action": ["obs:object:GetObject"]}]}


def test_users_groups_policies_and_grants(root_cli: Cli, welkin: Welkin, tmp_path: Path) -> None:
    env = {"WELKIN_NEW_PASSWORD": "Alice-pass-1234"}
    user = root_cli.json("iam", "user", "create", "alice", "--password", env=env)
    assert user["name"] == "alice"
    assert "Alice-pass-1234" not in json.dumps(user)
    root_cli.ok("iam", "user", "create", "bob")
    assert {u["name"] for u in root_cli.json("iam", "user", "ls")} == {"admin", "alice", "bob"}

    root_cli.ok("iam", "group", "create", "devs", "--description", "developers")
    assert "devs" in [g["name"] for g in root_cli.json("iam", "group", "ls")]
    root_cli.ok("iam", "group", "add-user", "devs", "alice")
    assert root_cli.run("iam", "group", "add-user", "devs", "nobody").returncode == 1

    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps(POLICY))
    policy = root_cli.json("iam", "policy", "create", "obs-get", "--file", str(policy_file))
    assert policy["display_name"] == "obs-get"
    assert policy["type"] == "AX"
    assert [p["display_name"] for p in root_cli.json("iam", "policy", "ls")] == ["obs-get"]
    assert root_cli.json("iam", "policy", "ls", "--system")

    assert "Granted obs-get" in root_cli.ok("iam", "grant", "obs-get", "--group", "devs")
    root_cli.ok("iam", "grant", "OBS ReadOnlyAccess", "--group", "devs", "--all-projects")
    project = root_cli.json("iam", "grant", "OBS ReadOnlyAccess", "-g", "devs", "--project", "local-1")
    assert project["scope"] == "project local-1"
    assert root_cli.run("iam", "grant", "No Such Role", "--group", "devs").returncode == 1
    assert root_cli.run("iam", "policy", "rm", "obs-get").returncode == 1  # still granted

    # alice can log in with her password.
    alice = root_cli.run(
        "login", "--account", "admin", "--user", "alice", "--profile", "alice", stdin="Alice-pass-1234\n"
    )
    assert alice.returncode == 0, alice.stderr

    root_cli.ok("iam", "user", "rm", "bob")
    assert root_cli.run("iam", "user", "rm", "bob").returncode == 1
    root_cli.ok("iam", "group", "create", "tmp")
    root_cli.ok("iam", "group", "rm", "tmp")
    root_cli.ok("iam", "policy", "create", "unused", "-f", str(policy_file), "--project-level")
    assert root_cli.json("iam", "policy", "rm", "unused")["result"] == "ok"


def test_access_keys_and_audit(root_cli: Cli, welkin: Welkin) -> None:
    root_cli.ok("iam", "user", "create", "ci")
    created = root_cli.run("iam", "key", "create", "--user", "ci", "--output", "json")
    assert created.returncode == 0
    assert "cannot be shown again" in created.stderr
    key = json.loads(created.stdout)
    ak, sk = key["access"], key["secret"]
    listed = root_cli.json("iam", "key", "ls", "--user", "ci")
    assert [k["access"] for k in listed] == [ak]
    assert "secret" not in listed[0]
    assert sk not in root_cli.ok("iam", "key", "ls")

    login = ["login", "--access-key", ak, "--profile", "ci"]
    root_cli.ok(*login, env={"WELKIN_SECRET_KEY": sk})
    assert root_cli.json("iam", "key", "disable", ak)["credential"]["status"] == "inactive"
    assert root_cli.run(*login, env={"WELKIN_SECRET_KEY": sk}).returncode == 1
    root_cli.ok("iam", "key", "enable", ak)
    root_cli.ok(*login, env={"WELKIN_SECRET_KEY": sk})
    own = root_cli.json("iam", "key", "create")  # the logged-in user's own key
    assert own["user_id"] == root_cli.json("iam", "key", "ls")[0]["user_id"]
    root_cli.ok("iam", "key", "rm", ak)
    assert root_cli.run(*login, env={"WELKIN_SECRET_KEY": sk}).returncode == 1

    events = root_cli.json("iam", "audit", "--limit", "50")
    actions = {e["action"] for e in events}
    assert {"CreateUser", "KeystoneCreateUser", "CreatePermanentAccessKey"} & actions
    assert "DeletePermanentAccessKey" in actions
    assert len(root_cli.json("iam", "audit", "--limit", "2")) == 2
    assert root_cli.ok("iam", "audit", "--limit", "3").splitlines()[0].startswith("AT")
