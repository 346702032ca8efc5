"""A closed month through the region's own API, in-process with a clock the test moves: the
final invoice, late usage as adjustment lines on the next, and the operator marking it paid."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT_PASSWORD
from welkin.config import Settings
from welkin.core import migrate
from welkin.core.clock import ManualClock
from welkin.core.events import Event
from welkin.iam.service import bootstrap
from welkin.server import Region

URN = "urn:fss:local-1:p1:function:default:fn"


@dataclass
class World:
    region: Region
    clock: ManualClock
    http: httpx.AsyncClient
    tenant_admin: tuple[str, str]  # (user, password) of acme's administrator
    tenant_id: str
    seq: int = 0
    tenant: dict[str, str] | None = None
    operator: dict[str, str] | None = None

    async def login(self) -> None:
        """Tokens last a day of the clock the test moves: log in again after moving it."""
        self.operator = await _token(self.http, "admin", "admin", ROOT_PASSWORD)
        self.tenant = await _token(self.http, "acme", *self.tenant_admin)

    async def use(self, at: datetime, invocations: int) -> None:
        self.seq += 1
        records = [
            {
                "record_id": f"{self.seq}-{i}",
                "account_id": self.tenant_id,
                "project_id": "p1",
                "function_urn": URN,
                "version": "latest",
                "request_id": "r",
                "source": "sync",
                "duration_ms": 100,
                "memory_mb": 128,
                "at": at.isoformat(),
            }
            for i in range(invocations)
        ]
        await self.region.billing_meter.handle(Event(self.seq, "functions.usage", {"records": records}, at))


async def _token(http: httpx.AsyncClient, account: str, user: str, password: str) -> dict[str, str]:
    who = {"name": user, "password": password, "domain": {"name": account}}
    body = {
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": who}},
            "scope": {"domain": {"name": account}},
        }
    }
    response = await http.post("/v3/auth/tokens", json=body)
    assert response.status_code == 201, response.text
    return {"X-Auth-Token": response.headers["x-subject-token"]}


@pytest.fixture
async def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    monkeypatch.setenv("WELKIN_ROOT_PASSWORD", ROOT_PASSWORD)
    clock = ManualClock(datetime(2026, 10, 20, tzinfo=UTC))
    region = Region.create(Settings(data_dir=tmp_path / "data"), clock=clock)
    await asyncio.to_thread(migrate.upgrade, region.settings.metadata_url)
    await bootstrap(region.iam, region.settings.data_dir)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=region.app()), base_url="http://welkin")
    try:
        operator = await _token(http, "admin", "admin", ROOT_PASSWORD)
        made = await http.post("/welkin/v1/accounts", json={"account": {"name": "acme"}}, headers=operator)
        assert made.status_code == 201, made.text
        account = made.json()["account"]
        admin = (account["admin"]["name"], account["admin"]["password"])
        yield World(region, clock, http, admin, account["id"])
    finally:
        await http.aclose()
        await region.db.close()


async def test_a_closed_month_is_final_and_late_usage_shows_on_the_next(world: World) -> None:
    await world.use(datetime(2026, 10, 20, 5, tzinfo=UTC), 3)
    world.clock.advance(timedelta(days=13))  # November 2nd: October has closed
    assert await world.region.billing_closer.close_due() == ["2026-10"]
    await world.login()
    october = (await world.http.get("/welkin/v1/billing/invoices/2026-10", headers=world.tenant)).json()
    assert (october["status"], october["final"]) == ("closed", True)
    assert october["closed_at"].startswith("2026-11-02T00:00:00")

    await world.use(datetime(2026, 10, 31, 23, tzinfo=UTC), 2)  # late
    again = (await world.http.get("/welkin/v1/billing/invoices/2026-10", headers=world.tenant)).json()
    assert again == october
    november = await world.http.get("/welkin/v1/billing/invoices/2026-11?format=csv", headers=world.tenant)
    rows = list(csv.DictReader(io.StringIO(november.text)))
    late = [row for row in rows if row["record"] == "line" and row["adjusts"] == "2026-10"]
    assert sum(Decimal(row["quantity"]) for row in late if row["usage_type"] == "fgs_requests") == 2

    listed = (await world.http.get("/welkin/v1/billing/invoices", headers=world.tenant)).json()["invoices"]
    assert [(i["month"], i["status"]) for i in listed] == [("2026-11", "estimated"), ("2026-10", "closed")]
    paid_url = "/welkin/v1/billing/accounts/acme/invoices/2026-10/paid"
    assert (await world.http.post(paid_url, headers=world.tenant)).status_code == 403
    paid = await world.http.post(paid_url, headers=world.operator)
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    seen = await world.http.get("/welkin/v1/billing/accounts/acme/invoices/2026-10", headers=world.operator)
    assert seen.json()["status"] == "paid"
    assert seen.json()["lines"] == october["lines"]
