"""``welkin up`` with function instances running: it says what the sandbox enforces, and a
SIGTERM leaves no zygote or instance behind."""

from __future__ import annotations

import os
from pathlib import Path

from huaweicloudsdkfunctiongraph.v2 import InvokeFunctionRequest

from tests.compat.functiongraph.conftest import Fgs, create
from tests.compat.functiongraph.test_restart import root_token
from tests.conftest import start_welkin, stop_welkin


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if text.encode() in cmdline.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def test_sigterm_leaves_no_zygote_or_instance_behind(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_welkin(data)
    try:
        output = server.output.read_text()
        assert "Function sandbox (" in output
        assert "enforced:" in output
        tenant = Fgs(server, root_token(server.url)).tenant()
        created = create(tenant.fgs)
        result = tenant.fgs.invoke_function(InvokeFunctionRequest(function_urn=created.func_urn, body={}))
        assert result.status == 200
        # The zygote and the warm instance it forked name the sandbox root under the data dir.
        assert len(processes_mentioning(str(data / "run"))) >= 2
    finally:
        assert stop_welkin(server) == 0
    assert processes_mentioning(str(data / "run")) == []
