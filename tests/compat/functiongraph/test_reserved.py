"""Reserved instances through huaweicloudsdkfunctiongraph: set a count on latest, a version or an
alias, list it, and invoke without a cold start; the limits; and reservations that come back
started after a restart."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from huaweicloudsdkfunctiongraph.v2 import (
    CreateFunctionVersionRequest,
    CreateFunctionVersionRequestBody,
    CreateVersionAliasRequest,
    CreateVersionAliasRequestBody,
    CronConfig,
    DeleteFunctionRequest,
    DeleteVersionAliasRequest,
    FuncCode,
    InvokeFunctionRequest,
    ListFunctionReservedInstancesRequest,
    TacticsConfig,
    UpdateFunctionCodeRequest,
    UpdateFunctionCodeRequestBody,
    UpdateFunctionMaxInstanceConfigRequest,
    UpdateFunctionMaxInstanceConfigRequestBody,
    UpdateFunctionReservedInstancesCountRequest,
    UpdateFunctionReservedInstancesCountRequestBody,
)

from tests.compat.functiongraph.conftest import Fgs, Tenant, b64, create, failure, fgs_client, zip_of
from tests.compat.functiongraph.test_restart import root_token
from tests.conftest import start_welkin, stop_welkin

PID = "import os\ndef handler(event, context):\n    return {'pid': os.getpid(), 'code': 1}\n"


def until(check: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def reserve(tenant: Tenant, urn: str, count: int, **fields: Any) -> Any:
    body = UpdateFunctionReservedInstancesCountRequestBody(count=count, **fields)
    return tenant.fgs.update_function_reserved_instances_count(
        UpdateFunctionReservedInstancesCountRequest(function_urn=urn, body=body)
    )


def listed(tenant: Tenant, urn: str | None = None) -> dict[str, int]:
    found = tenant.fgs.list_function_reserved_instances(ListFunctionReservedInstancesRequest(urn=urn))
    return {item.func_urn: item.count for item in found.reservedinstances or []}


def metrics(fgs: Fgs, tenant: Tenant, urn: str) -> dict[str, Any]:
    figures: dict[str, Any] = fgs.raw(tenant, "GET", f"/functions/{urn}/statistics/5").json()[
        "welkin_metrics"
    ]
    return figures


def warm(fgs: Fgs, tenant: Tenant, urn: str, count: int) -> bool:
    return bool(until(lambda: metrics(fgs, tenant, urn)["instances"] == count))


def test_reserved_instances_take_the_cold_start_off_the_first_requests(fgs: Fgs, tenant: Tenant) -> None:
    fn = create(tenant.fgs, func_code=FuncCode(file=b64(zip_of({"index.py": PID}))))
    saved = reserve(tenant, fn.func_urn, 2, idle_mode=False)
    assert (saved.count, saved.idle_mode) == (2, False)
    assert listed(tenant, fn.func_urn) == {fn.func_urn: 2}
    assert listed(tenant)[fn.func_urn] == 2
    assert warm(fgs, tenant, fn.func_urn, 2)
    first = tenant.fgs.invoke_function(InvokeFunctionRequest(function_urn=fn.func_urn, body={}))
    assert first.status == 200, first.result
    figures = metrics(fgs, tenant, fn.func_urn)
    assert (figures["invocations"], figures["cold_starts"], figures["instances"]) == (1, 0, 2)

    # New code: the reservation moves to instances of it, started before any request.
    new_code = UpdateFunctionCodeRequestBody(
        code_type="zip", func_code=FuncCode(file=b64(zip_of({"index.py": PID.replace("1}", "2}")})))
    )
    tenant.fgs.update_function_code(UpdateFunctionCodeRequest(function_urn=fn.func_urn, body=new_code))
    time.sleep(2.5)  # one pass of the reservations
    assert warm(fgs, tenant, fn.func_urn, 2)
    second = tenant.fgs.invoke_function(InvokeFunctionRequest(function_urn=fn.func_urn, body={}))
    assert '"code": 2' in second.result
    assert metrics(fgs, tenant, fn.func_urn)["cold_starts"] == 0

    assert reserve(tenant, fn.func_urn, 0).count == 0
    assert listed(tenant, fn.func_urn) == {}


def test_a_version_or_an_alias_may_be_reserved_and_goes_with_its_function(fgs: Fgs, tenant: Tenant) -> None:
    fn = create(tenant.fgs)
    unqualified = fn.func_urn.rsplit(":", 1)[0]
    publish = CreateFunctionVersionRequestBody(version="v1")
    tenant.fgs.create_function_version(CreateFunctionVersionRequest(function_urn=fn.func_urn, body=publish))
    alias = CreateVersionAliasRequestBody(name="live", version="v1")
    tenant.fgs.create_version_alias(CreateVersionAliasRequest(function_urn=fn.func_urn, body=alias))
    reserve(tenant, f"{unqualified}:v1", 1)
    reserve(tenant, f"{unqualified}:!live", 1)
    assert listed(tenant, unqualified) == {f"{unqualified}:v1": 1, f"{unqualified}:!live": 1}
    assert listed(tenant, f"{unqualified}:live") == {f"{unqualified}:!live": 1}
    assert warm(fgs, tenant, unqualified, 2)  # both land on v1 and add up
    tenant.fgs.delete_version_alias(DeleteVersionAliasRequest(function_urn=unqualified, alias_name="live"))
    assert listed(tenant, unqualified) == {f"{unqualified}:v1": 1}
    publish = CreateFunctionVersionRequestBody(version="v2")
    tenant.fgs.create_function_version(CreateFunctionVersionRequest(function_urn=fn.func_urn, body=publish))
    reserve(tenant, f"{unqualified}:v2", 1)
    tenant.fgs.delete_function(DeleteFunctionRequest(function_urn=f"{unqualified}:v2"))
    assert f"{unqualified}:v2" not in listed(tenant, unqualified)
    tenant.fgs.delete_function(DeleteFunctionRequest(function_urn=unqualified))
    assert listed(tenant, None).get(f"{unqualified}:v1") is None


def test_a_count_beyond_the_limits_or_on_a_schedule_is_refused(tenant: Tenant) -> None:
    fn = create(tenant.fgs)
    most = UpdateFunctionMaxInstanceConfigRequestBody(max_instance_num=2)
    tenant.fgs.update_function_max_instance_config(
        UpdateFunctionMaxInstanceConfigRequest(function_urn=fn.func_urn, body=most)
    )
    above = failure(lambda: reserve(tenant, fn.func_urn, 3))
    assert (above.status_code, above.error_code) == (400, "FSS.0400")
    assert "max_instance_num" in above.error_msg
    negative = failure(lambda: reserve(tenant, fn.func_urn, -1))
    assert (negative.status_code, negative.error_code) == (400, "FSS.0400")
    cron = TacticsConfig(cron_configs=[CronConfig(name="day", cron="0 0 8 * * ?", count=1)])
    scheduled = failure(lambda: reserve(tenant, fn.func_urn, 1, tactics_config=cron))
    assert (scheduled.status_code, scheduled.error_code) == (400, "FSS.0400")
    assert "cron_configs" in scheduled.error_msg
    ghost = failure(lambda: reserve(tenant, fn.func_urn.replace(fn.func_name, "nobody"), 1))
    assert (ghost.status_code, ghost.error_code) == (404, "FSS.1051")
    assert listed(tenant, fn.func_urn) == {}


def test_reserved_instances_are_started_again_when_the_server_starts(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = start_welkin(data)
    try:
        fgs = Fgs(first, root_token(first.url))
        tenant = fgs.tenant()
        fn = create(tenant.fgs, func_code=FuncCode(file=b64(zip_of({"index.py": PID}))))
        reserve(tenant, fn.func_urn, 1)
        assert warm(fgs, tenant, fn.func_urn, 1)
    finally:
        stop_welkin(first)
    second = start_welkin(data)
    try:
        fgs = Fgs(second, root_token(second.url))
        client = fgs_client(second.url, tenant.access_key, tenant.secret_key, tenant.project_id)
        again = Tenant(**{**tenant.__dict__, "fgs": client})
        assert listed(again, fn.func_urn) == {fn.func_urn: 1}
        assert warm(fgs, again, fn.func_urn, 1)
        again.fgs.invoke_function(InvokeFunctionRequest(function_urn=fn.func_urn, body={}))
        assert metrics(fgs, again, fn.func_urn)["cold_starts"] == 0
    finally:
        stop_welkin(second)
