"""One real ``welkin up`` per module, driven through huaweicloudsdkiam's IamClient.

Only the operator API (``/welkin/v1``), which the Huawei SDK has no client for, is
called with httpx, authenticated by a token the SDK obtained.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkiam.v3 import (
    AuthScope,
    AuthScopeDomain,
    AuthScopeProject,
    CreateCredentialOption,
    CreatePermanentAccessKeyRequest,
    CreatePermanentAccessKeyRequestBody,
    CreateUserOption,
    CreateUserRequest,
    CreateUserRequestBody,
    IamClient,
    KeystoneCreateUserTokenByPasswordRequest,
    KeystoneCreateUserTokenByPasswordRequestBody,
    PwdAuth,
    PwdIdentity,
    PwdPassword,
    PwdPasswordUser,
    PwdPasswordUserDomain,
)

from tests.conftest import ROOT_AK, ROOT_PASSWORD, ROOT_SK, Welkin, start_welkin, stop_welkin


def client(
    url: str,
    ak: str,
    sk: str,
    *,
    security_token: str | None = None,
    domain_id: str | None = None,
    token: str | None = None,
) -> IamClient:
    """An IamClient for any AK/SK; with ``token`` it sends X-Auth-Token (the server prefers it)."""
    creds = GlobalCredentials(ak, sk, domain_id).with_iam_endpoint(url)
    if security_token:
        creds = creds.with_security_token(security_token)
    built: IamClient = IamClient.new_builder().with_credentials(creds).with_endpoint(url).build()
    if token:
        built.preset_headers = {"X-Auth-Token": token}
    return built


def password_token(
    iam: IamClient, account: str, user: str, password: str, project: str | None = None
) -> tuple[str, Any]:
    """Log in with the SDK's password request; returns (X-Subject-Token, response)."""
    scope = (
        AuthScope(project=AuthScopeProject(name=project))
        if project
        else AuthScope(domain=AuthScopeDomain(name=account))
    )
    body = KeystoneCreateUserTokenByPasswordRequestBody(
        auth=PwdAuth(
            identity=PwdIdentity(
                methods=["password"],
                password=PwdPassword(
                    user=PwdPasswordUser(
                        domain=PwdPasswordUserDomain(name=account), name=user, password=password
                    )
                ),
            ),
            scope=scope,
        )
    )
    resp = iam.keystone_create_user_token_by_password(KeystoneCreateUserTokenByPasswordRequest(body=body))
    return resp.x_subject_token, resp


def status_of(call: Callable[[], Any]) -> int:
    """Run an SDK call expected to fail; return the HTTP status the server answered."""
    with pytest.raises(ClientRequestException) as info:
        call()
    return int(info.value.status_code)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class Tenant:
    name: str
    account_id: str
    admin_password: str
    access_key: str
    secret_key: str
    iam: IamClient


@dataclass
class Compat:
    server: Welkin
    root: IamClient
    root_token: str
    domain_id: str

    @property
    def url(self) -> str:
        return self.server.url

    def by_token(self, token: str) -> IamClient:
        """A client that authenticates by X-Auth-Token (its AK/SK are never used)."""
        return client(self.url, "unused", "unused", domain_id=self.domain_id, token=token)

    def client(self, ak: str, sk: str, **kw: Any) -> IamClient:
        return client(self.url, ak, sk, **kw)

    def operator(self, method: str, path: str, json: Any = None, token: str | None = None) -> httpx.Response:
        headers = {"X-Auth-Token": token or self.root_token}
        return httpx.request(method, f"{self.url}{path}", json=json, headers=headers, timeout=10)

    def user_with_key(
        self, iam: IamClient | None = None, domain_id: str | None = None
    ) -> tuple[str, IamClient]:
        """A new user (in root's account unless ``iam`` says otherwise) and a client signing as it."""
        iam = iam or self.root
        domain_id = domain_id or self.domain_id
        option = CreateUserOption(name=unique("u"), domain_id=domain_id, password="Compat-pass-1234")
        user = iam.create_user(CreateUserRequest(body=CreateUserRequestBody(user=option))).user
        key = iam.create_permanent_access_key(
            CreatePermanentAccessKeyRequest(
                body=CreatePermanentAccessKeyRequestBody(credential=CreateCredentialOption(user_id=user.id))
            )
        ).credential
        return str(user.id), self.client(key.access, key.secret, domain_id=domain_id)

    def operator_raw(self, method: str, path: str, raw: bytes) -> httpx.Response:
        """Send bytes the SDK would never produce (malformed JSON, unknown fields), by root's token."""
        headers = {"X-Auth-Token": self.root_token, "Content-Type": "application/json"}
        return httpx.request(method, f"{self.url}{path}", content=raw, headers=headers, timeout=10)

    def tenant(self, name: str | None = None) -> Tenant:
        name = name or unique("acct")
        resp = self.operator("POST", "/welkin/v1/accounts", {"account": {"name": name}})
        assert resp.status_code == 201, resp.text
        a = resp.json()["account"]
        return Tenant(
            name,
            a["id"],
            a["admin"]["password"],
            a["access_key"],
            a["secret_key"],
            self.client(a["access_key"], a["secret_key"]),
        )


@pytest.fixture(scope="module")
def compat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Compat]:
    server = start_welkin(tmp_path_factory.mktemp("compat") / "data")
    try:
        root = client(server.url, ROOT_AK, ROOT_SK)
        token, resp = password_token(root, "admin", "admin", ROOT_PASSWORD)
        yield Compat(server, root, token, resp.token.user.domain.id)
    finally:
        stop_welkin(server)
