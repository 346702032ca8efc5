"""Triggers firing in a real ``welkin up``: HTTP calls through /_apig, OBS uploads made with boto3
(and a function writing back into its own bucket), and a timer."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
from huaweicloudsdkfunctiongraph.v2 import (
    FuncCode,
    UpdateTriggerRequest,
    UpdateTriggerRequestBody,
)

from tests.compat.functiongraph.agencies import agency_allowing
from tests.compat.functiongraph.conftest import Fgs, Tenant, b64, create, unique, zip_of
from tests.compat.functiongraph.test_access import s3_for
from tests.compat.functiongraph.test_async import logs_of, until
from tests.compat.functiongraph.test_triggers import add_trigger

GATEWAY = """
import base64, json
def handler(event, context):
    body = base64.b64decode(event["body"]).decode() if event["isBase64Encoded"] else event["body"]
    if body == "garbage":
        return "not a response"
    seen = event["headers"]
    answer = {"method": event["httpMethod"], "path": event["path"], "query": event["queryStringParameters"],
              "body": body, "has_auth_header": "authorization" in seen or "x-auth-token" in seen}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(answer)}
"""

# in/K -> writes out/K holding the event; loop/K -> rewrites loop/K with a count one higher.
WRITER = """
import json, os
import boto3
from botocore.config import Config

def handler(event, context):
    record = event["Records"][0]
    bucket, key = record["s3"]["bucket"]["name"], record["s3"]["object"]["key"]
    s3 = boto3.client("s3", endpoint_url=os.environ["WELKIN_ENDPOINT"], region_name="local-1",
                      aws_access_key_id=context.getAccessKey(), aws_secret_access_key=context.getSecretKey(),
                      aws_session_token=context.getSecurityToken(),
                      config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
    if key.startswith("in/"):
        s3.put_object(Bucket=bucket, Key="out/" + key[3:], Body=json.dumps(event).encode())
    elif key.startswith("loop/"):
        count = int(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        s3.put_object(Bucket=bucket, Key=key, Body=str(count + 1).encode())
    return "ok"
"""


def deploy(tenant: Tenant, files: dict[str, str | bytes], **overrides: Any) -> Any:
    return create(tenant.fgs, unique("trig"), func_code=FuncCode(file=b64(zip_of(files))), **overrides)


def test_http_triggers_with_and_without_iam(fgs: Fgs, tenant: Tenant) -> None:
    fn = deploy(tenant, {"index.py": GATEWAY})
    open_path, private_path = f"/{unique('open')}", f"/{unique('private')}"
    public = add_trigger(tenant, fn.func_urn, "APIG", path=open_path, auth="NONE", match_mode="SWA")
    private = add_trigger(tenant, fn.func_urn, "APIG", path=private_path, auth="IAM", req_method="POST")

    resp = httpx.post(public.event_data.invoke_url + "/items?color=red", content=b"hello", timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "method": "POST", "path": f"{open_path}/items", "query": {"color": "red"}, "body": "hello",
        "has_auth_header": False,
    }  # fmt: skip
    # Served on the console's origin: its scripts may run, but never as that origin.
    assert resp.headers["content-security-policy"].startswith("sandbox allow-scripts")
    assert "allow-same-origin" not in resp.headers["content-security-policy"]
    garbage = httpx.post(public.event_data.invoke_url, content=b"garbage", timeout=30)
    assert (garbage.status_code, garbage.json()["error_code"]) == (502, "FSS.0502")

    url = private.event_data.invoke_url
    assert httpx.post(url, content=b"x", timeout=30).json()["error_code"] == "FSS.0401"
    signed_in = httpx.post(url, content=b"x", headers={"X-Auth-Token": fgs.token(tenant)}, timeout=30)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["has_auth_header"] is False  # credentials are not passed on
    stranger = fgs.tenant()
    denied = httpx.post(url, content=b"x", headers={"X-Auth-Token": fgs.token(stranger)}, timeout=30)
    assert (denied.status_code, denied.json()["error_code"]) == (403, "FSS.0403")
    wrong_method = httpx.get(url, headers={"X-Auth-Token": fgs.token(tenant)}, timeout=30)
    assert wrong_method.status_code == 404


def test_an_obs_upload_fires_a_function_that_writes_back_without_looping(fgs: Fgs, tenant: Tenant) -> None:
    bucket = f"uploads-{uuid.uuid4().hex[:8]}"
    s3 = s3_for(fgs, tenant.access_key, tenant.secret_key)
    s3.create_bucket(Bucket=bucket)
    actions = ["obs:object:GetObject", "obs:object:PutObject"]
    agency = agency_allowing(fgs, tenant, actions, [f"obs:*:*:object:{bucket}/*"])
    fn = deploy(tenant, {"index.py": WRITER, "requirements.txt": "boto3\n"}, app_xrole=agency)
    add_trigger(tenant, fn.func_urn, "OBS", bucket=bucket, events=["s3:ObjectCreated:*"])

    s3.put_object(Bucket=bucket, Key="in/photo.jpg", Body=b"pixels")
    written = until(lambda: _read(s3, bucket, "out/photo.jpg"), timeout=60)
    assert written, "the function never wrote its output"
    [record] = json.loads(written)["Records"]
    assert (record["eventName"], record["s3"]["object"]["key"]) == ("ObjectCreated:Put", "in/photo.jpg")
    assert record["s3"]["bucket"]["name"] == bucket

    # The function rewrites loop/n each time it is fired for it: the guard stops it after 16 turns.
    s3.put_object(Bucket=bucket, Key="loop/n", Body=b"0")
    assert until(lambda: _read(s3, bucket, "loop/n") == b"16", timeout=90), _read(s3, bucket, "loop/n")
    time.sleep(3)
    assert _read(s3, bucket, "loop/n") == b"16"


def _read(s3: Any, bucket: str, key: str) -> bytes | None:
    try:
        body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return body


def test_a_timer_fires_until_disabled(fgs: Fgs, tenant: Tenant) -> None:
    fn = deploy(
        tenant, {"index.py": "def handler(event, context):\n    print('tick', event)\n    return 1\n"}
    )
    made = add_trigger(
        tenant, fn.func_urn, "TIMER", name="fast", schedule_type="Cron", schedule="@every 1s", user_event="u1"
    )

    def ticks() -> list[dict[str, Any]]:
        return [e for e in logs_of(fgs, tenant, fn.func_urn) if e["source"] == "timer"]

    assert until(lambda: len(ticks()) >= 2, timeout=30)
    assert "'user_event': 'u1'" in ticks()[0]["log"]
    ids = {"function_urn": fn.func_urn, "trigger_type_code": "TIMER", "trigger_id": made.trigger_id}
    off = UpdateTriggerRequestBody(trigger_status="DISABLED")
    tenant.fgs.update_trigger(UpdateTriggerRequest(**ids, body=off))
    time.sleep(2)  # what was already queued runs
    settled = len(ticks())
    time.sleep(3)
    assert len(ticks()) == settled
