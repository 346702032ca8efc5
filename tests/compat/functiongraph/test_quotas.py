"""An account's function, code-size and concurrency quotas, set by the operator, met by the SDK."""

from __future__ import annotations

import base64
from typing import Any

from huaweicloudsdkfunctiongraph.v2 import (
    CreateFunctionVersionRequest,
    CreateFunctionVersionRequestBody,
    FuncCode,
    InvokeFunctionRequest,
    ListFunctionsRequest,
    ListFunctionVersionsRequest,
    ListQuotasRequest,
    ShowFunctionCodeRequest,
    UpdateFunctionCodeRequest,
    UpdateFunctionCodeRequestBody,
)

from tests.compat.functiongraph.conftest import HELLO, Fgs, Tenant, b64, create, failure, unique, zip_of


def set_quotas(fgs: Fgs, tenant: Tenant, **limits: int | None) -> dict[str, Any]:
    answer = fgs.operator("PUT", f"/welkin/v1/accounts/{tenant.name}/quotas", {"quotas": limits})
    assert answer.status_code == 200, answer.text
    quotas: dict[str, Any] = answer.json()["quotas"]
    return quotas


def names(tenant: Tenant) -> list[str]:
    return [f.func_name for f in tenant.fgs.list_functions(ListFunctionsRequest()).functions]


def listed_quotas(tenant: Tenant) -> dict[str, Any]:
    return {r.type: r for r in tenant.fgs.list_quotas(ListQuotasRequest()).quotas.resources}


def test_functions_past_the_quota_are_refused(fgs: Fgs) -> None:
    tenant = fgs.tenant()
    set_quotas(fgs, tenant, functions=1)
    first = unique()
    create(tenant.fgs, first)
    error = failure(lambda: create(tenant.fgs, unique()))
    assert (error.status_code, error.error_code) == (403, "FSS.0403")
    assert "functions quota is 1" in error.error_msg
    assert names(tenant) == [first]
    assert (listed_quotas(tenant)["fgs_func_num"].quota, listed_quotas(tenant)["fgs_func_num"].used) == (1, 1)

    set_quotas(fgs, tenant, functions=None)
    create(tenant.fgs, unique())
    assert listed_quotas(tenant)["fgs_func_num"].quota == 400


def test_code_past_the_quota_is_refused_and_the_old_code_kept(fgs: Fgs) -> None:
    tenant = fgs.tenant()
    created = create(tenant.fgs)
    old = base64.b64decode(
        tenant.fgs.show_function_code(ShowFunctionCodeRequest(function_urn=created.func_urn)).func_code.file
    )
    set_quotas(fgs, tenant, code_bytes=len(old) + 10)
    packages = fgs.server.data_dir / "functions" / "packages"
    stored = set(packages.iterdir())

    bigger = zip_of({"index.py": HELLO, "data.txt": "x" * 200})
    body = UpdateFunctionCodeRequestBody(code_type="zip", func_code=FuncCode(file=b64(bigger)))
    error = failure(
        lambda: tenant.fgs.update_function_code(
            UpdateFunctionCodeRequest(function_urn=created.func_urn, body=body)
        )
    )
    assert (error.status_code, error.error_code) == (403, "FSS.0403")
    assert "code_bytes quota" in error.error_msg
    shown = tenant.fgs.show_function_code(ShowFunctionCodeRequest(function_urn=created.func_urn))
    assert base64.b64decode(shown.func_code.file) == old

    # A published version holds a copy of the code, as the quota counts: it does not fit either.
    version = CreateFunctionVersionRequest(
        function_urn=created.func_urn, body=CreateFunctionVersionRequestBody(version="v1")
    )
    error = failure(lambda: tenant.fgs.create_function_version(version))
    assert (error.status_code, error.error_code) == (403, "FSS.0403")
    versions = tenant.fgs.list_function_versions(ListFunctionVersionsRequest(function_urn=created.func_urn))
    assert [v.version for v in versions.versions] == ["latest"]
    error = failure(lambda: create(tenant.fgs, unique()))
    assert "code_bytes quota" in error.error_msg
    assert names(tenant) == [created.func_name]
    assert set(packages.iterdir()) == stored  # no package of a refused function or update is kept

    set_quotas(fgs, tenant, code_bytes=None)
    tenant.fgs.update_function_code(UpdateFunctionCodeRequest(function_urn=created.func_urn, body=body))
    assert listed_quotas(tenant)["fgs_func_code_size"].quota == 10 * 1024


def test_invocations_past_the_concurrency_quota_are_throttled(fgs: Fgs) -> None:
    tenant = fgs.tenant()
    created = create(tenant.fgs)
    invoke = InvokeFunctionRequest(function_urn=created.func_urn, body={"n": 1})
    assert "hello" in tenant.fgs.invoke_function(invoke).result

    set_quotas(fgs, tenant, concurrent_instances=0)
    assert listed_quotas(tenant)["fgs_on_demand_instance_limit"].quota == 0
    error = failure(lambda: tenant.fgs.invoke_function(invoke))
    assert (error.status_code, error.error_code) == (429, "FSS.0429")
    assert "concurrency quota (concurrent_instances) is 0" in error.error_msg

    set_quotas(fgs, tenant, concurrent_instances=None)
    assert "hello" in tenant.fgs.invoke_function(invoke).result
