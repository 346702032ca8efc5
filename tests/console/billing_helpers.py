"""Accounts with usage for the billing and overview pages: made with the operator API, used with
boto3 and FunctionGraph's SDK, read back as the console's HTML."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
from botocore.config import Config
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkfunctiongraph.v2 import FuncCode, FunctionGraphClient, InvokeFunctionRequest

from tests.compat.functiongraph.conftest import HELLO, b64, create, zip_of
from tests.conftest import ROOT_PASSWORD
from tests.console.conftest import PASSWORD, ConsoleClient, add_user

FAILING = "def handler(event, context):\n    raise RuntimeError('no')\n"


@dataclass
class Tenant:
    url: str
    name: str
    account_id: str
    project_id: str
    admin: tuple[str, str]  # user name, password
    s3: Any
    fgs: FunctionGraphClient

    def console(self, client: ConsoleClient) -> ConsoleClient:
        signed = client.sign_in(self.name, *self.admin)
        assert signed.status_code == 303, signed.text
        return client

    def function(self, name: str | None = None, code: str = HELLO) -> str:
        created = create(self.fgs, name, func_code=FuncCode(file=b64(zip_of({"index.py": code}))))
        urn: str = created.func_urn
        return urn

    def invoke(self, urn: str, times: int = 1) -> None:
        for _ in range(times):
            self.fgs.invoke_function(InvokeFunctionRequest(function_urn=urn, body={"n": 1}))

    def token(self) -> dict[str, str]:
        return token(self.url, self.name, *self.admin)


def token(url: str, account: str, user: str, password: str) -> dict[str, str]:
    identity = {"user": {"name": user, "password": password, "domain": {"name": account}}}
    body = {"auth": {"identity": {"methods": ["password"], "password": identity}}}
    response = httpx.post(f"{url}/v3/auth/tokens", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return {"X-Auth-Token": response.headers["x-subject-token"]}


def tenant(url: str, prefix: str = "acct") -> Tenant:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    operator = token(url, "admin", "admin", ROOT_PASSWORD)
    made = httpx.post(f"{url}/welkin/v1/accounts", json={"account": {"name": name}}, headers=operator)
    assert made.status_code == 201, made.text
    a = made.json()["account"]
    project = a["projects"][0]["id"]
    s3 = boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=a["access_key"],
        aws_secret_access_key=a["secret_key"],
        region_name="local-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    fgs: FunctionGraphClient = (
        FunctionGraphClient.new_builder()
        .with_credentials(BasicCredentials(a["access_key"], a["secret_key"], project))
        .with_endpoint(url)
        .build()
    )
    return Tenant(url, name, a["id"], project, (a["admin"]["name"], a["admin"]["password"]), s3, fgs)


def user(tenant: Tenant, name: str, roles: list[str]) -> tuple[str, str]:
    """A console user of ``tenant`` in a group of its own granted ``roles`` (system role names)."""
    http = httpx.Client(base_url=tenant.url, headers=tenant.token(), timeout=30)
    try:
        add_user(http, name, roles)
    finally:
        http.close()
    return name, PASSWORD


def poll(page: Callable[[], httpx.Response], found: Callable[[str], bool], seconds: float = 20) -> str:
    """The page once ``found`` holds of it: metering reaches billing asynchronously (about two
    seconds), so a test waits for what it expects, with a deadline, never a fixed sleep."""
    deadline = time.monotonic() + seconds
    while True:
        answer = page()
        assert answer.status_code == 200, answer.text
        if found(answer.text):
            return answer.text
        assert time.monotonic() < deadline, f"not found within {seconds} s:\n{answer.text}"
        time.sleep(0.2)


def rated(client: ConsoleClient, path: str) -> str:
    """The page once its month is rated: a page that waited too long for it (a loaded machine)
    says so and reloads itself, as this does."""
    return poll(lambda: client.get(path), lambda html: "being rated" not in html)


def stat(html: str, name: str) -> str | None:
    """The text of ``.stat[data-stat=name] .value``, or None when the page has no such figure."""
    found = re.search(rf'data-stat="{re.escape(name)}".*?class="value"[^>]*>([^<]*)<', html, re.S)
    return found.group(1).strip() if found else None


def row(html: str, selector_attr: str) -> str:
    """The ``<tr ...>`` element carrying ``selector_attr`` (e.g. 'data-usage-type="fgs_requests"')."""
    found = re.search(rf"<tr[^>]*{re.escape(selector_attr)}[^>]*>.*?</tr>", html, re.S)
    assert found, f"no row with {selector_attr}"
    return found.group(0)


def cells(row_html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S)]
