"""Trigger management through the real FunctionGraph SDK: timers, HTTP (APIG) and OBS triggers."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from huaweicloudsdkfunctiongraph.v2 import (
    BatchDeleteFunctionTriggersRequest,
    CreateFunctionTriggerRequest,
    CreateFunctionTriggerRequestBody,
    DeleteFunctionRequest,
    DeleteFunctionTriggerRequest,
    ListFunctionTriggersRequest,
    ShowFunctionTriggerRequest,
    TriggerEventDataRequestBody,
    UpdateTriggerRequest,
    UpdateTriggerRequestBody,
)

from tests.compat.functiongraph.conftest import Fgs, Tenant, create, failure, unique


def s3_of(fgs: Fgs, tenant: Tenant) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=fgs.url,
        aws_access_key_id=tenant.access_key,
        aws_secret_access_key=tenant.secret_key,
        region_name="local-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def add_trigger(tenant: Tenant, urn: str, code: str, status: str | None = None, **data: Any) -> Any:
    body = CreateFunctionTriggerRequestBody(
        trigger_type_code=code, trigger_status=status, event_data=TriggerEventDataRequestBody(**data)
    )
    return tenant.fgs.create_function_trigger(CreateFunctionTriggerRequest(function_urn=urn, body=body))


def test_timer_trigger_lifecycle(tenant: Tenant) -> None:
    fn = create(tenant.fgs)
    made = add_trigger(
        tenant, fn.func_urn, "TIMER", name="every-5m", schedule_type="Rate", schedule="5m", user_event="tick"
    )
    assert made.trigger_type_code == "TIMER"
    assert made.trigger_status == "ACTIVE"
    assert (made.event_data.schedule, made.event_data.user_event) == ("5m", "tick")
    assert made.event_data.triggerid == made.trigger_id
    listed = tenant.fgs.list_function_triggers(ListFunctionTriggersRequest(function_urn=fn.func_urn)).body
    assert [t.trigger_id for t in listed] == [made.trigger_id]
    ids = {"function_urn": fn.func_urn, "trigger_type_code": "TIMER", "trigger_id": made.trigger_id}
    shown = tenant.fgs.show_function_trigger(ShowFunctionTriggerRequest(**ids))
    assert shown.event_data.schedule_type == "Rate"
    off = tenant.fgs.update_trigger(
        UpdateTriggerRequest(**ids, body=UpdateTriggerRequestBody(trigger_status="DISABLED"))
    )
    assert off.trigger_status == "DISABLED"
    assert tenant.fgs.show_function_trigger(ShowFunctionTriggerRequest(**ids)).trigger_status == "DISABLED"
    tenant.fgs.delete_function_trigger(DeleteFunctionTriggerRequest(**ids))
    gone = failure(lambda: tenant.fgs.show_function_trigger(ShowFunctionTriggerRequest(**ids)))
    assert (gone.status_code, gone.error_code) == (404, "FSS.0404")


def test_cron_and_bad_schedules(tenant: Tenant) -> None:
    fn = create(tenant.fgs)
    made = add_trigger(
        tenant, fn.func_urn, "TIMER", name="nightly", schedule_type="Cron", schedule="0 30 2 * * ?"
    )
    assert made.event_data.schedule == "0 30 2 * * ?"
    for schedule_type, schedule in (
        ("Cron", "* * *"),
        ("Rate", "61m"),
        ("Rate", "soon"),
        ("Weekly", "1"),
        ("Cron", "0 0 0 30 FEB *"),
    ):
        fields = {"name": unique(), "schedule_type": schedule_type, "schedule": schedule}
        bad = failure(lambda fields=fields: add_trigger(tenant, fn.func_urn, "TIMER", **fields))
        assert (bad.status_code, bad.error_code) == (400, "FSS.0400"), bad.error_msg


def test_http_trigger_reports_its_invoke_url(fgs: Fgs, tenant: Tenant) -> None:
    fn = create(tenant.fgs)
    path = f"/{unique('api')}"
    made = add_trigger(
        tenant, fn.func_urn, "APIG", name="api", path=path, req_method="GET", auth="NONE",
        match_mode="NORMAL", protocol="HTTPS", type=1, env_name="RELEASE", group_id="g1",
    )  # fmt: skip
    data = made.event_data
    assert data.invoke_url == f"{fgs.url}/_apig/{tenant.project_id}{path}"
    assert (data.path, data.req_method, data.auth, data.env_name) == (path, "GET", "NONE", "RELEASE")
    # The same method and path twice in one project is refused.
    clash = failure(lambda: add_trigger(tenant, fn.func_urn, "APIG", name="again", path=path, auth="IAM"))
    assert (clash.status_code, clash.error_code) == (409, "FSS.0409")
    for field, value in (("auth", "APP"), ("req_method", "BREW"), ("path", "no-slash"), ("match_mode", "X")):
        fields = {"name": unique(), field: value}
        bad = failure(lambda fields=fields: add_trigger(tenant, fn.func_urn, "APIG", **fields))
        assert (bad.status_code, bad.error_code) == (400, "FSS.0400"), bad.error_msg


def test_obs_trigger_manages_the_bucket_notification(fgs: Fgs, tenant: Tenant) -> None:
    s3 = s3_of(fgs, tenant)
    bucket = unique("trig")
    s3.create_bucket(Bucket=bucket)
    fn = create(tenant.fgs)
    made = add_trigger(
        tenant,
        fn.func_urn,
        "OBS",
        bucket=bucket,
        events=["ObjectCreated", "s3:ObjectRemoved:*"],
        prefix="in/",
    )
    assert (made.event_data.bucket, made.event_data.prefix) == (bucket, "in/")
    config = s3.get_bucket_notification_configuration(Bucket=bucket)
    [entry] = config["LambdaFunctionConfigurations"]
    assert entry["Id"] == f"fgs-trigger-{made.trigger_id}"
    assert entry["LambdaFunctionArn"] == fn.func_urn.rsplit(":", 1)[0]
    assert sorted(entry["Events"]) == ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]
    ids = {"function_urn": fn.func_urn, "trigger_type_code": "OBS", "trigger_id": made.trigger_id}
    tenant.fgs.delete_function_trigger(DeleteFunctionTriggerRequest(**ids))
    assert "LambdaFunctionConfigurations" not in s3.get_bucket_notification_configuration(Bucket=bucket)


def test_obs_trigger_needs_an_own_bucket_and_known_events(fgs: Fgs, tenant: Tenant) -> None:
    fn = create(tenant.fgs)
    missing = failure(
        lambda: add_trigger(tenant, fn.func_urn, "OBS", bucket=unique("none"), events=["ObjectCreated"])
    )
    assert (missing.status_code, missing.error_code) == (400, "FSS.0400")
    other = fgs.tenant()
    theirs = unique("theirs")
    s3_of(fgs, other).create_bucket(Bucket=theirs)
    denied = failure(lambda: add_trigger(tenant, fn.func_urn, "OBS", bucket=theirs, events=["ObjectCreated"]))
    assert (denied.status_code, denied.error_code) == (403, "FSS.0403")
    mine = unique("mine")
    s3_of(fgs, tenant).create_bucket(Bucket=mine)
    bad = failure(lambda: add_trigger(tenant, fn.func_urn, "OBS", bucket=mine, events=["ObjectExploded"]))
    assert (bad.status_code, bad.error_code) == (400, "FSS.0400")


def test_unknown_types_functions_and_batch_delete(tenant: Tenant) -> None:
    fn = create(tenant.fgs)
    kafka = failure(lambda: add_trigger(tenant, fn.func_urn, "KAFKA", name="k"))
    assert (kafka.status_code, kafka.error_code) == (400, "FSS.0400")
    assert "TIMER" in kafka.error_msg
    urn = fn.func_urn.replace(fn.func_name, unique("ghost"))
    ghost = failure(lambda: add_trigger(tenant, urn, "TIMER", name="t", schedule_type="Rate", schedule="1m"))
    assert (ghost.status_code, ghost.error_code) == (404, "FSS.1051")
    for minutes in (1, 2, 3):
        add_trigger(
            tenant, fn.func_urn, "TIMER", name=f"t{minutes}", schedule_type="Rate", schedule=f"{minutes}m"
        )
    tenant.fgs.batch_delete_function_triggers(BatchDeleteFunctionTriggersRequest(function_urn=fn.func_urn))
    # The SDK reads an empty list back as None.
    assert not tenant.fgs.list_function_triggers(ListFunctionTriggersRequest(function_urn=fn.func_urn)).body


def test_triggers_go_with_their_function(tenant: Tenant) -> None:
    fn = create(tenant.fgs)
    add_trigger(tenant, fn.func_urn, "TIMER", name="t", schedule_type="Rate", schedule="1h")
    unqualified = fn.func_urn.rsplit(":", 1)[0]
    tenant.fgs.delete_function(DeleteFunctionRequest(function_urn=unqualified))
    again = create(tenant.fgs, fn.func_name, description="made again")
    assert not tenant.fgs.list_function_triggers(
        ListFunctionTriggersRequest(function_urn=again.func_urn)
    ).body


def test_deleting_a_function_removes_its_entries_from_the_bucket(fgs: Fgs, tenant: Tenant) -> None:
    s3 = s3_of(fgs, tenant)
    bucket = unique("gone")
    s3.create_bucket(Bucket=bucket)
    doomed, kept = create(tenant.fgs), create(tenant.fgs)
    for suffix in (".jpg", ".png"):
        add_trigger(tenant, doomed.func_urn, "OBS", bucket=bucket, events=["ObjectCreated"], suffix=suffix)
    survivor = add_trigger(tenant, kept.func_urn, "OBS", bucket=bucket, events=["ObjectRemoved"])
    assert len(s3.get_bucket_notification_configuration(Bucket=bucket)["LambdaFunctionConfigurations"]) == 3
    tenant.fgs.delete_function(DeleteFunctionRequest(function_urn=doomed.func_urn.rsplit(":", 1)[0]))
    [entry] = s3.get_bucket_notification_configuration(Bucket=bucket)["LambdaFunctionConfigurations"]
    assert entry["Id"] == f"fgs-trigger-{survivor.trigger_id}"
    tenant.fgs.delete_function(DeleteFunctionRequest(function_urn=kept.func_urn.rsplit(":", 1)[0]))
    assert "LambdaFunctionConfigurations" not in s3.get_bucket_notification_configuration(Bucket=bucket)
