"""What the pool answers for one invocation, from what its instance did (or why it never ran)."""

from __future__ import annotations

from welkin.functions.instance import Instance, InstanceFailure, Outcome
from welkin.functions.spec import InstanceSpec, Invocation, InvocationResult


def result_of(
    spec: InstanceSpec, invocation: Invocation, instance: Instance, outcome: Outcome, init_ms: float | None
) -> InvocationResult:
    return InvocationResult(
        request_id=invocation.request_id,
        error=outcome.error,
        body=outcome.body,
        body_encoding=outcome.body_encoding,
        log=outcome.log.value(),
        log_truncated=outcome.log.truncated,
        duration_ms=outcome.duration_ms,
        init_duration_ms=init_ms,
        cold_start=init_ms is not None,
        billed_memory_mb=spec.memory_mb,
        instance_id=instance.id,
        pid=instance.pid,
    )


def failed_result(
    spec: InstanceSpec, invocation: Invocation, failure: InstanceFailure, init_ms: float
) -> InvocationResult:
    return InvocationResult(
        request_id=invocation.request_id,
        error=failure.error,
        body=b"",
        body_encoding="json",
        log=failure.log.value() if failure.log else b"",
        log_truncated=failure.log.truncated if failure.log else False,
        duration_ms=0.0,
        init_duration_ms=init_ms,
        cold_start=True,
        billed_memory_mb=spec.memory_mb,
        instance_id="",
        pid=0,
    )
