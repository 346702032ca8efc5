"""AsyncInvokeFunction through huaweicloudsdkfunctiongraph: the durable queue runs the
invocation, retries a failing one, sends the record to its destinations, keeps its settings,
and finishes what was queued or running when the server stopped."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from huaweicloudsdkfunctiongraph.v2 import (
    AsyncInvokeFunctionRequest,
    DeleteFunctionAsyncInvokeConfigRequest,
    FuncAsyncDestinationConfig,
    FuncCode,
    FuncDestinationConfig,
    ListAsyncInvocationsRequest,
    ListFunctionAsyncInvokeConfigRequest,
    ShowFunctionAsyncInvokeConfigRequest,
    UpdateFunctionAsyncInvokeConfigRequest,
    UpdateFunctionAsyncInvokeConfigRequestBody,
)

from tests.compat.functiongraph.agencies import agency_allowing
from tests.compat.functiongraph.conftest import Fgs, Tenant, b64, create, failure, fgs_client, unique, zip_of
from tests.compat.functiongraph.test_access import s3_for
from tests.compat.functiongraph.test_restart import root_token
from tests.conftest import start_welkin, stop_welkin

ECHO = """
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    print("echo ran", context.getRequestID())
    return {"echoed": event}
"""

FAILS = """
def handler(event, context):
    print("attempt of", context.getRequestID())
    raise RuntimeError("always fails")
"""

RECORDS = """
import json
def handler(event, context):
    print("record", json.dumps(event))
    return "noted"
