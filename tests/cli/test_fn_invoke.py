"""``welkin fn invoke`` and ``welkin fn logs`` against a real ``welkin up`` running real sandboxes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.cli.conftest import Cli
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples" / "functions"
FAILING = "def handler(event, context):\n    print('about to fail')\n    raise ValueError('boom')\n"


def test_invoke_prints_the_result_and_the_log_tail(fn: Cli) -> None:
    fn.ok("fn", "deploy", str(EXAMPLES / "hello"), "--name", "hello")
    result = fn.run("fn", "invoke", "hello", "--payload", '{"name": "Ada"}', "--log")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["greeting"] == "Hello, Ada!"
    assert "INFO greeting Ada" in result.stderr  # the log tail goes to stderr, not into the result
    assert "(cold start)" in result.stderr
    shown = fn.json("fn", "invoke", "hello")
    assert shown["status"] == "success"
    assert shown["result"]["greeting"] == "Hello, world!"
    assert shown["result"]["request_id"] == shown["request_id"]
    assert shown["cold_start"] is False  # the first call's instance is still warm


def test_payload_from_a_file_and_from_stdin(fn: Cli, tmp_path: Path) -> None:
    fn.ok("fn", "deploy", str(EXAMPLES / "hello"), "--name", "hello")
    event = tmp_path / "event.json"
    event.write_text('{"name": "File"}')
    assert fn.json("fn", "invoke", "hello", "-p", f"@{event}")["result"]["greeting"] == "Hello, File!"
    piped = fn.json("fn", "invoke", "hello", "-p", "@-", stdin='{"name": "Pipe"}')
    assert piped["result"]["greeting"] == "Hello, Pipe!"
    not_json = fn.run("fn", "invoke", "hello", "-p", "{nope")
    assert not_json.returncode == 2
    assert "not JSON" in not_json.stderr


def test_a_failing_function_exits_4_with_its_error(fn: Cli, tmp_path: Path) -> None:
    code = tmp_path / "bad.py"
    code.write_text(FAILING)
    fn.ok("fn", "deploy", str(code), "--name", "bad")
    result = fn.run("fn", "invoke", "bad", "--log", "-o", "json")
    assert result.returncode == 4, result.stderr
    shown = json.loads(result.stdout)
    assert shown["status"] == "failed"
    assert shown["result"]["errorType"] == "ValueError"
    assert shown["result"]["errorMessage"] == "boom"
    assert "about to fail" in shown["log"]
    assert fn.run("fn", "invoke", "missing").returncode == 1


def test_versions_and_aliases_are_invoked_by_qualifier(fn: Cli, tmp_path: Path) -> None:
    code = tmp_path / "index.py"
    code.write_text("def handler(event, context):\n    return {'v': 1}\n")
    fn.ok("fn", "deploy", str(code), "--name", "qualified")
    fn.ok("fn", "versions", "publish", "qualified")
    code.write_text("def handler(event, context):\n    return {'v': 2}\n")
    fn.ok("fn", "deploy", str(code), "--name", "qualified")
    fn.ok("fn", "alias", "set", "qualified", "prod", "1")
    assert fn.json("fn", "invoke", "qualified:1")["result"] == {"v": 1}
    assert fn.json("fn", "invoke", "qualified:prod")["result"] == {"v": 1}
    assert fn.json("fn", "invoke", "qualified")["result"] == {"v": 2}


def test_async_invoke_then_logs_show_it(fn: Cli) -> None:
    fn.ok("fn", "deploy", str(EXAMPLES / "hello"), "--name", "hello")
    queued = fn.json("fn", "invoke", "hello", "--async", "-p", '{"name": "Later"}')
    request_id = queued["request_id"]
    deadline = time.monotonic() + 20
    found: list[dict[str, str]] = []
    while not found and time.monotonic() < deadline:
        found = fn.json("fn", "logs", "hello", "--request-id", request_id)
        time.sleep(0.2)
    assert [e["source"] for e in found] == ["async"]
    assert "greeting Later" in found[0]["log"]
    text = fn.ok("fn", "logs", "hello")
    assert request_id in text
    assert "INFO greeting Later" in text


def test_logs_follow_prints_new_invocations_as_json_lines(fn: Cli) -> None:
    fn.ok("fn", "deploy", str(EXAMPLES / "hello"), "--name", "hello")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WELKIN_")}
    env.update(WELKIN_CONFIG=str(fn.config), PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "welkin", "fn", "logs", "hello", "--follow", "-o", "json"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT) as follower:
        try:
            time.sleep(1.5)  # let it take its first look before anything is logged
            first = fn.json("fn", "invoke", "hello", "-p", '{"name": "One"}')["request_id"]
            second = fn.json("fn", "invoke", "hello", "-p", '{"name": "Two"}')["request_id"]
            assert follower.stdout is not None
            seen = [json.loads(follower.stdout.readline()) for _ in range(2)]
        finally:
            follower.terminate()
            follower.wait(timeout=10)
    assert [e["request_id"] for e in seen] == [first, second]
    assert "greeting Two" in seen[1]["log"]
