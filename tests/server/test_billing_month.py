"""A scripted month, end to end: a region served over HTTP on a clock the test moves, two
accounts using OBS through boto3 and FunctionGraph through huaweicloudsdkfunctiongraph from
January 30th to February 1st, January closed, and every line of both months' invoices
checked against totals this test works out on its own from what it did.

The test keeps its own ledger while it acts: each request it made and how OBS classes it,
the body bytes it received, each invocation's billed duration and memory as the response's
``X-Cff-Invoke-Summary`` reported them, and what each bucket held at the end of every hour.
From the ledger and the price list below it prices each month (free tier to the earliest
usage, a price change on February 1st, amounts to 8 places) and compares line by line.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_handler import HttpHandler
from huaweicloudsdkfunctiongraph.v2 import FunctionGraphClient, InvokeFunctionRequest

from tests.compat.functiongraph.conftest import create
from tests.conftest import ROOT_PASSWORD
from tests.inprocess import InProcess, serve_region
from welkin.config import Settings
from welkin.core.clock import ManualClock

REGION = "local-1"
GIB = Decimal(1 << 30)
KIB = 1024
MIN_OBJECT = 64 * KIB  # OBS bills a smaller object as 64 KB
START = datetime(2026, 1, 30, 10, 0, tzinfo=UTC)
FEBRUARY = datetime(2026, 2, 1, tzinfo=UTC)
YEAR = datetime(2026, 1, 1, tzinfo=UTC)

# (usage type, unit, base units per unit, per, [(from, price)], free per month)
PRICES: dict[str, tuple[str, Decimal, int, list[tuple[datetime, Decimal]], int]] = {
    "fgs_requests": ("request", Decimal(1), 1000, [(YEAR, Decimal("2.00"))], 5),
    "fgs_duration": (
        "GB-second",
        Decimal(1024 * 1000),
        1,
        [(YEAR, Decimal("1.00")), (FEBRUARY, Decimal("2.00"))],
        0,
    ),
    "obs_storage_standard": ("GB-hour", GIB, 1, [(YEAR, Decimal("0.01"))], 0),
    "obs_requests_write": (
        "request",
        Decimal(1),
        1000,
        [(YEAR, Decimal("0.50"))],
        0,
    ),
    "obs_requests_read": (
        "request",
        Decimal(1),
        1000,
        [(YEAR, Decimal("0.04"))],
        0,
    ),
    "obs_traffic_out": ("GB", GIB, 1, [(YEAR, Decimal("0.10"))], 0),
}
SERVICES = {"fgs": ("hws.service.type.functiongraph", "hws.resource.type.function")}
OBS = ("hws.service.type.obs", "hws.resource.type.obs")


def catalog_toml() -> str:
    out = ['currency = "USD"\n']
    for usage_type, (unit, _base, per, versions, free) in PRICES.items():
        service, resource = SERVICES["fgs"] if usage_type.startswith("fgs") else OBS
        for since, price in versions:
            out.append(
                f'[[price]]\nusage_type = "{usage_type}"\nservice_type = "{service}"\n'
                f'resource_type = "{resource}"\nunit = "{unit}"\nper = {per}\nprice = "{price}"\n'
                f"free_per_month = {free}\neffective_from = {since.strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
            )
    return "\n".join(out)


@dataclass
class Ledger:
    """What the test did, in base units: (UTC hour, usage type, resource) -> quantity."""

    usage: dict[tuple[datetime, str, str], int] = field(default_factory=lambda: defaultdict(int))

    def add(self, at: datetime, usage_type: str, resource: str, quantity: int) -> None:
        if quantity:
            self.usage[(at.replace(minute=0, second=0, microsecond=0), usage_type, resource)] += quantity

    def invoice(
        self, month: str, resources: set[str]
    ) -> dict[tuple[str, str, str], tuple[Decimal, Decimal, Decimal]]:
        """One account's month, ``resources`` being what it owns: (usage type, resource, price
        from) -> (quantity, free applied, amount)."""
        rows = sorted(
            (usage_type, hour, resource, quantity)
            for (hour, usage_type, resource), quantity in self.usage.items()
            if hour.strftime("%Y-%m") == month and resource in resources
        )
        sums: dict[tuple[str, str, str], list[Decimal]] = {}
        free_left = {usage_type: Decimal(spec[4]) * spec[1] for usage_type, spec in PRICES.items()}
        for usage_type, hour, resource, quantity in rows:
            since = max(s for s, _ in PRICES[usage_type][3] if s <= hour)
            free = min(Decimal(quantity), free_left[usage_type])
            free_left[usage_type] -= free
            line = sums.setdefault((usage_type, resource, since.isoformat()), [Decimal(0)] * 3)
            line[0] += quantity
            line[1] += free
            line[2] += quantity - free
        out = {}
        for (usage_type, resource, since), (quantity, free, payable) in sums.items():
            _unit, base, per, versions, _free = PRICES[usage_type]
            price = dict((s.isoformat(), p) for s, p in versions)[since]
            amount = (payable / base * price / per).quantize(Decimal("0.00000001"), ROUND_HALF_UP)
            out[(usage_type, resource, since)] = (quantity / base, free / base, amount)
        return out


@dataclass
class Tenant:
    name: str
    account_id: str
    project_id: str
    access_key: str
    secret_key: str
    admin: tuple[str, str]
    s3: BaseClient
    fgs: FunctionGraphClient
    received: list[tuple[str, int, int]] = field(default_factory=list)  # (operation, status, body bytes)
    summaries: list[dict[str, Any]] = field(default_factory=list)  # X-Cff-Invoke-Summary of each call


class Month:
    def __init__(self, region: InProcess) -> None:
        self.region = region
        self.ledger = Ledger()
        self.buckets: dict[str, dict[str, int]] = {}  # bucket -> key -> billable bytes
        self.owners: dict[str, Tenant] = {}

    @property
    def now(self) -> datetime:
        return self.region.clock.now()

    def token(self, account: str, user: str, password: str) -> dict[str, str]:
        identity = {"user": {"name": user, "password": password, "domain": {"name": account}}}
        body = {"auth": {"identity": {"methods": ["password"], "password": identity}}}
        response = httpx.post(f"{self.region.url}/v3/auth/tokens", json=body, timeout=10)
        assert response.status_code == 201, response.text
        return {"X-Auth-Token": response.headers["x-subject-token"]}

    def tenant(self, name: str) -> Tenant:
        operator = self.token("admin", "admin", ROOT_PASSWORD)
        made = httpx.post(
            f"{self.region.url}/welkin/v1/accounts", json={"account": {"name": name}}, headers=operator
        )
        assert made.status_code == 201, made.text
        a = made.json()["account"]
        s3 = boto3.client(
            "s3",
            endpoint_url=self.region.url,
            aws_access_key_id=a["access_key"],
            aws_secret_access_key=a["secret_key"],
            region_name=REGION,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )
        handler = HttpHandler()
        fgs: FunctionGraphClient = (
            FunctionGraphClient.new_builder()
            .with_credentials(BasicCredentials(a["access_key"], a["secret_key"], a["projects"][0]["id"]))
            .with_endpoint(self.region.url)
            .with_http_handler(handler)
            .build()
        )
        tenant = Tenant(
            name,
            a["id"],
            a["projects"][0]["id"],
            a["access_key"],
            a["secret_key"],
            (a["admin"]["name"], a["admin"]["password"]),
            s3,
            fgs,
        )

        def on_response(response: Any, **_: Any) -> None:
            summary = response.headers.get("X-Cff-Invoke-Summary")
            if summary:
                tenant.summaries.append(json.loads(summary))

        handler.add_response_handler(on_response)

        def after_call(http_response: Any, model: Any, **_: Any) -> None:
            # A downloaded object's body is streamed to the caller, who counts it; every other
            # body boto3 has already read.
            if not (model.name == "GetObject" and http_response.status_code < 300):
                tenant.received.append((model.name, http_response.status_code, len(http_response.content)))

        s3.meta.events.register("after-call.s3", after_call)
        return tenant

    # OBS, each call noting what the owner of the bucket is billed for.
    def request(self, bucket: str, usage_type: str, bytes_out: int = 0) -> None:
        self.ledger.add(self.now, usage_type, bucket, 1)
        self.ledger.add(self.now, "obs_traffic_out", bucket, bytes_out)

    def last_body(self, tenant: Tenant) -> int:
        _operation, _status, size = tenant.received[-1]
        return size

    def create_bucket(self, tenant: Tenant, bucket: str) -> None:
        tenant.s3.create_bucket(Bucket=bucket)
        self.buckets[bucket] = {}
        self.owners[bucket] = tenant
        self.request(bucket, "obs_requests_write")

    def put(self, tenant: Tenant, bucket: str, key: str, size: int) -> None:
        tenant.s3.put_object(Bucket=bucket, Key=key, Body=b"x" * size)
        self.buckets[bucket][key] = max(size, MIN_OBJECT)
        self.request(bucket, "obs_requests_write")

    def copy(self, tenant: Tenant, bucket: str, source: str, key: str) -> None:
        tenant.s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": source})
        self.buckets[bucket][key] = self.buckets[bucket][source]
        self.request(bucket, "obs_requests_write")

    def get(self, tenant: Tenant, bucket: str, key: str) -> None:
        body = tenant.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        self.request(bucket, "obs_requests_read", len(body))

    def head(self, tenant: Tenant, bucket: str, key: str) -> None:
        tenant.s3.head_object(Bucket=bucket, Key=key)
        self.request(bucket, "obs_requests_read")

    def list(self, tenant: Tenant, bucket: str) -> None:
        tenant.s3.list_objects_v2(Bucket=bucket)
        self.request(bucket, "obs_requests_write", self.last_body(tenant))  # LIST is a write

    def get_missing(self, tenant: Tenant, bucket: str, key: str) -> None:
        with pytest.raises(ClientError) as error:
            tenant.s3.get_object(Bucket=bucket, Key=key)
        assert error.value.response["Error"]["Code"] == "NoSuchKey"
        self.request(bucket, "obs_requests_read", self.last_body(tenant))  # a 404 is billed

    def refused(self, stranger: Tenant, bucket: str, key: str) -> None:
        with pytest.raises(ClientError) as error:
            stranger.s3.get_object(Bucket=bucket, Key=key)
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403  # billed to nobody

    def delete(self, tenant: Tenant, bucket: str, key: str) -> None:
        tenant.s3.delete_object(Bucket=bucket, Key=key)  # DELETE is not billed
        del self.buckets[bucket][key]

    # FunctionGraph.
    def invoke(self, tenant: Tenant, urn: str, times: int) -> None:
        for _ in range(times):
            before = len(tenant.summaries)
            response = tenant.fgs.invoke_function(InvokeFunctionRequest(function_urn=urn, body={"n": 1}))
            assert response.status == 200
            (summary,) = tenant.summaries[before:]
            self.ledger.add(self.now, "fgs_requests", urn, 1)
            self.ledger.add(self.now, "fgs_duration", urn, summary["billingDuration"] * summary["memorySize"])

    # Time: every hour that ends is billed what the buckets held at its end.
    def advance_to(self, when: datetime) -> None:
        hour = self.now.replace(minute=0, second=0, microsecond=0)
        while hour + timedelta(hours=1) <= when:
            for bucket, keys in self.buckets.items():
                self.ledger.add(hour, "obs_storage_standard", bucket, sum(keys.values()))
            hour += timedelta(hours=1)
        self.region.clock.advance(when - self.now)
        self.region.call(self.region.region.storage_sampler.sample_due)

    def invoice(self, tenant: Tenant, month: str) -> dict[str, Any]:
        headers = self.token(tenant.name, *tenant.admin)
        response = httpx.get(
            f"{self.region.url}/welkin/v1/billing/invoices/{month}", headers=headers, timeout=30
        )
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document


def lines(document: dict[str, Any]) -> dict[tuple[str, str, str], tuple[Decimal, Decimal, Decimal]]:
    out = {}
    for line in document["lines"]:
        assert line["adjusts"] == ""
        assert line["region"] == REGION
        key = (line["usage_type"], line["resource_id"], line["price_from"])
        assert key not in out
        out[key] = (Decimal(line["quantity"]), Decimal(line["free_applied"]), Decimal(line["amount"]))
    return out


@pytest.fixture
def month(tmp_path: Path) -> Iterator[Month]:
    prices = tmp_path / "prices.toml"
    prices.write_text(catalog_toml())
    settings = Settings(
        data_dir=tmp_path / "data",
        region=REGION,
        price_catalog=str(prices),
        # The clients sign with the real time, the region lives in January 2026.
        max_clock_skew_seconds=10**9,
    )
    with serve_region(settings, ManualClock(START)) as region:
        yield Month(region)


def test_a_scripted_month_is_billed_line_by_line_as_worked_out_independently(month: Month) -> None:
    acme, other = month.tenant("acme"), month.tenant("other")
    month.advance_to(START + timedelta(minutes=5))
    month.create_bucket(acme, "acme-data")
    month.put(acme, "acme-data", "big", 100 * KIB)
    month.put(acme, "acme-data", "small", 10 * KIB)  # billed as 64 KB
    month.head(acme, "acme-data", "big")
    month.get(acme, "acme-data", "big")
    month.list(acme, "acme-data")
    month.get_missing(acme, "acme-data", "nothing-here")
    month.refused(other, "acme-data", "big")
    month.create_bucket(other, "other-data")
    month.put(other, "other-data", "x", 1 * KIB)
    small = str(create(acme.fgs, "small", memory_size=128).func_urn)
    large = str(create(acme.fgs, "large", memory_size=512).func_urn)
    others = str(create(other.fgs, "theirs", memory_size=256).func_urn)
    month.invoke(acme, small, 3)
    month.invoke(acme, large, 2)
    month.invoke(other, others, 1)
    # An unfinished multipart upload's parts are stored, and billed, until it ends.
    upload = acme.s3.create_multipart_upload(Bucket="acme-data", Key="parts")["UploadId"]
    month.request("acme-data", "obs_requests_write")
    acme.s3.upload_part(Bucket="acme-data", Key="parts", UploadId=upload, PartNumber=1, Body=b"p" * (5 << 20))
    month.request("acme-data", "obs_requests_write")
    month.buckets["acme-data"]["(upload)"] = 5 << 20

    month.advance_to(datetime(2026, 1, 30, 12, 10, tzinfo=UTC))
    acme.s3.abort_multipart_upload(Bucket="acme-data", Key="parts", UploadId=upload)  # a DELETE
    del month.buckets["acme-data"]["(upload)"]
    month.delete(acme, "acme-data", "small")
    month.copy(acme, "acme-data", "big", "big2")

    month.advance_to(datetime(2026, 1, 31, 23, 20, tzinfo=UTC))
    month.get(acme, "acme-data", "big2")
    month.invoke(acme, small, 2)
    month.invoke(acme, large, 1)

    month.advance_to(datetime(2026, 2, 1, 0, 20, tzinfo=UTC))  # February: new duration price
    month.get(acme, "acme-data", "big")
    month.put(acme, "acme-data", "february", 200 * KIB)
    month.invoke(acme, large, 2)
    month.get(other, "other-data", "x")

    month.advance_to(datetime(2026, 2, 1, 1, 30, tzinfo=UTC))  # January's grace hour is over
    closed = month.region.call(month.region.region.billing_closer.close_due)
    assert closed == ["2026-01"]

    checked: list[int] = []
    for tenant in (acme, other):
        january = month.invoice(tenant, "2026-01")
        assert (january["status"], january["final"]) == ("closed", True)
        february = month.invoice(tenant, "2026-02")
        assert (february["status"], february["final"]) == ("estimated", False)
        for document, name in ((january, "2026-01"), (february, "2026-02")):
            expected = month.ledger.invoice(name, _resources(month, tenant))
            assert lines(document) == expected, name
            checked.append(len(expected))
            total = sum((amount for _q, _f, amount in expected.values()), Decimal(0))
            assert Decimal(document["total"]) == total
            assert Decimal(document["billed"]) == total.quantize(Decimal("0.01"), ROUND_HALF_UP)

    # acme: two functions' requests and duration, and its bucket's storage, writes, reads and
    # traffic in January; one function and the bucket in February. other: a function, storage
    # and writes in January; storage, a read and its traffic in February.
    assert checked == [8, 6, 4, 3], checked
    # The free tier (5 requests a month) went to acme's earliest invocations, in January.
    january = lines(month.invoice(acme, "2026-01"))
    since = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
    assert january[("fgs_requests", small, since)][1] == 3
    assert january[("fgs_requests", large, since)][1] == 2
    assert Decimal(month.invoice(acme, "2026-01")["total"]) > 0


def _resources(month: Month, tenant: Tenant) -> set[str]:
    """What belongs to ``tenant``: its buckets and its functions' versions."""
    buckets = {bucket for bucket, owner in month.owners.items() if owner is tenant}
    functions = {resource for (_h, t, resource) in month.ledger.usage if t == "fgs_requests"}
    own = {urn for urn in functions if f":{tenant.project_id}:" in urn}
    return buckets | own