"""


def deploy(tenant: Tenant, source: str, **overrides: Any) -> Any:
    return create(
        tenant.fgs, unique("async"), func_code=FuncCode(file=b64(zip_of({"index.py": source}))), **overrides
    )


def until(check: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def status_of(tenant: Tenant, urn: str, request_id: str) -> Any:
    found = tenant.fgs.list_async_invocations(
        ListAsyncInvocationsRequest(function_urn=urn, request_id=request_id)
    )
    return found.invocations[0] if found.invocations else None


def settled(tenant: Tenant, urn: str, request_id: str, timeout: float = 30) -> Any:
    def done() -> Any:
        item = status_of(tenant, urn, request_id)
        return item if item is not None and item.status in ("SUCCESS", "FAIL", "DISCARD") else None

    return until(done, timeout)


def logs_of(fgs: Fgs, tenant: Tenant, urn: str, query: str = "") -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = fgs.raw(
        tenant, "GET", f"/functions/{urn}/welkin-logs?limit=200{query}"
    ).json()["logs"]
    return found


def configure(
    tenant: Tenant,
    urn: str,
    retries: int,
    success: FuncDestinationConfig | None = None,
    failure_to: FuncDestinationConfig | None = None,
) -> Any:
    body = UpdateFunctionAsyncInvokeConfigRequestBody(
        max_async_event_age_in_seconds=3600,
        max_async_retry_attempts=retries,
        destination_config=FuncAsyncDestinationConfig(on_success=success, on_failure=failure_to),
    )
    return tenant.fgs.update_function_async_invoke_config(
        UpdateFunctionAsyncInvokeConfigRequest(function_urn=urn, body=body)
    )


def test_an_async_invocation_runs_and_reaches_its_function_destination(fgs: Fgs, tenant: Tenant) -> None:
    echo, sink = deploy(tenant, ECHO), deploy(tenant, RECORDS)
    destination = FuncDestinationConfig(
        destination="FunctionGraph", param=json.dumps({"func_urn": sink.func_urn})
    )
    saved = configure(tenant, echo.func_urn, 1, success=destination)
    assert saved.max_async_retry_attempts == 1
    assert saved.destination_config.on_success.destination == "FunctionGraph"
    accepted = tenant.fgs.async_invoke_function(
        AsyncInvokeFunctionRequest(function_urn=echo.func_urn, body={"n": 7})
    )
    request_id = accepted.request_id
    item = settled(tenant, echo.func_urn, request_id)
    assert (item.status, item.error_code) == ("SUCCESS", 0)
    assert item.start_time is not None
    records = until(lambda: [e for e in logs_of(fgs, tenant, sink.func_urn) if request_id in e["log"]])
    assert records, "the destination function never got the record"
    record = json.loads(records[0]["log"].split("record ", 1)[1])
    assert record["request_context"]["request_id"] == request_id
    assert record["request_context"]["condition"] == "Success"
    assert record["request_payload"] == {"n": 7}
    assert record["response_payload"] == {"echoed": {"n": 7}}
    assert [e["source"] for e in logs_of(fgs, tenant, echo.func_urn, f"&request_id={request_id}")] == [
        "async"
    ]


def test_a_failing_invocation_is_retried_then_recorded_in_obs(fgs: Fgs, tenant: Tenant) -> None:
    bucket = f"failures-{uuid.uuid4().hex[:8]}"
    s3 = s3_for(fgs, tenant.access_key, tenant.secret_key)
    s3.create_bucket(Bucket=bucket)
    agency = agency_allowing(fgs, tenant, ["obs:object:PutObject"], [f"obs:*:*:object:{bucket}/*"])
    fails = deploy(tenant, FAILS, app_xrole=agency)
    destination = FuncDestinationConfig(
        destination="OBS", param=json.dumps({"bucket": bucket, "prefix": "dead"})
    )
    configure(tenant, fails.func_urn, 2, failure_to=destination)
    request_id = tenant.fgs.async_invoke_function(
        AsyncInvokeFunctionRequest(function_urn=fails.func_urn, body={"x": 1})
    ).request_id
    item = settled(tenant, fails.func_urn, request_id)
    assert item.status == "FAIL"
    assert "always fails" in item.error_message
    attempts = logs_of(fgs, tenant, fails.func_urn, f"&request_id={request_id}")
    assert len(attempts) == 3  # the first attempt and two retries
    key = f"dead/{request_id}.json"
    stored = until(lambda: _object(s3, bucket, key))
    record = json.loads(stored)
    assert record["request_context"]["condition"] == "RetriesExhausted"
    assert record["request_context"]["approximate_invoke_count"] == 3
    assert record["response_payload"]["errorType"] == "RuntimeError"


def _object(s3: Any, bucket: str, key: str) -> bytes | None:
    try:
        body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return body


def test_async_settings_are_shown_listed_and_deleted(tenant: Tenant) -> None:
    fn = deploy(tenant, ECHO)
    urn = fn.func_urn
    missing = failure(
        lambda: tenant.fgs.show_function_async_invoke_config(
            ShowFunctionAsyncInvokeConfigRequest(function_urn=urn)
        )
    )
    assert (missing.status_code, missing.error_code) == (404, "FSS.0404")
    configure(tenant, urn, 0)
    shown = tenant.fgs.show_function_async_invoke_config(
        ShowFunctionAsyncInvokeConfigRequest(function_urn=urn)
    )
    assert (shown.max_async_retry_attempts, shown.max_async_event_age_in_seconds) == (0, 3600)
    assert shown.func_urn == urn.removesuffix(":latest")
    listed = tenant.fgs.list_function_async_invoke_config(
        ListFunctionAsyncInvokeConfigRequest(function_urn=urn)
    )
    assert listed.count == 1
    bad = FuncDestinationConfig(destination="SMN", param="{}")
    refused = failure(lambda: configure(tenant, urn, 1, success=bad))
    assert (refused.status_code, refused.error_code) == (400, "FSS.0400")
    tenant.fgs.delete_function_async_invoke_config(DeleteFunctionAsyncInvokeConfigRequest(function_urn=urn))
    assert (
        failure(
            lambda: tenant.fgs.show_function_async_invoke_config(
                ShowFunctionAsyncInvokeConfigRequest(function_urn=urn)
            )
        ).status_code
        == 404
    )
    gone = urn.replace(fn.func_name, "nobody-here")
    unknown = failure(
        lambda: tenant.fgs.async_invoke_function(AsyncInvokeFunctionRequest(function_urn=gone, body={}))
    )
    assert (unknown.status_code, unknown.error_code) == (404, "FSS.1051")


def test_queued_and_running_invocations_finish_after_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = start_welkin(data)
    try:
        tenant = Fgs(first, root_token(first.url)).tenant()
        fn = deploy(tenant, ECHO)
        ids = [
            tenant.fgs.async_invoke_function(
                AsyncInvokeFunctionRequest(function_urn=fn.func_urn, body={"sleep": 2, "i": i})
            ).request_id
            for i in range(3)
        ]
        until(lambda: status_of(tenant, fn.func_urn, ids[0]).status == "RUNNING", 10)
    finally:
        stop_welkin(first)
    second = start_welkin(data)
    try:
        client = fgs_client(second.url, tenant.access_key, tenant.secret_key, tenant.project_id)
        again = Tenant(**{**tenant.__dict__, "fgs": client})
        for request_id in ids:
            item = settled(again, fn.func_urn, request_id, 60)
            assert item is not None, request_id
            assert item.status == "SUCCESS", request_id
    finally:
        stop_welkin(second)
