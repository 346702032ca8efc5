"""One real ``welkin up`` for the BSS modules, read through huaweicloudsdkbss's BssClient.

The server prices with a test catalog (prices.toml, written here): a small free tier on
requests and none on duration, and high prices, so a few invocations cost something and use
the free tier up. Usage is made the real way: functions invoked with huaweicloudsdkfunctiongraph,
metered and counted by billing.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from huaweicloudsdkbss.v2 import BssClient, ListCustomerselfResourceRecordsRequest
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkfunctiongraph.v2 import InvokeFunctionRequest

from tests.compat.functiongraph.conftest import Tenant as FgsTenant
from tests.compat.functiongraph.conftest import create, fgs_client
from tests.conftest import ROOT_PASSWORD, Welkin, start_welkin, stop_welkin
from tests.prices import free_obs
from welkin.iam import catalog

FREE_REQUESTS = 3
REQUEST_PRICE = Decimal("0.5")  # per request, past the free tier
GB_SECOND_PRICE = Decimal("10")
CURRENCY = "EUR"
PRICES = f"""
currency = "{CURRENCY}"

[[price]]
usage_type = "fgs_requests"
service_type = "hws.service.type.functiongraph"
resource_type = "hws.resource.type.function"
unit = "request"
per = 1
price = "{REQUEST_PRICE}"
free_per_month = {FREE_REQUESTS}
effective_from = 2020-01-01T00:00:00Z

[[price]]
usage_type = "fgs_duration"
service_type = "hws.service.type.functiongraph"
resource_type = "hws.resource.type.function"
unit = "GB-second"
per = 1
price = "{GB_SECOND_PRICE}"
effective_from = 2020-01-01T00:00:00Z
"""


def bss_client(url: str, ak: str, sk: str, domain_id: str | None = None) -> BssClient:
    creds = GlobalCredentials(ak, sk, domain_id).with_iam_endpoint(url)
    built: BssClient = BssClient.new_builder().with_credentials(creds).with_endpoint(url).build()
    return built


def failure(call: Callable[[], Any]) -> ClientRequestException:
    """Run an SDK call expected to fail; return what the server answered."""
    with pytest.raises(ClientRequestException) as info:
        call()
    return info.value


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def this_month() -> str:
    return time.strftime("%Y-%m", time.gmtime())


def today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


@dataclass
class Tenant(FgsTenant):
    bss: BssClient


@dataclass
class Bss:
    server: Welkin

    @property
    def url(self) -> str:
        return self.server.url

    def token(self, account: str, user: str, password: str) -> str:
        identity = {"user": {"name": user, "password": password, "domain": {"name": account}}}
        body = {"auth": {"identity": {"methods": ["password"], "password": identity}}}
        resp = httpx.post(f"{self.url}/v3/auth/tokens", json=body, timeout=10)
        assert resp.status_code == 201, resp.text
        return resp.headers["x-subject-token"]

    def tenant(self) -> Tenant:
        headers = {"X-Auth-Token": self.token("admin", "admin", ROOT_PASSWORD)}
        body = {"account": {"name": unique("acct")}}
        resp = httpx.post(f"{self.url}/welkin/v1/accounts", json=body, headers=headers, timeout=10)
        assert resp.status_code == 201, resp.text
        a = resp.json()["account"]
        project = a["projects"][0]["id"]
        ak, sk = a["access_key"], a["secret_key"]
        return Tenant(
            a["name"],
            a["id"],
            project,
            ak,
            sk,
            a["admin"]["name"],
            a["admin"]["password"],
            fgs_client(self.url, ak, sk, project),
            bss_client(self.url, ak, sk),
        )

    def iam(self, tenant: Tenant, method: str, path: str, body: Any = None) -> httpx.Response:
        headers = {"X-Auth-Token": self.token(tenant.name, tenant.admin_name, tenant.admin_password)}
        resp = httpx.request(method, f"{self.url}{path}", json=body, headers=headers, timeout=10)
        assert resp.status_code < 300, resp.text
        return resp

    def user(self, tenant: Tenant, *permissions: str) -> BssClient:
        """A new user of ``tenant`` holding the named system permissions on the whole account."""
        user_body = {
            "user": {"name": unique("u"), "password": "Compat-pass-1234", "domain_id": tenant.account_id}
        }
        user = self.iam(tenant, "POST", "/v3/users", user_body).json()["user"]
        credential = {"credential": {"user_id": user["id"]}}
        key = self.iam(tenant, "POST", "/v3.0/OS-CREDENTIAL/credentials", credential).json()["credential"]
        if permissions:
            group_body = {"group": {"name": unique("g"), "domain_id": tenant.account_id}}
            group = self.iam(tenant, "POST", "/v3/groups", group_body).json()["group"]
            self.iam(tenant, "PUT", f"/v3/groups/{group['id']}/users/{user['id']}")
            for name in permissions:
                permission = catalog.by_name(name)
                assert permission is not None, name
                path = f"/v3/domains/{tenant.account_id}/groups/{group['id']}/roles/{permission.id}"
                self.iam(tenant, "PUT", path)
        return bss_client(self.url, key["access"], key["secret"])


def invoke(tenant: Tenant, times: int) -> str:
    """A new function of ``tenant`` invoked ``times`` times; the URN of the version that ran
    (latest), which is how billing names the resource."""
    urn = str(create(tenant.fgs, unique("billed")).func_urn)
    for _ in range(times):
        response = tenant.fgs.invoke_function(InvokeFunctionRequest(function_urn=urn, body={"n": 1}))
        assert response.status == 200
    assert urn.endswith(":latest")
    return urn


def wait_for_requests(tenant: Tenant, count: int, timeout: float = 10) -> None:
    """Until billing has counted ``count`` requests of ``tenant`` this month (metering is
    asynchronous: flushed, then consumed from the bus)."""
    deadline = time.monotonic() + timeout
    seen = Decimal(0)
    while time.monotonic() < deadline:
        request = ListCustomerselfResourceRecordsRequest(cycle=this_month(), statistic_type=1, limit=1000)
        records = tenant.bss.list_customerself_resource_records(request).fee_records or []
        seen = sum((r.usage for r in records if r.usage_type == "fgs_requests"), Decimal(0))
        if seen >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"billing counted {seen} of {count} requests within {timeout} s")


@pytest.fixture(scope="session")
def bss(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bss]:
    data = tmp_path_factory.mktemp("bss") / "data"
    data.mkdir()
    prices = data.parent / "prices.toml"
    prices.write_text(PRICES + free_obs())
    (data / "welkin.toml").write_text(f'price_catalog = "{prices}"\n')
    server = start_welkin(data)
    try:
        yield Bss(server)
    finally:
        stop_welkin(server)


@pytest.fixture(scope="module")
def billed(bss: Bss) -> tuple[Tenant, list[str]]:
    """A tenant with two functions invoked 4 and 2 times, all counted by billing."""
    tenant = bss.tenant()
    urns = [invoke(tenant, 4), invoke(tenant, 2)]
    wait_for_requests(tenant, 6)
    return tenant, urns
