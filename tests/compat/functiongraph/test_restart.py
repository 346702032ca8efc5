"""Functions, versions and code survive a restart; start-up collects only code nothing uses."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import httpx
from huaweicloudsdkfunctiongraph.v2 import (
    CreateFunctionVersionRequest,
    CreateFunctionVersionRequestBody,
    DeleteFunctionRequest,
    FuncCode,
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
