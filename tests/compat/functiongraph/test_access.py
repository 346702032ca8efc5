"""Who may do what: projects are walled off, and IAM's FunctionGraph policies decide."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import httpx
from botocore.config import Config
from huaweicloudsdkfunctiongraph.v2 import (
    DeleteFunctionRequest,
    FunctionGraphClient,
    ListFunctionsRequest,
    ListFunctionStatisticsRequest,
    ListQuotasRequest,
    ListStatisticsRequest,
    ShowFunctionCodeRequest,
    ShowFunctionConfigRequest,
)

from tests.compat.functiongraph.conftest import (
    HELLO,
    Fgs,
    Tenant,
    create,
    failure,
    fgs_client,
    unique,
    zip_of,
)
from welkin.iam import catalog


def iam_call(fgs: Fgs, tenant: Tenant, method: str, path: str, body: Any = None) -> httpx.Response:
    headers = {"X-Auth-Token": fgs.token(tenant)}
    response = httpx.request(method, f"{fgs.url}{path}", json=body, headers=headers, timeout=10)
    assert response.status_code < 300, response.text
    return response


def user_with(fgs: Fgs, tenant: Tenant, *permissions: str) -> tuple[str, str, FunctionGraphClient]:
    """A new user of ``tenant`` holding the named permissions (system names or role ids) on its project."""
    user = iam_call(
        fgs,
        tenant,
        "POST",
        "/v3/users",
        {"user": {"name": unique("u"), "password": "Compat-pass-1234", "domain_id": tenant.account_id}},
    ).json()["user"]
    key = iam_call(
        fgs, tenant, "POST", "/v3.0/OS-CREDENTIAL/credentials", {"credential": {"user_id": user["id"]}}
    ).json()["credential"]
    if permissions:
        group = iam_call(
            fgs,
            tenant,
            "POST",
            "/v3/groups",
            {"group": {"name": unique("g"), "domain_id": tenant.account_id}},
        ).json()["group"]
        iam_call(fgs, tenant, "PUT", f"/v3/groups/{group['id']}/users/{user['id']}")
        for name in permissions:
            permission = catalog.by_name(name)
            role_id = permission.id if permission is not None else name
            path = f"/v3/projects/{tenant.project_id}/groups/{group['id']}/roles/{role_id}"
            iam_call(fgs, tenant, "PUT", path)
    return key["access"], key["secret"], fgs_client(fgs.url, key["access"], key["secret"], tenant.project_id)


def test_other_projects_are_invisible(fgs: Fgs) -> None:
    a, b = fgs.tenant(), fgs.tenant()
    mine = create(a.fgs)
    create(b.fgs)
    assert [f.func_name for f in a.fgs.list_functions(ListFunctionsRequest()).functions] == [mine.func_name]
    # b names a's function by its URN, in b's own project: not found.
    error = failure(lambda: b.fgs.show_function_config(ShowFunctionConfigRequest(function_urn=mine.func_urn)))
    assert (error.status_code, error.error_code) == (404, "FSS.1051")
    # b signs for a's project: refused.
    intruder = fgs_client(fgs.url, b.access_key, b.secret_key, a.project_id)
    refused = failure(lambda: intruder.list_functions(ListFunctionsRequest()))
    assert (refused.status_code, refused.error_code) == (403, "FSS.0403")
    refused = failure(
        lambda: intruder.delete_function(
            DeleteFunctionRequest(function_urn=mine.func_urn.removesuffix(":latest"))
        )
    )
    assert refused.status_code == 403
    # A token scoped to b's project cannot reach a's either.
    token = fgs.token(b)
    response = httpx.get(
        f"{fgs.url}/v2/{a.project_id}/fgs/functions", headers={"X-Auth-Token": token}, timeout=10
    )
    assert response.status_code == 403
    assert response.json()["error_code"] == "FSS.0403"
    a.fgs.show_function_config(ShowFunctionConfigRequest(function_urn=mine.func_urn))


def test_unauthenticated_is_401(fgs: Fgs, tenant: Tenant) -> None:
    response = httpx.get(f"{fgs.url}/v2/{tenant.project_id}/fgs/functions", timeout=10)
    assert response.status_code == 401
    assert response.json()["error_code"] == "FSS.0401"


def test_iam_policies_decide(fgs: Fgs) -> None:
    tenant = fgs.tenant()
    created = create(tenant.fgs)
    _ak, _sk, nobody = user_with(fgs, tenant)
    assert failure(lambda: nobody.list_functions(ListFunctionsRequest())).error_code == "FSS.0403"
    _ak, _sk, reader = user_with(fgs, tenant, "fgs_readonly_access")
    assert reader.list_functions(ListFunctionsRequest()).count == 1
    reader.show_function_config(ShowFunctionConfigRequest(function_urn=created.func_urn))
    reader.show_function_code(ShowFunctionCodeRequest(function_urn=created.func_urn))
    denied = failure(lambda: create(reader))
    assert (denied.status_code, denied.error_code) == (403, "FSS.0403")
    base = created.func_urn.removesuffix(":latest")
    denied = failure(lambda: reader.delete_function(DeleteFunctionRequest(function_urn=base)))
    assert denied.status_code == 403
    _ak, _sk, admin = user_with(fgs, tenant, "fgs_full_access")
    made = create(admin)
    admin.delete_function(DeleteFunctionRequest(function_urn=made.func_urn.removesuffix(":latest")))


def test_a_policy_can_name_functions(fgs: Fgs) -> None:
    tenant = fgs.tenant()
    mine, other = create(tenant.fgs, unique("team-a")), create(tenant.fgs, unique("team-b"))
    policy = {
        "Version": "1.1",
        "Statement": [
            {"Effect": "Allow", "Action": ["functiongraph:function:list"]},
            {
                "Effect": "Allow",
                "Action": ["functiongraph:function:getConfig", "functiongraph:function:delete"],
                # Written as FunctionGraph's documentation writes it; matching ignores case.
                "Resource": ["FUNCTIONGRAPH:*:*:function:default/team-a-*"],
            },
        ],
    }
    role = iam_call(
        fgs,
        tenant,
        "POST",
        "/v3.0/OS-ROLE/roles",
        {"role": {"display_name": unique("team-a"), "type": "XA", "description": "team a", "policy": policy}},
    ).json()["role"]
    _ak, _sk, team_a = user_with(fgs, tenant, role["id"])
    assert team_a.list_functions(ListFunctionsRequest()).count == 2
    team_a.show_function_config(ShowFunctionConfigRequest(function_urn=mine.func_urn))
    denied = failure(
        lambda: team_a.show_function_config(ShowFunctionConfigRequest(function_urn=other.func_urn))
    )
    assert (denied.status_code, denied.error_code) == (403, "FSS.0403")
    team_a.delete_function(DeleteFunctionRequest(function_urn=mine.func_urn.removesuffix(":latest")))


def s3_for(fgs: Fgs, ak: str, sk: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=fgs.url,
        aws_access_key_id=ak,
        aws_secret_access_key=sk,
        region_name="local-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def test_code_from_obs_is_read_as_the_caller(fgs: Fgs) -> None:
    owner, stranger = fgs.tenant(), fgs.tenant()
    bucket = f"code-{uuid.uuid4().hex[:10]}"
    s3 = s3_for(fgs, owner.access_key, owner.secret_key)
    s3.create_bucket(Bucket=bucket)
    package = zip_of({"index.py": HELLO})
    s3.put_object(Bucket=bucket, Key="pkgs/hello.zip", Body=package)
    url = f"{fgs.url}/{bucket}/pkgs/hello.zip"
    created = create(owner.fgs, code_type="obs", code_url=url, func_code=None, code_filename=None)
    assert created.code_type == "obs"
    assert created.code_url == url
    assert created.code_size == len(package)
    shown = owner.fgs.show_function_code(ShowFunctionCodeRequest(function_urn=created.func_urn))
    assert shown.code_url == url
    # Another account cannot make a function out of code it may not read.
    denied = failure(lambda: create(stranger.fgs, code_type="obs", code_url=url, func_code=None))
    assert (denied.status_code, denied.error_code) == (403, "FSS.0403")
    # Nor can a user of the owner's account without OBS permissions.
    _ak, _sk, fgs_only = user_with(fgs, owner, "fgs_full_access")
    denied = failure(lambda: create(fgs_only, code_type="obs", code_url=url, func_code=None))
    assert denied.status_code == 403
    missing = failure(lambda: create(owner.fgs, code_type="obs", code_url=f"obs://{bucket}/nothing.zip"))
    assert missing.status_code == 400


def test_quotas_and_statistics(fgs: Fgs) -> None:
    tenant = fgs.tenant()
    create(tenant.fgs)
    create(tenant.fgs)
    quotas = {r.type: r for r in tenant.fgs.list_quotas(ListQuotasRequest()).quotas.resources}
    assert quotas["fgs_func_num"].used == 2
    assert quotas["fgs_func_num"].quota == 400
    assert quotas["fgs_func_code_size"].unit == "MB"
    stats = tenant.fgs.list_statistics(ListStatisticsRequest(filter="monthly_report"))
    assert [m.value for m in stats.count] == [0.0]
    one = create(tenant.fgs)
    per_function = tenant.fgs.list_function_statistics(
        ListFunctionStatisticsRequest(func_urn=one.func_urn, period="60")
    )
    assert [p.value for p in per_function.count] == [0.0]
    assert [p.value for p in per_function.fail_count] == [0.0]
