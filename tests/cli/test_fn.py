"""``welkin fn`` against a real ``welkin up``: deploy, list, versions, aliases, delete, errors."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path

import httpx

from tests.cli.conftest import Account, Cli

HELLO = "def handler(event, context):\n    return {'hello': event.get('name', 'world')}\n"


def _code(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "code"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_deploy_a_directory_then_update_code_and_settings(fn: Cli, tmp_path: Path) -> None:
    code = _code(tmp_path, {"index.py": HELLO, "lib/util.py": "X = 1\n", "__pycache__/junk.pyc": "x"})
    created = fn.json("fn", "deploy", str(code), "--name", "hello", "--env", "GREETING=hi")
    assert created["action"] == "created"
    assert created["func_urn"].endswith(":function:default:hello:latest")
    assert (created["runtime"], created["handler"]) == ("Python3.11", "index.handler")
    assert (created["memory_size"], created["timeout"]) == (128, 30)
    again = fn.json("fn", "deploy", str(code), "--name", "hello")
    assert again["action"] == "updated"
    assert again["digest"] == created["digest"]  # the same tree zips to the same bytes
    (code / "index.py").write_text(HELLO.replace("world", "there"))
    changed = fn.json("fn", "deploy", str(code), "--name", "hello", "--memory", "256", "--timeout", "10")
    assert changed["digest"] != created["digest"]
    assert (changed["memory_size"], changed["timeout"]) == (256, 10)
    [listed] = fn.json("fn", "ls")
    assert listed["name"] == "hello"
    assert (listed["memory_size"], listed["timeout"], listed["runtime"]) == (256, 10, "Python3.11")
    table = fn.ok("fn", "ls")
    assert table.splitlines()[0].split() == [
        "NAME",
        "RUNTIME",
        "HANDLER",
        "MEMORY_SIZE",
        "TIMEOUT",
        "CODE_SIZE",
        "LAST_MODIFIED",
    ]


def test_deploy_a_single_file_and_a_zip(fn: Cli, tmp_path: Path) -> None:
    single = tmp_path / "echo.py"
    single.write_text(HELLO)
    one = fn.json("fn", "deploy", str(single), "--name", "echo")
    assert one["handler"] == "echo.handler"
    archive = tmp_path / "built.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("main.py", HELLO)
    zipped = fn.json("fn", "deploy", str(archive), "-n", "tools/zipped", "--handler", "main.handler")
    assert zipped["func_urn"].endswith(":function:tools:zipped:latest")
    names = sorted(row["name"] for row in fn.json("fn", "ls"))
    assert names == ["echo", "tools/zipped"]
    fn.ok("fn", "rm", "tools/zipped")
    assert [row["name"] for row in fn.json("fn", "ls")] == ["echo"]


def test_deployed_code_and_environment_are_what_the_server_stores(
    fn: Cli, account: Account, tmp_path: Path
) -> None:
    code = _code(tmp_path, {"index.py": HELLO, "data/words.txt": "a b c\n", "x.pyc": "junk"})
    urn = fn.json("fn", "deploy", str(code), "--name", "stored", "-e", "A=1", "-e", "B=two=2")["func_urn"]
    project = urn.split(":")[3]
    headers = {"X-Auth-Token": account.token()}
    base = f"{account.server.url}/v2/{project}/fgs/functions/{urn}"
    shown = httpx.get(f"{base}/code", headers=headers, timeout=10).json()
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(shown["func_code"]["file"]))) as package:
        assert sorted(package.namelist()) == ["data/words.txt", "index.py"]
    config = httpx.get(f"{base}/config", headers=headers, timeout=10).json()
    assert json.loads(config["user_data"]) == {"A": "1", "B": "two=2"}
    fn.ok("fn", "deploy", str(code), "--name", "stored", "--env", "C=3")
    config = httpx.get(f"{base}/config", headers=headers, timeout=10).json()
    assert json.loads(config["user_data"]) == {"C": "3"}  # --env replaces the environment


def test_versions_and_weighted_aliases(fn: Cli, tmp_path: Path) -> None:
    code = _code(tmp_path, {"index.py": HELLO})
    fn.ok("fn", "deploy", str(code), "--name", "hello")
    assert fn.json("fn", "versions", "publish", "hello")["version"] == "1"
    (code / "index.py").write_text(HELLO.replace("world", "v2"))
    fn.ok("fn", "deploy", str(code), "--name", "hello")
    v2 = fn.json("fn", "versions", "publish", "hello", "--version", "v2", "--description", "second")
    assert v2["func_urn"].endswith(":hello:v2")
    listed = fn.json("fn", "versions", "ls", "hello")
    assert [(v["version"], v["description"]) for v in listed] == [("latest", ""), ("1", ""), ("v2", "second")]
    canary = fn.json("fn", "alias", "set", "hello", "prod", "1", "--weight", "v2=10")
    assert (canary["version"], canary["additional_version_weights"]) == ("1", {"v2": 10})
    assert canary["alias_urn"].endswith(":hello:!prod")
    assert "v2=10%" in fn.ok("fn", "alias", "ls", "hello")
    promoted = fn.json("fn", "alias", "set", "hello", "prod", "v2")
    assert (promoted["version"], promoted["additional_version_weights"]) == ("v2", {})
    # A version an alias names cannot go; once the alias points elsewhere it can.
    refused = fn.run("fn", "rm", "hello:v2")
    assert refused.returncode == 1
    assert "FSS.0428" in refused.stderr
    fn.ok("fn", "rm", "hello:1")
    assert [v["version"] for v in fn.json("fn", "versions", "ls", "hello")] == ["latest", "v2"]
    fn.ok("fn", "alias", "rm", "hello", "prod")
    assert fn.json("fn", "alias", "ls", "hello") == []
    assert fn.json("fn", "rm", "hello")["result"] == "ok"
    assert fn.json("fn", "ls") == []


def test_a_password_login_works_too(root_cli: Cli, tmp_path: Path) -> None:
    code = _code(tmp_path, {"index.py": HELLO})
    assert root_cli.json("fn", "deploy", str(code), "--name", "tokened")["action"] == "created"
    assert [f["name"] for f in root_cli.json("fn", "ls", "--project", "local-1")] == ["tokened"]


def test_errors_and_exit_codes(fn: Cli, tmp_path: Path) -> None:
    missing = fn.run("fn", "rm", "nope")
    assert missing.returncode == 1
    assert "FSS.1051" in missing.stderr
    assert fn.run("fn", "deploy", str(tmp_path / "absent"), "--name", "x").returncode == 2
    code = _code(tmp_path, {"index.py": HELLO})
    bad_env = fn.run("fn", "deploy", str(code), "--name", "x", "--env", "NOEQUALS")
    assert bad_env.returncode == 2
    assert "NAME=VALUE" in bad_env.stderr
    bad_memory = fn.run("fn", "deploy", str(code), "--name", "x", "--memory", "100")
    assert bad_memory.returncode == 1
    assert "FSS.1007" in bad_memory.stderr
    assert fn.run("fn", "ls", "--project", "nowhere").returncode == 1
    assert fn.run("fn", "versions", "ls", "nope").returncode == 1
    assert fn.run("fn", "alias", "set", "x", "prod", "1", "--weight", "2").returncode == 2
    with fn.config.open("a") as config:
        config.write(
            '[profiles."down"]\nendpoint = "http://127.0.0.1:9"\naccess_key = "A"\nsecret_key = "B"\n'
        )
    unreachable = fn.run("fn", "ls", "--profile", "down")
    assert unreachable.returncode == 3
    assert "cannot reach" in unreachable.stderr
