"""CancelAsyncInvocation through huaweicloudsdkfunctiongraph: an invocation waiting for its retry
is cancelled and never runs again; a running or finished one, or an unknown id, is refused.

A server of its own, whose retries wait 30 s, so that a failed invocation stays waiting.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from huaweicloudsdkfunctiongraph.v2 import (
    AsyncInvokeFunctionRequest,
    CancelAsyncInvocationRequest,
    CancelAsyncInvocationRequestBody,
)

from tests.compat.functiongraph.conftest import Fgs, Tenant, failure
from tests.compat.functiongraph.test_async import ECHO, FAILS, configure, deploy, logs_of, status_of, until
from tests.compat.functiongraph.test_restart import root_token
from tests.conftest import start_welkin, stop_welkin


@pytest.fixture(scope="module")
def slow_retries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fgs]:
    data = tmp_path_factory.mktemp("cancel") / "data"
    data.mkdir()
    (data / "welkin.toml").write_text("functions_async_retry_ms = 30000\n")
    server = start_welkin(data)
    try:
        yield Fgs(server, root_token(server.url))
    finally:
        stop_welkin(server)


def cancel(tenant: Tenant, urn: str, request_id: str, kind: str | None = None) -> None:
    body = CancelAsyncInvocationRequestBody(request_id=request_id, type=kind)
    tenant.fgs.cancel_async_invocation(CancelAsyncInvocationRequest(function_urn=urn, body=body))


def test_a_retrying_invocation_is_cancelled_and_never_runs_again(slow_retries: Fgs) -> None:
    tenant = slow_retries.tenant()
    fn = deploy(tenant, FAILS)
    configure(tenant, fn.func_urn, 3)
    request_id = tenant.fgs.async_invoke_function(
        AsyncInvokeFunctionRequest(function_urn=fn.func_urn, body={})
    ).request_id
    waiting = until(
        lambda: (
            (item := status_of(tenant, fn.func_urn, request_id)) is not None
            and item.status == "WAIT"
            and "always fails" in item.error_message
        )
    )
    assert waiting, "the first attempt never failed"
    cancel(tenant, fn.func_urn, request_id, "force")
    item = status_of(tenant, fn.func_urn, request_id)
    assert (item.status, item.error_code, item.error_message) == (
        "FAIL",
        4208,
        "function invocation canceled",
    )
    assert item.end_time is not None
    again = failure(lambda: cancel(tenant, fn.func_urn, request_id))
    assert (again.status_code, again.error_code) == (409, "FSS.0409")
    assert "FAIL" in again.error_msg
    time.sleep(0.5)
    assert len(logs_of(slow_retries, tenant, fn.func_urn, f"&request_id={request_id}")) == 1


def test_running_finished_and_unknown_invocations_are_refused(slow_retries: Fgs) -> None:
    tenant = slow_retries.tenant()
    fn = deploy(tenant, ECHO)
    request_id = tenant.fgs.async_invoke_function(
        AsyncInvokeFunctionRequest(function_urn=fn.func_urn, body={"sleep": 2})
    ).request_id
    assert until(lambda: status_of(tenant, fn.func_urn, request_id).status == "RUNNING")
    running = failure(lambda: cancel(tenant, fn.func_urn, request_id))
    assert (running.status_code, running.error_code) == (409, "FSS.0409")
    assert "RUNNING" in running.error_msg
    assert until(lambda: status_of(tenant, fn.func_urn, request_id).status == "SUCCESS")
    done = failure(lambda: cancel(tenant, fn.func_urn, request_id))
    assert (done.status_code, done.error_code) == (409, "FSS.0409")
    unknown = failure(lambda: cancel(tenant, fn.func_urn, "no-such-request"))
    assert (unknown.status_code, unknown.error_code) == (400, "FSS.0400")
    assert "Invalid RequestId" in unknown.error_msg
    other = deploy(tenant, ECHO)
    elsewhere = failure(lambda: cancel(tenant, other.func_urn, request_id))
    assert (elsewhere.status_code, elsewhere.error_code) == (400, "FSS.0400")
    bad_type = failure(lambda: cancel(tenant, fn.func_urn, request_id, "gentle"))
    assert (bad_type.status_code, bad_type.error_code) == (400, "FSS.0400")
