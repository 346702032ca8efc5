"""Every command documents numbered examples and its exit codes."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from welkin.cli.main import app

COMMANDS = [
    ["login"],
    *(["account", c] for c in ("create", "ls", "disable", "enable")),
    *(["account", "quota", c] for c in ("show", "set")),
    *(["iam", "user", c] for c in ("create", "ls", "rm")),
    *(["iam", "group", c] for c in ("create", "ls", "rm", "add-user")),
    *(["iam", "policy", c] for c in ("create", "ls", "rm")),
    *(["iam", "key", c] for c in ("create", "ls", "rm", "disable", "enable")),
    ["iam", "grant"],
    ["iam", "audit"],
    *(["obs", c] for c in ("mb", "rb", "ls", "cp", "mv", "rm", "sync", "presign", "stat")),
    *(["fn", c] for c in ("deploy", "invoke", "logs", "ls", "rm")),
    *(["fn", "versions", c] for c in ("ls", "publish")),
    *(["fn", "alias", c] for c in ("set", "ls", "rm")),
    *(["fn", "trigger", c] for c in ("add", "ls", "rm")),
    *(["budget", c] for c in ("set", "show", "rm", "notifications")),
    ["bill"],
    *(["bill", c] for c in ("show", "ls", "paid")),
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_has_examples_and_exit_codes(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Examples:" in result.output
    assert "  1. welkin " in result.output
    assert "Exit codes: 0 ok; 1 refused" in result.output
    assert "--output" in result.output
