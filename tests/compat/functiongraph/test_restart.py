"""Functions, versions, code, invocation logs and statistics survive a restart; start-up collects
only code nothing uses."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import httpx
from huaweicloudsdkfunctiongraph.v2 import (
    CreateFunctionVersionRequest,
    CreateFunctionVersionRequestBody,
    DeleteFunctionRequest,
    FuncCode,
    InvokeFunctionRequest,
    ListFunctionStatisticsRequest,
    ShowFunctionCodeRequest,
    ShowFunctionConfigRequest,
    UpdateFunctionCodeRequest,
    UpdateFunctionCodeRequestBody,
)

from tests.compat.functiongraph.conftest import HELLO, Fgs, b64, create, fgs_client, zip_of
from tests.conftest import ROOT_PASSWORD, start_welkin, stop_welkin


def root_token(url: str) -> str:
    password = {"user": {"name": "admin", "password": ROOT_PASSWORD, "domain": {"name": "admin"}}}
    body = {"auth": {"identity": {"methods": ["password"], "password": password}}}
    return httpx.post(f"{url}/v3/auth/tokens", json=body, timeout=10).headers["x-subject-token"]


def test_state_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = start_welkin(data)
    try:
        tenant = Fgs(first, root_token(first.url)).tenant()
        v1 = zip_of({"index.py": HELLO})
        created = create(tenant.fgs, func_code=FuncCode(file=b64(v1)))
        publish = CreateFunctionVersionRequestBody(description="one")
        tenant.fgs.create_function_version(
            CreateFunctionVersionRequest(function_urn=created.func_urn, body=publish)
        )
        v2 = zip_of({"index.py": HELLO + "# two\n"})
        body = UpdateFunctionCodeRequestBody(code_type="zip", func_code=FuncCode(file=b64(v2)))
        tenant.fgs.update_function_code(UpdateFunctionCodeRequest(function_urn=created.func_urn, body=body))
        doomed = create(tenant.fgs, func_code=FuncCode(file=b64(zip_of({"index.py": HELLO + "# doomed\n"}))))
        tenant.fgs.delete_function(
            DeleteFunctionRequest(function_urn=doomed.func_urn.removesuffix(":latest"))
        )
    finally:
        assert stop_welkin(first) == 0
    second = start_welkin(data)
    try:
        client = fgs_client(second.url, tenant.access_key, tenant.secret_key, tenant.project_id)
        base = created.func_urn.removesuffix(":latest")
        code = client.show_function_code(ShowFunctionCodeRequest(function_urn=f"{base}:1"))
        assert base64.b64decode(code.func_code.file) == v1
        latest = client.show_function_config(ShowFunctionConfigRequest(function_urn=created.func_urn))
        assert latest.digest == hashlib.sha512(v2).hexdigest()
        stored = {p.name for p in (data / "functions" / "code").iterdir()}
        assert stored == {hashlib.sha256(v1).hexdigest(), hashlib.sha256(v2).hexdigest()}
    finally:
        stop_welkin(second)


PRINTS = """
def handler(event, context):
    print("run", event["n"], "of", context.getRequestID())
    if event.get("fail"):
        raise KeyError("asked to fail")
    return event["n"]
"""


def test_invocation_logs_and_statistics_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = start_welkin(data)
    try:
        fgs = Fgs(first, root_token(first.url))
        tenant = fgs.tenant()
        created = create(tenant.fgs, func_code=FuncCode(file=b64(zip_of({"index.py": PRINTS}))))
        urn = created.func_urn
        answers = [
            tenant.fgs.invoke_function(
                InvokeFunctionRequest(function_urn=urn, x_cff_log_type="tail", body={"n": n, "fail": n == 2})
            )
            for n in range(3)
        ]
        # The tail of each call comes with its answer, from the invocation itself.
        assert all(f"run {n} of {a.request_id}" in a.log for n, a in enumerate(answers))
        before = tenant.fgs.list_function_statistics(ListFunctionStatisticsRequest(func_urn=urn, period="60"))
        assert sum(p.value for p in before.count) == 3
    finally:
        # Stopped right after the calls: what the background writer had not written yet is
        # written on the way out.
        assert stop_welkin(first) == 0
    second = start_welkin(data)
    try:
        fgs = Fgs(second, root_token(second.url))
        client = fgs_client(second.url, tenant.access_key, tenant.secret_key, tenant.project_id)
        logs = fgs.raw(tenant, "GET", f"/functions/{urn}/welkin-logs?limit=10").json()["logs"]
        assert [e["request_id"] for e in logs] == [a.request_id for a in answers]
        assert [e["status"] for e in logs] == ["success", "success", "failed"]
        assert f"run 2 of {answers[2].request_id}" in logs[2]["log"]
        assert logs[2]["error_code"] == "Runtime.UserCodeError"
        stats = client.list_function_statistics(ListFunctionStatisticsRequest(func_urn=urn, period="60"))
        assert sum(p.value for p in stats.count) == 3
        assert sum(p.value for p in stats.fail_count) == 1
        raw = fgs.raw(tenant, "GET", f"/functions/{urn}/statistics/60").json()["welkin_metrics"]
        assert (raw["invocations"], raw["errors"], raw["cold_starts"], raw["instances"]) == (3, 1, 1, 0)
        assert raw["duration_p50_ms"] > 0
        # New invocations are numbered after the ones kept, so a follower never sees one twice.
        again = client.invoke_function(InvokeFunctionRequest(function_urn=urn, body={"n": 3}))
        assert json.loads(again.result) == 3
        newer = fgs.raw(tenant, "GET", f"/functions/{urn}/welkin-logs?after={logs[-1]['seq']}").json()
        assert [e["request_id"] for e in newer["logs"]] == [again.request_id]
    finally:
        stop_welkin(second)
