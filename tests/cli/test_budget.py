"""Budgets against a real ``welkin up`` whose prices make a function call cost a dollar and
whose evaluator runs every second: set with the CLI, crossed by real invocations, the
notifications listed by the API and the CLI, to their own account only, and to those allowed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.cli.conftest import Account, Cli, new_account
from tests.conftest import ROOT, Welkin, start_welkin, stop_welkin
from tests.prices import free_obs
from welkin.cli.client import sign

HELLO = ROOT / "examples" / "functions" / "hello"
PATH = "/welkin/v1/billing/budget"
CATALOG = """
currency = "USD"

[[price]]
usage_type = "fgs_requests"
service_type = "hws.service.type.functiongraph"
resource_type = "hws.resource.type.function"
unit = "request"
per = 1
price = "1"
effective_from = 2026-01-01T00:00:00Z

[[price]]
usage_type = "fgs_duration"
service_type = "hws.service.type.functiongraph"
resource_type = "hws.resource.type.function"
unit = "GB-second"
price = "0"
effective_from = 2026-01-01T00:00:00Z
"""


@pytest.fixture(scope="module")
def shared_welkin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Welkin]:
    """This module's server (it replaces the CLI suite's): a dollar a call, budgets checked each second."""
    base = tmp_path_factory.mktemp("budget")
    catalog = base / "prices.toml"
    catalog.write_text(CATALOG + free_obs())
    data = base / "data"
    data.mkdir()
    (data / "welkin.toml").write_text(f'price_catalog = "{catalog}"\nbilling_budget_interval_seconds = 1\n')
    server = start_welkin(data)
    try:
        yield server
    finally:
        stop_welkin(server)


def call(account: Account, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"X-Auth-Token": account.token()}
    return httpx.request(method, f"{account.server.url}{path}", headers=headers, timeout=10, **kwargs)


def wait_for_notifications(cli: Cli, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while True:
        found: list[dict[str, Any]] = cli.json("budget", "notifications")
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def test_real_calls_cross_the_budget_once_and_only_its_account_sees_it(
    tenant_login: Cli, account: Account, shared_welkin: Welkin, operator_token: str
) -> None:
    cli = tenant_login
    budget = cli.json("budget", "set", "2")
    assert (budget["amount"], budget["currency"], budget["thresholds"]) == ("2", "USD", [50, 80, 100])
    assert budget["spent"] == "0.00000000"
    cli.ok("fn", "deploy", str(HELLO), "--name", "hello")
    for _ in range(3):
        cli.ok("fn", "invoke", "hello")

    found = wait_for_notifications(cli, 6)
    assert sorted((n["threshold"], n["kind"]) for n in found) == [
        (t, k) for t in (50, 80, 100) for k in ("actual", "forecast")
    ]
    actual = [n for n in found if n["kind"] == "actual"]
    assert {n["amount"] for n in found} == {"2"}
    assert all(Decimal(n["figure"]) >= 1 for n in actual)
    month = found[0]["month"]
    assert cli.json("budget", "notifications", "--month", month) == found
    assert cli.json("budget", "notifications", "--month", "2000-01") == []
    table = cli.ok("budget", "notifications")
    assert table.splitlines()[0].split() == [
        "NOTIFIED_AT",
        "MONTH",
        "KIND",
        "THRESHOLD",
        "FIGURE",
        "AMOUNT",
        "CURRENCY",
    ]
    assert len(table.splitlines()) == 7
    shown = cli.json("budget", "show")
    assert shown["spent"] == "3.00000000"
    assert "spent" in cli.ok("budget", "show")

    # Evaluated every second, nothing is notified twice.
    time.sleep(2.5)
    assert len(cli.json("budget", "notifications")) == 6
    listed = call(account, "GET", f"{PATH}/notifications").json()["notifications"]
    assert listed == found
    assert "actual cost of" in shared_welkin.output.read_text()  # each one logged, too

    # Another account sees none of it, has no budget of its own, and cannot ask for this one's.
    other = new_account(shared_welkin, operator_token)
    assert call(other, "GET", f"{PATH}/notifications").json() == {"notifications": []}
    missing = call(other, "GET", PATH)
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "NotFound"
    theirs = f"/welkin/v1/billing/accounts/{account.name}/budget"
    assert call(other, "GET", theirs).status_code == 403
    assert call(other, "GET", f"{theirs}/notifications").status_code == 403
    # The operator can, by the account's name.
    login = ["login", "--endpoint", shared_welkin.url, "--account", "admin", "--profile", "op"]
    cli.ok(*login, stdin=shared_welkin.password + "\n")
    assert cli.json("budget", "notifications", "--account", account.name, "--profile", "op") == found
    assert cli.json("budget", "show", "--account", account.name, "--profile", "op")["amount"] == "2"
    assert cli.run("budget", "show", "--account", "no-such-account", "--profile", "op").returncode == 1

    # A higher budget keeps what was notified; removing it keeps that too.
    assert cli.json("budget", "set", "100", "-t", "1", "-t", "2")["thresholds"] == [1, 2]
    found = wait_for_notifications(cli, 10)
    assert {(n["threshold"], n["amount"]) for n in found if n["kind"] == "actual"} == {
        (1, "100"),
        (2, "100"),
        (50, "2"),
        (80, "2"),
        (100, "2"),
    }
    assert cli.ok("budget", "rm") == "Budget removed.\n"
    assert cli.run("budget", "show").returncode == 1
    assert cli.run("budget", "rm").returncode == 1
    assert len(cli.json("budget", "notifications")) == 10


def test_bad_budgets_are_refused_with_a_reason(tenant_login: Cli, account: Account) -> None:
    def refused(body: object) -> str:
        response = call(account, "PUT", PATH, json=body)
        assert response.status_code == 400, response.text
        error: dict[str, str] = response.json()
        assert error["error_code"] in ("InvalidArgument", "MalformedBody")
        return error["error_msg"]

    assert "decimal string" in refused({"budget": {"amount": 12.5}})
    assert "decimal string" in refused({"budget": {"amount": "a lot"}})
    assert "required" in refused({"budget": {}})
    assert "more than zero" in refused({"budget": {"amount": "-1"}})
    assert "percentages" in refused({"budget": {"amount": "10", "thresholds": [0]}})
    assert "percentages" in refused({"budget": {"amount": "10", "thresholds": ["50"]}})
    assert "differ" in refused({"budget": {"amount": "10", "thresholds": [50, 50]}})
    assert "USD" in refused({"budget": {"amount": "10", "currency": "EUR"}})
    assert "limit" in refused({"budget": {"amount": "10", "limit": 5}})
    assert "Unknown" in refused({"budget": {"amount": "10"}, "extra": 1})
    month = call(account, "GET", f"{PATH}/notifications", params={"month": "2026-1"})
    assert month.status_code == 400
    assert "YYYY-MM" in month.json()["error_msg"]
    result = tenant_login.run("budget", "set", "0")
    assert result.returncode == 1
    assert "more than zero" in result.stderr
    assert call(account, "GET", PATH).status_code == 404  # nothing was stored


def test_reading_and_changing_a_budget_need_permission(tenant_login: Cli, shared_welkin: Welkin) -> None:
    admin = tenant_login
    admin.ok("budget", "set", "10")
    keys: dict[str, dict[str, str]] = {}
    for user in ("reader", "nobody"):
        admin.ok("iam", "user", "create", user)
        key = keys[user] = json.loads(admin.ok("iam", "key", "create", "--user", user, "-o", "json"))
        admin.ok(
            "login",
            "--access-key",
            key["access"],
            "--profile",
            user,
            env={"WELKIN_SECRET_KEY": key["secret"]},
        )
    admin.ok("iam", "group", "create", "billing-readers")
    admin.ok("iam", "group", "add-user", "billing-readers", "reader")
    admin.ok("iam", "grant", "BSS ReadonlyAccess", "--group", "billing-readers")

    assert admin.json("budget", "show", "--profile", "reader")["amount"] == "10"
    assert admin.json("budget", "notifications", "--profile", "reader") == []
    changing = admin.run("budget", "set", "20", "--profile", "reader")
    assert changing.returncode == 1
    assert "bss:budget:update" in changing.stderr
    assert admin.run("budget", "rm", "--profile", "reader").returncode == 1
    for command in (["show"], ["notifications"], ["set", "20"]):
        denied = admin.run("budget", *command, "--profile", "nobody")
        assert denied.returncode == 1, denied.stderr
        assert "AccessDenied" in denied.stderr
    assert admin.json("budget", "show")["amount"] == "10"
    request = httpx.Request("GET", f"{shared_welkin.url}{PATH}")
    sign(request, keys["nobody"]["access"], keys["nobody"]["secret"])
    with httpx.Client() as client:
        response = client.send(request)
    assert response.status_code == 403
    assert response.json()["error_code"] == "AccessDenied"
