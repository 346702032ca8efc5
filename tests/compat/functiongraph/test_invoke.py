"""InvokeFunction through huaweicloudsdkfunctiongraph against a real ``welkin up``: results,
log tails, FunctionGraph's error shape, limits, metrics, and a function that keeps its state in
Welkin's OBS with boto3 and its agency's temporary keys."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from typing import Any

import httpx
from huaweicloudsdkfunctiongraph.v2 import (
    FuncCode,
    InvokeFunctionRequest,
    ListFunctionStatisticsRequest,
    ListStatisticsRequest,
    NetworkControlConfig,
    ShowFunctionConfigRequest,
    StrategyConfig,
    UpdateFunctionConfigRequest,
    UpdateFunctionConfigRequestBody,
    UpdateFunctionMaxInstanceConfigRequest,
    UpdateFunctionMaxInstanceConfigRequestBody,
)

from tests.compat.functiongraph.agencies import agency_allowing
from tests.compat.functiongraph.conftest import Fgs, Tenant, b64, create, failure, unique, zip_of
from tests.compat.functiongraph.test_access import s3_for, user_with

PRINTS = """
def handler(event, context):
    print("hello from the function", context.getRequestID())
    context.getLogger().info("through the logger")
    if event.get("fail"):
        raise KeyError("asked to fail")
    return {"got": event, "name": context.getFunctionName()}
"""

SLEEPS = """
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return "done"
"""

SLEEPS_IN_ITS_PROCESS = """
import os
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "ppid": os.getppid()}
"""

CONNECTS = """
import os
import socket
from urllib.parse import urlsplit

def handler(event, context):
    where = urlsplit(os.environ["WELKIN_ENDPOINT"])
    try:
        socket.create_connection((where.hostname, where.port), timeout=2).close()
        return "connected"
    except OSError as exc:
        return type(exc).__name__
"""

# Keeps a counter in OBS with boto3 and the context's temporary keys; reports what it may not do.
COUNTER = """
import os
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

