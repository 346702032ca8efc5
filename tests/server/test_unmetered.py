"""A region started with ``WELKIN_METERING=off`` serves S3 and FunctionGraph as usual but
meters nothing: no usage record is journaled, billing's totals stay empty. Started again with
metering on, over the same data, it meters from then on and billing counts that alone."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import boto3
import httpx
from botocore.config import Config
from huaweicloudsdkfunctiongraph.v2 import FuncCode

from tests.compat.functiongraph.conftest import HELLO, Fgs, Tenant, b64, create, zip_of
from tests.compat.functiongraph.test_restart import root_token
from tests.conftest import Welkin, start_welkin, stop_welkin

BUCKET = "unmetered-bucket"


def journaled_bytes(data: Path) -> int:
    """Bytes in the usage journals (data_dir/meter/<service>/): records not yet published or
    kept after it; an unmetered region writes none."""
    return sum(f.stat().st_size for f in (data / "meter").rglob("*") if f.is_file())


def billed(data: Path, account_id: str) -> dict[str, int]:
    with sqlite3.connect(data / "welkin.db") as db:
        rows = db.execute(
            "SELECT usage_type, SUM(quantity) FROM billing_usage_hourly"
            " WHERE account_id = ? GROUP BY usage_type",
            (account_id,),
        ).fetchall()
    return {usage_type: int(total) for usage_type, total in rows}


def put_and_invoke(server: Welkin, tenant: Tenant, token: str, urn: str, key: str) -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=tenant.access_key,
        aws_secret_access_key=tenant.secret_key,
        region_name="local-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"x" * 4096)
    response = httpx.post(
        f"{server.url}/v2/{tenant.project_id}/fgs/functions/{urn}/invocations",
        json={"key": key},
        headers={"X-Auth-Token": token},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert json.loads(response.json()["result"]) == {"hello": {"key": key}}


def test_an_unmetered_region_records_no_usage_until_metering_is_on(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_welkin(data, extra_env={"WELKIN_METERING": "off"})
    try:
        fgs = Fgs(server, root_token(server.url))
        tenant = fgs.tenant()
        token = fgs.token(tenant)
        urn = create(tenant.fgs, func_code=FuncCode(file=b64(zip_of({"index.py": HELLO})))).func_urn
        boto3.client(
            "s3",
            endpoint_url=server.url,
            aws_access_key_id=tenant.access_key,
            aws_secret_access_key=tenant.secret_key,
            region_name="local-1",
            config=Config(s3={"addressing_style": "path"}),
        ).create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "local-1"})
        put_and_invoke(server, tenant, token, urn, "first")
        time.sleep(1.5)  # three flushes of the meters' outboxes, were anything journaled
        assert journaled_bytes(data) == 0
        assert billed(data, tenant.account_id) == {}
        # The invocation is still logged; only billing's usage is not recorded.
        logs = httpx.get(
            f"{server.url}/v2/{tenant.project_id}/fgs/functions/{urn}/welkin-logs",
            headers={"X-Auth-Token": token},
            timeout=10,
        )
        assert logs.status_code == 200, logs.text
        assert len(logs.json()["logs"]) == 1
    finally:
        stop_welkin(server)

    server = start_welkin(data)
    try:
        put_and_invoke(server, tenant, token, urn, "second")
        expected = {"fgs_requests": 1, "obs_requests_write": 1}
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = billed(data, tenant.account_id)
            if {t: found.get(t) for t in expected} == expected:
                break
            time.sleep(0.1)
        found = billed(data, tenant.account_id)
        assert {t: found.get(t) for t in expected} == expected
        assert "obs_storage_standard" not in found  # the hours it was off were passed over
    finally:
        stop_welkin(server)
