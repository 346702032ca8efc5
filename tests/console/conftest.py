"""The console over HTTP against a real ``welkin up``: a signed-in client, and users to sign in as.

- ``server``: one ``welkin up`` per test module.
- ``admin``: a ``ConsoleClient`` signed in as the operator's account admin.
- ``new_client()``: a fresh, signed-out ``ConsoleClient`` (closed after the test).
- ``make_user(server, name, roles)``: an IAM user with a password in account admin, in a group
  granted the named system roles (``"OBS ReadOnlyAccess"``, ...); sign in with ``ConsoleClient``.
- ``make_account(server, name)``: another account (its admin user has the password given).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT_PASSWORD, Welkin, start_welkin, stop_welkin

PASSWORD = "Console-pass-1234"
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
_LOGIN_CSRF = re.compile(r'name="login_csrf" value="([^"]+)"')


class ConsoleClient:
    """A browser's requests, without the browser: cookies, the CSRF token, the Origin header."""

    def __init__(self, server: Welkin) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, headers={"Origin": server.url}, timeout=30)
        self.csrf = ""

    def close(self) -> None:
        self.http.close()

    def sign_in(self, account: str, user: str, password: str) -> httpx.Response:
        form = self.http.get("/console/login")
        token = _LOGIN_CSRF.search(form.text)
        assert token, form.text
        fields = {"login_csrf": token.group(1), "account": account, "user": user, "password": password}
        answer = self.http.post("/console/login", data=fields)
        if answer.status_code == 303:
            self.get("/console/")
        return answer

    def get(self, path: str, **params: Any) -> httpx.Response:
        """A page; remembers its CSRF token as a browser's next form would carry it."""
        page = self.http.get(path, params=params or None)
        found = _CSRF.search(page.text)
        if found:
            self.csrf = found.group(1)
        return page

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        """A form POST with the CSRF token, as the page's form sends it."""
        return self.http.post(path, data={"csrf": self.csrf, **(data or {})}, **kwargs)

    def api(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        """A JSON POST as the console's JavaScript makes it."""
        return self.http.post(path, json=body or {}, headers={"X-CSRF-Token": self.csrf})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Welkin]:
    base = tmp_path_factory.mktemp("console")
    running = start_welkin(base / "data")
    try:
        yield running
    finally:
        stop_welkin(running)


@pytest.fixture
def new_client(server: Welkin) -> Iterator[Callable[[], ConsoleClient]]:
    """Makes clients (each a browser of its own, signed out), closed after the test."""
    made: list[ConsoleClient] = []

    def make() -> ConsoleClient:
        made.append(ConsoleClient(server))
        return made[-1]

    yield make
    for client in made:
        client.close()


@pytest.fixture
def admin(new_client: Callable[[], ConsoleClient]) -> ConsoleClient:
    client = new_client()
    signed = client.sign_in("admin", "admin", ROOT_PASSWORD)
    assert signed.status_code == 303, signed.text
    return client


def _root_api(server: Welkin, account: str = "admin", password: str = ROOT_PASSWORD) -> httpx.Client:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": account, "password": password, "domain": {"name": account}}},
            },
            "scope": {"domain": {"name": account}},
        }
    }
    http = httpx.Client(base_url=server.url, timeout=30)
    issued = http.post("/v3/auth/tokens", json=body)
    assert issued.status_code == 201, issued.text
    http.headers["X-Auth-Token"] = issued.headers["x-subject-token"]
    return http


def make_user(server: Welkin, name: str, roles: list[str], account: str = "admin") -> str:
    """A console user of ``account`` in a group of its own granted ``roles`` (system role names)."""
    password = ROOT_PASSWORD if account == "admin" else PASSWORD
    http = _root_api(server, account, password)
    try:
        return add_user(http, name, roles)
    finally:
        http.close()


def add_user(http: httpx.Client, name: str, roles: list[str]) -> str:
    """Through ``http``, signed in as an account's administrator: a user with the password
    ``PASSWORD`` in a group of its own granted ``roles``. Returns the user's id."""
    domain = http.get("/v3/auth/domains").json()["domains"][0]["id"]
    made = http.post(
        "/v3.0/OS-USER/users", json={"user": {"name": name, "password": PASSWORD, "domain_id": domain}}
    )
    assert made.status_code < 300, made.text
    user_id: str = made.json()["user"]["id"]
    group = http.post("/v3/groups", json={"group": {"name": f"g-{name}-{uuid.uuid4().hex[:6]}"}})
    assert group.status_code < 300, group.text
    group_id = group.json()["group"]["id"]
    assert http.put(f"/v3/groups/{group_id}/users/{user_id}").status_code < 300
    for role_name in roles:
        found = http.get("/v3/roles", params={"display_name": role_name}).json()["roles"]
        assert found, f"no system role {role_name}"
        granted = http.put(f"/v3/domains/{domain}/groups/{group_id}/roles/{found[0]['id']}")
        assert granted.status_code < 300, granted.text
    return user_id


def make_account(server: Welkin, name: str) -> None:
    """Another account, whose administrator ``name`` has the password ``PASSWORD``."""
    http = _root_api(server)
    try:
        made = http.post("/welkin/v1/accounts", json={"account": {"name": name, "password": PASSWORD}})
        assert made.status_code < 300, made.text
    finally:
        http.close()
