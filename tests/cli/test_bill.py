"""Invoices on a real ``welkin up``: two accounts invoke functions, and each sees only its own
usage, through ``/welkin/v1/billing`` and ``welkin bill``; the operator sees any; a user
without a BSS permission sees none."""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from tests.cli.conftest import Account, Cli
from tests.conftest import ROOT, Welkin
from welkin.cli.main import app

HELLO = ROOT / "examples" / "functions" / "hello"
MONTH = datetime.now(UTC).strftime("%Y-%m")


@dataclass(frozen=True)
class Tenant:
    account: Account
    cli: Cli
    invocations: int

    def get(self, path: str, **headers: str) -> httpx.Response:
        token = {"X-Auth-Token": self.account.token()}
        return httpx.get(f"{self.account.server.url}{path}", headers={**token, **headers}, timeout=10)


def _new_account(server: Welkin, operator_token: str, name: str) -> Account:
    response = httpx.post(
        f"{server.url}/welkin/v1/accounts",
        json={"account": {"name": name}},
        headers={"X-Auth-Token": operator_token},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    made = response.json()["account"]
    keys = (made["access_key"], made["secret_key"])
    return Account(server, name, *keys, made["admin"]["name"], made["admin"]["password"])


def _requests(invoice: dict[str, Any]) -> Decimal:
    return sum(
        (Decimal(line["quantity"]) for line in invoice["lines"] if line["usage_type"] == "fgs_requests"),
        Decimal(0),
    )


@pytest.fixture(scope="module")
def tenants(
    shared_welkin: Welkin, operator_token: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Tenant]:
    made: dict[str, Tenant] = {}
    for name, invocations in (("billed-a", 3), ("billed-b", 1)):
        account = _new_account(shared_welkin, operator_token, name)
        cli = Cli(tmp_path_factory.mktemp(name) / "config.toml")
        env = {"WELKIN_SECRET_KEY": account.secret_key}
        cli.ok("login", "--endpoint", shared_welkin.url, "--access-key", account.access_key, env=env)
        cli.ok("fn", "deploy", str(HELLO), "--name", "hello")
        for _ in range(invocations):
            cli.ok("fn", "invoke", "hello")
        made[name] = Tenant(account, cli, invocations)
    # Counted within about two seconds: the meter's flush, the bus's poll, one transaction.
    deadline = time.monotonic() + 20
    for tenant in made.values():
        while _requests(tenant.get(f"/welkin/v1/billing/invoices/{MONTH}").json()) < tenant.invocations:
            assert time.monotonic() < deadline, "usage was not billed in time"
            time.sleep(0.2)
    return made


def test_each_account_sees_only_its_own_usage(tenants: dict[str, Tenant]) -> None:
    seen: dict[str, set[str]] = {}
    for name, tenant in tenants.items():
        invoice = tenant.get(f"/welkin/v1/billing/invoices/{MONTH}").json()
        assert invoice["status"] == "estimated"
        assert invoice["final"] is False
        assert _requests(invoice) == tenant.invocations
        urns = {line["resource_id"] for line in invoice["lines"]}
        assert len(urns) == 1
        assert {line["account_id"] for line in invoice["lines"]} == {invoice["account_id"]}
        seen[invoice["account_id"]] = urns
        others = [t for n, t in tenants.items() if n != name]
        listed = tenant.get("/welkin/v1/billing/invoices").json()["invoices"]
        assert [(i["month"], i["status"]) for i in listed] == [(MONTH, "estimated")]
        # Another account's invoices are the operator's to read, not a tenant's.
        other = others[0].account.name
        refused = tenant.get(f"/welkin/v1/billing/accounts/{other}/invoices")
        assert refused.status_code == 403
        assert refused.json()["error_code"] == "AccessDenied"
    first, second = seen.values()
    assert len(seen) == 2
    assert not first & second  # each account's function, and only its own


def test_the_operator_reads_any_account(tenants: dict[str, Tenant], operator_token: str) -> None:
    for name, tenant in tenants.items():
        url = f"{tenant.account.server.url}/welkin/v1/billing/accounts/{name}/invoices/{MONTH}"
        seen = httpx.get(url, headers={"X-Auth-Token": operator_token}, timeout=10).json()
        own = tenant.get(f"/welkin/v1/billing/invoices/{MONTH}").json()
        assert seen["lines"] == own["lines"]
        assert _requests(seen) == tenant.invocations
    server = next(iter(tenants.values())).account.server
    missing = httpx.get(
        f"{server.url}/welkin/v1/billing/accounts/nobody/invoices",
        headers={"X-Auth-Token": operator_token},
        timeout=10,
    )
    assert missing.status_code == 404
    open_month = httpx.post(
        f"{server.url}/welkin/v1/billing/accounts/billed-a/invoices/{MONTH}/paid",
        headers={"X-Auth-Token": operator_token},
        timeout=10,
    )
    assert open_month.status_code == 409  # only a closed month's invoice can be paid


def test_a_bad_month_is_400_and_a_user_without_bss_permission_403(tenants: dict[str, Tenant]) -> None:
    tenant = tenants["billed-a"]
    for month in ("2026-13", "2026-1", "november"):
        bad = tenant.get(f"/welkin/v1/billing/invoices/{month}")
        assert bad.status_code == 400, month
        assert bad.json()["error_code"] == "InvalidArgument"
    assert tenant.get(f"/welkin/v1/billing/invoices/{MONTH}?format=xml").status_code == 400

    password = "Plain-user-pass-1234"
    tenant.cli.ok("iam", "user", "create", "plain", "--password", env={"WELKIN_NEW_PASSWORD": password})
    plain = Cli(tenant.cli.config.parent / "plain.toml")
    plain.ok(
        "login",
        "--endpoint",
        tenant.account.server.url,
        "--account",
        tenant.account.name,
        "--user",
        "plain",
        env={"WELKIN_PASSWORD": password},
    )
    refused = plain.run("bill", "ls")
    assert refused.returncode == 1, refused.stderr
    assert "bss:bill:view" in refused.stderr


def test_exports_parse_and_their_lines_add_up(tenants: dict[str, Tenant], tmp_path: Path) -> None:
    tenant = tenants["billed-a"]
    target = tmp_path / "bill.csv"
    tenant.cli.ok("bill", "export", MONTH, "--format", "csv", "-o", str(target))
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    lines = [row for row in rows if row["record"] == "line"]
    totals = {row["record"]: Decimal(row["amount"]) for row in rows if row["record"] != "line"}
    assert sum(Decimal(row["quantity"]) for row in lines if row["usage_type"] == "fgs_requests") == 3
    assert sum(Decimal(row["amount"]) for row in lines) == totals["total"]

    document = json.loads(tenant.cli.ok("bill", "export", MONTH, "--format", "json"))
    assert sum(Decimal(line["amount"]) for line in document["lines"]) == Decimal(document["total"])
    assert Decimal(document["total"]) == totals["total"]
    as_csv = tenant.get(f"/welkin/v1/billing/invoices/{MONTH}", accept="text/csv")
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.splitlines()[0].startswith("record,month,adjusts,")


def test_welkin_bill_shows_the_month_so_far_and_lists_invoices(tenants: dict[str, Tenant]) -> None:
    tenant = tenants["billed-b"]
    shown = tenant.cli.ok("bill")
    assert f"Invoice {MONTH}: estimated" in shown
    assert "fgs_requests" in shown
    assert "Billed" in shown
    assert tenant.cli.json("bill", "show", MONTH)["account_id"] == tenant.cli.json("bill")["account_id"]
    assert [i["status"] for i in tenant.cli.json("bill", "ls")] == ["estimated"]
    assert tenant.cli.run("bill", "show", "2026-1").returncode == 2
    assert tenant.cli.run("bill", "ls", "--account", "billed-a").returncode == 1  # not the operator


def test_the_operator_cli_names_an_account(
    tenants: dict[str, Tenant], shared_welkin: Welkin, tmp_path: Path
) -> None:
    operator = Cli(tmp_path / "operator.toml")
    env = {"WELKIN_SECRET_KEY": shared_welkin.secret_key}
    operator.ok("login", "--endpoint", shared_welkin.url, "--access-key", shared_welkin.access_key, env=env)
    for name, tenant in tenants.items():
        shown = operator.json("bill", "show", MONTH, "--account", name)
        assert _requests(shown) == tenant.invocations
        assert [i["month"] for i in operator.json("bill", "ls", "--account", name)] == [MONTH]
    b = operator.json("bill", "show", MONTH, "--account", "billed-b")["account_id"]
    exported = csv.DictReader(io.StringIO(operator.ok("bill", "export", MONTH, "--account", "billed-b")))
    assert {row["account_id"] for row in exported} == {b}
    assert operator.run("bill", "paid", MONTH, "--account", "billed-b").returncode == 1  # still open


def test_export_help_has_examples_and_exit_codes() -> None:
    result = CliRunner().invoke(app, ["bill", "export", "--help"])
    assert result.exit_code == 0, result.output
    assert "  1. welkin bill export" in result.output
    assert "Exit codes: 0 ok; 1 refused" in result.output
