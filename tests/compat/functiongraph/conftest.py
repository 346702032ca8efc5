"""One real ``welkin up`` for all of these modules (per test worker), driven through
huaweicloudsdkfunctiongraph's FunctionGraphClient.

Tenants are made with the operator API (as the IAM compat tests do); each gets a
client signing with its administrator's key in its own project, so modules (each with tenants
of its own) need no server of their own.
"""

from __future__ import annotations

import base64
import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkfunctiongraph.v2 import (
    CreateFunctionRequest,
    CreateFunctionRequestBody,
    FuncCode,
    FunctionGraphClient,
)

from tests.conftest import ROOT_PASSWORD, Welkin, start_welkin, stop_welkin
from tests.wheels import build_wheel, repack_installed

MAX_CODE_BYTES = 4 << 20
MAX_UNPACKED_BYTES = 16 << 20
HELLO = "def handler(event, context):\n    return {'hello': event}\n"


def fgs_client(url: str, ak: str, sk: str, project_id: str) -> FunctionGraphClient:
    creds = BasicCredentials(ak, sk, project_id)
    built: FunctionGraphClient = (
        FunctionGraphClient.new_builder().with_credentials(creds).with_endpoint(url).build()
    )
    return built


def zip_of(files: dict[str, str | bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unique(prefix: str = "fn") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def failure(call: Callable[[], Any]) -> ClientRequestException:
    """Run an SDK call expected to fail; return what the server answered."""
    with pytest.raises(ClientRequestException) as info:
        call()
    return info.value


@dataclass
class Tenant:
    name: str
    account_id: str
    project_id: str
    access_key: str
    secret_key: str
    admin_name: str
    admin_password: str
    fgs: FunctionGraphClient


@dataclass
class Fgs:
    server: Welkin
    root_token: str

    @property
    def url(self) -> str:
        return self.server.url

    def operator(self, method: str, path: str, json_body: Any = None) -> httpx.Response:
        headers = {"X-Auth-Token": self.root_token}
        return httpx.request(method, f"{self.url}{path}", json=json_body, headers=headers, timeout=10)

    def tenant(self) -> Tenant:
        name = unique("acct")
        resp = self.operator("POST", "/welkin/v1/accounts", {"account": {"name": name}})
        assert resp.status_code == 201, resp.text
        a = resp.json()["account"]
        project = a["projects"][0]["id"]
        client = fgs_client(self.url, a["access_key"], a["secret_key"], project)
        admin = a["admin"]
        keys = (a["access_key"], a["secret_key"])
        return Tenant(name, a["id"], project, *keys, admin["name"], admin["password"], client)

    def raw(self, tenant: Tenant, method: str, path: str, content: bytes = b"") -> httpx.Response:
        """A request the SDK would never send (bad JSON, unknown fields), by a token of ``tenant``."""
        token = self.token(tenant)
        headers = {"X-Auth-Token": token, "Content-Type": "application/json"}
        url = f"{self.url}/v2/{tenant.project_id}/fgs{path}"
        return httpx.request(method, url, content=content, headers=headers, timeout=30)

    def token(self, tenant: Tenant) -> str:
        name = tenant.name
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": tenant.admin_name,
                            "password": tenant.admin_password,
                            "domain": {"name": name},
                        }
                    },
                },
                "scope": {"project": {"id": tenant.project_id}},
            }
        }
        resp = httpx.post(f"{self.url}/v3/auth/tokens", json=body, timeout=10)
        assert resp.status_code == 201, resp.text
        return resp.headers["x-subject-token"]


def create_body(name: str, **overrides: Any) -> CreateFunctionRequestBody:
    fields: dict[str, Any] = {
        "func_name": name,
        "package": "default",
        "runtime": "Python3.11",
        "handler": "index.handler",
        "memory_size": 128,
        "timeout": 30,
        "code_type": "zip",
        "code_filename": "code.zip",
        "func_code": FuncCode(file=b64(zip_of({"index.py": HELLO}))),
    }
    fields.update(overrides)
    return CreateFunctionRequestBody(**fields)


def create(client: FunctionGraphClient, name: str | None = None, **overrides: Any) -> Any:
    return client.create_function(CreateFunctionRequest(body=create_body(name or unique(), **overrides)))


def env(text: str) -> dict[str, str]:
    value: dict[str, str] = json.loads(text) if text else {}
    return value


BOTO3 = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")


@pytest.fixture(scope="session")
def offline_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One local wheel, and boto3's (repacked from this environment), so that functions'
    requirements install offline."""
    wheels = tmp_path_factory.mktemp("wheels")
    build_wheel(wheels)
    repack_installed(wheels, *BOTO3)
    return wheels


@pytest.fixture(scope="session")
def fgs(tmp_path_factory: pytest.TempPathFactory, offline_wheels: Path) -> Iterator[Fgs]:
    data = tmp_path_factory.mktemp("fgs") / "data"
    data.mkdir()
    # Small limits, so that oversize packages and zip bombs are cheap to make.
    wheels = offline_wheels
    (data / "welkin.toml").write_text(
        f"functions_max_code_bytes = {MAX_CODE_BYTES}\n"
        f"functions_max_unpacked_bytes = {MAX_UNPACKED_BYTES}\n"
        f'functions_wheel_dir = "{wheels}"\n'
        "functions_async_retry_ms = 100\n"
    )
    server = start_welkin(data)
    try:
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": "admin", "password": ROOT_PASSWORD, "domain": {"name": "admin"}}
                    },
                }
            }
        }
        resp = httpx.post(f"{server.url}/v3/auth/tokens", json=body, timeout=10)
        yield Fgs(server, resp.headers["x-subject-token"])
    finally:
        stop_welkin(server)


@pytest.fixture(scope="module")
def tenant(fgs: Fgs) -> Tenant:
    return fgs.tenant()