def handler(event, context):
    s3 = boto3.client(
        "s3",
        endpoint_url=os.environ["WELKIN_ENDPOINT"],
        aws_access_key_id=context.getAccessKey(),
        aws_secret_access_key=context.getSecretKey(),
        aws_session_token=context.getSecurityToken(),
        region_name="local-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    bucket = event["bucket"]
    try:
        count = int(s3.get_object(Bucket=bucket, Key="counter")["Body"].read())
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchKey":
            raise
        count = 0
    s3.put_object(Bucket=bucket, Key="counter", Body=str(count + 1).encode())
    try:
        s3.get_object(Bucket=event["forbidden"], Key="secret")
        forbidden = "read"
    except ClientError as exc:
        forbidden = exc.response["Error"]["Code"]
    return {"count": count + 1, "forbidden": forbidden}
"""


def invoke_raw(fgs: Fgs, tenant: Tenant, urn: str, event: Any, **headers: str) -> httpx.Response:
    token = fgs.token(tenant)
    url = f"{fgs.url}/v2/{tenant.project_id}/fgs/functions/{urn}/invocations"
    sent = {"X-Auth-Token": token, "Content-Type": "application/json", **headers}
    return httpx.post(url, json=event, headers=sent, timeout=60)


def test_a_deployed_zip_runs_and_its_log_tail_comes_back(fgs: Fgs, tenant: Tenant) -> None:
    created = create(tenant.fgs, unique("hello"), func_code=FuncCode(file=b64(zip_of({"index.py": PRINTS}))))
    response = tenant.fgs.invoke_function(
        InvokeFunctionRequest(function_urn=created.func_urn, x_cff_log_type="tail", body={"a": 1})
    )
    assert response.status == 200
    assert json.loads(response.result) == {"got": {"a": 1}, "name": created.func_name}
    assert f"hello from the function {response.request_id}" in response.log
    assert f"{response.request_id} INFO through the logger" in response.log
    assert response.x_cff_request_id == response.request_id
    # Without the header no log; v0 answers the return value itself, the log tail in base64.
    quiet = tenant.fgs.invoke_function(InvokeFunctionRequest(function_urn=created.func_urn, body={}))
    assert quiet.log == ""
    raw = invoke_raw(
        fgs, tenant, created.func_urn, {"b": 2}, **{"X-Cff-Log-Type": "tail", "X-CFF-Request-Version": "v0"}
    )
    assert raw.status_code == 200
    assert raw.json() == {"got": {"b": 2}, "name": created.func_name}
    request_id = raw.headers["x-cff-request-id"]
    assert (
        f"hello from the function {request_id}"
        in base64.b64decode(raw.headers["x-cff-function-log"]).decode()
    )
    assert raw.headers["x-is-func-err"] == "false"
    summary = json.loads(raw.headers["x-cff-invoke-summary"])
    assert summary["memorySize"] == 128
    assert summary["coldStart"] is False
    # The log is kept, by request id, for `welkin fn logs`.
    logs = fgs.raw(tenant, "GET", f"/functions/{created.func_urn}/welkin-logs?request_id={request_id}").json()
    [entry] = logs["logs"]
    assert entry["status"] == "success"
    assert "hello from the function" in entry["log"]


def test_a_failing_handler_answers_in_functiongraphs_error_shape(fgs: Fgs, tenant: Tenant) -> None:
    created = create(tenant.fgs, unique("fails"), func_code=FuncCode(file=b64(zip_of({"index.py": PRINTS}))))
    response = tenant.fgs.invoke_function(
        InvokeFunctionRequest(function_urn=created.func_urn, x_cff_log_type="tail", body={"fail": True})
    )
    assert response.status == 500
    error = json.loads(response.result)
    assert error["errorType"] == "KeyError"
    assert "asked to fail" in error["errorMessage"]
    assert any("index.py" in line for line in error["stackTrace"])
    assert "hello from the function" in response.log
    raw = invoke_raw(fgs, tenant, created.func_urn, {"fail": True})
    assert (raw.status_code, raw.headers["x-is-func-err"]) == (200, "true")
    assert raw.headers["x-func-err-code"] == "Runtime.UserCodeError"


def test_invocations_are_audited_with_the_changes(fgs: Fgs, tenant: Tenant) -> None:
    created = create(tenant.fgs, unique("audited"))
    assert invoke_raw(fgs, tenant, created.func_urn, {"n": 1}).status_code == 200
    missing = created.func_urn.replace(created.func_name, "no-such-function")
    assert invoke_raw(fgs, tenant, missing, {}).status_code == 404
    # Invocations are written in batches; reading the log writes what is waiting first.
    token = fgs.token(tenant)
    events = httpx.get(f"{fgs.url}/welkin/v1/audit?limit=1000", headers={"X-Auth-Token": token}).json()
    invokes = [e for e in events["events"] if e["action"] == "InvokeFunction"]
    assert {e["status"] for e in invokes if created.func_name in e["path"]} == {200}
    assert {e["status"] for e in invokes if "no-such-function" in e["path"]} == {404}
    assert any(e["action"] == "CreateFunction" and e["status"] == 200 for e in events["events"])


def test_refusals_are_functiongraph_errors(fgs: Fgs, tenant: Tenant) -> None:
    created = create(tenant.fgs, unique("guarded"))
    missing = created.func_urn.replace(created.func_name, "nobody-here")
    gone = failure(lambda: tenant.fgs.invoke_function(InvokeFunctionRequest(function_urn=missing, body={})))
    assert (gone.status_code, gone.error_code) == (404, "FSS.1051")
    _ak, _sk, reader = user_with(fgs, tenant, "fgs_readonly_access")
    denied = failure(
        lambda: reader.invoke_function(InvokeFunctionRequest(function_urn=created.func_urn, body={}))
    )
    assert (denied.status_code, denied.error_code) == (403, "FSS.0403")
    _ak, _sk, operator = user_with(fgs, tenant, "fgs_common_operations")
    assert (
        operator.invoke_function(InvokeFunctionRequest(function_urn=created.func_urn, body={})).status == 200
    )
    off = UpdateFunctionMaxInstanceConfigRequestBody(max_instance_num=0)
    tenant.fgs.update_function_max_instance_config(
        UpdateFunctionMaxInstanceConfigRequest(function_urn=created.func_urn, body=off)
    )
    disabled = failure(
        lambda: tenant.fgs.invoke_function(InvokeFunctionRequest(function_urn=created.func_urn, body={}))
    )
    assert (disabled.status_code, disabled.error_code) == (403, "FSS.0403")
    assert "max_instance_num" in disabled.error_msg


def test_beyond_the_instance_limit_is_429_and_metrics_count_it(fgs: Fgs, tenant: Tenant) -> None:
    created = create(tenant.fgs, unique("busy"), func_code=FuncCode(file=b64(zip_of({"index.py": SLEEPS}))))
    one = UpdateFunctionMaxInstanceConfigRequestBody(max_instance_num=1)
    tenant.fgs.update_function_max_instance_config(
        UpdateFunctionMaxInstanceConfigRequest(function_urn=created.func_urn, body=one)
    )
    answers: list[int] = []

    def slow() -> None:
        answers.append(invoke_raw(fgs, tenant, created.func_urn, {"sleep": 3}).status_code)

    worker = threading.Thread(target=slow)
    worker.start()
    try:
        time.sleep(1.0)
        busy = invoke_raw(fgs, tenant, created.func_urn, {})
    finally:
        worker.join()
    assert answers == [200]
    assert (busy.status_code, busy.json()["error_code"]) == (429, "FSS.0429")
    assert "maximum of 1 instances" in busy.json()["error_msg"]
    tenant.fgs.invoke_function(InvokeFunctionRequest(function_urn=created.func_urn, body={}))

    stats = tenant.fgs.list_function_statistics(
        ListFunctionStatisticsRequest(func_urn=created.func_urn, period="60")
    )
    assert sum(p.value for p in stats.count) == 2
    assert sum(p.value for p in stats.reject_count) == 1
    assert sum(p.value for p in stats.fail_count) == 0
    raw = fgs.raw(tenant, "GET", f"/functions/{created.func_urn}/statistics/60").json()["welkin_metrics"]
    assert (raw["invocations"], raw["cold_starts"], raw["throttles"], raw["instances"]) == (2, 1, 1, 1)
    assert raw["duration_p99_ms"] >= 3000
    monthly = tenant.fgs.list_statistics(ListStatisticsRequest(filter="monthly_report"))
    assert monthly.count[0].value >= 2
    assert monthly.gbs[0].value > 0.3  # 128 MB for 3 s is 0.375 GB-s


def configure(tenant: Tenant, created: Any, **fields: Any) -> Any:
    """UpdateFunctionConfig with what the SDK requires and ``fields``."""
    body = UpdateFunctionConfigRequestBody(
        func_name=created.func_name,
        runtime="Python3.11",
        handler="index.handler",
        memory_size=128,
        timeout=30,
        **fields,
    )
    request = UpdateFunctionConfigRequest(function_urn=created.func_urn, body=body)
    return tenant.fgs.update_function_config(request)


def test_one_instance_serves_concurrent_num_requests_at_once(fgs: Fgs, tenant: Tenant) -> None:
    code = FuncCode(file=b64(zip_of({"index.py": SLEEPS_IN_ITS_PROCESS})))
    created = create(tenant.fgs, unique("shared"), func_code=code)

    def configure_strategy(strategy: StrategyConfig) -> Any:
        return configure(tenant, created, strategy_config=strategy)

    for bad in (0, 1001):
        strategy = StrategyConfig(concurrency=1, concurrent_num=bad)
        refused = failure(lambda strategy=strategy: configure_strategy(strategy))
        assert (refused.status_code, refused.error_code) == (400, "FSS.0400")
        assert "concurrent_num" in refused.error_msg
    updated = configure_strategy(StrategyConfig(concurrency=1, concurrent_num=3))
    assert (updated.strategy_config.concurrency, updated.strategy_config.concurrent_num) == (1, 3)
    shown = tenant.fgs.show_function_config(ShowFunctionConfigRequest(function_urn=created.func_urn))
    assert shown.strategy_config.concurrent_num == 3

    # Three requests at once on a function limited to one instance: none is refused, all run in
    # the same instance, side by side (together they take about one sleep, not three).
    answers: list[httpx.Response] = []

    def call() -> None:
        answers.append(invoke_raw(fgs, tenant, created.func_urn, {"sleep": 1.5}))

    started = time.monotonic()
    workers = [threading.Thread(target=call) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({json.loads(a.json()["result"])["pid"] for a in answers}) == 1
    assert elapsed < 4.0
    summaries = [json.loads(a.headers["x-cff-invoke-summary"]) for a in answers]
    assert sum(s["coldStart"] for s in summaries) == 1


def test_a_function_without_public_network_reaches_nothing(fgs: Fgs, tenant: Tenant) -> None:
    code = FuncCode(file=b64(zip_of({"index.py": CONNECTS})))
    created = create(tenant.fgs, unique("offline"), func_code=code)

    def reach() -> str:
        answer = invoke_raw(fgs, tenant, created.func_urn, {})
        assert answer.status_code == 200, answer.text
        return str(json.loads(answer.json()["result"]))

    assert reach() == "connected"
    configure(tenant, created, network_controller=NetworkControlConfig(disable_public_network=True))
    shown = tenant.fgs.show_function_config(ShowFunctionConfigRequest(function_urn=created.func_urn))
    assert shown.network_controller.disable_public_network is True
    assert reach() != "connected"  # not even Welkin's own endpoint
    configure(tenant, created, network_controller=NetworkControlConfig(disable_public_network=False))
    assert reach() == "connected"
    vpcs = NetworkControlConfig(disable_public_network=True, trigger_access_vpcs=[{"vpc_id": "v"}])
    refused = failure(lambda: configure(tenant, created, network_controller=vpcs))
    assert (refused.status_code, refused.error_code) == (400, "FSS.0400")
    assert "trigger_access_vpcs" in refused.error_msg


def test_a_function_keeps_state_in_obs_with_its_agencys_keys(fgs: Fgs, tenant: Tenant) -> None:
    state, secret = f"state-{uuid.uuid4().hex[:8]}", f"secret-{uuid.uuid4().hex[:8]}"
    s3 = s3_for(fgs, tenant.access_key, tenant.secret_key)
    s3.create_bucket(Bucket=state)
    s3.create_bucket(Bucket=secret)
    s3.put_object(Bucket=secret, Key="secret", Body=b"not for functions")
    actions = ["obs:object:GetObject", "obs:object:PutObject"]
    agency = agency_allowing(fgs, tenant, actions, [f"obs:*:*:object:{state}/*"])

    package = zip_of({"index.py": COUNTER, "requirements.txt": "boto3\n"})
    created = create(tenant.fgs, unique("counter"), app_xrole=agency, func_code=FuncCode(file=b64(package)))
    event = {"bucket": state, "forbidden": secret}
    first = tenant.fgs.invoke_function(
        InvokeFunctionRequest(function_urn=created.func_urn, x_cff_log_type="tail", body=event)
    )
    assert first.status == 200, first.result + first.log
    second = tenant.fgs.invoke_function(InvokeFunctionRequest(function_urn=created.func_urn, body=event))
    assert json.loads(first.result) == {"count": 1, "forbidden": "AccessDenied"}
    assert json.loads(second.result) == {"count": 2, "forbidden": "AccessDenied"}
    assert s3.get_object(Bucket=state, Key="counter")["Body"].read() == b"2"
