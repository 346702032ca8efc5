"""Budgets evaluated against the hourly usage billing has counted, on SQLite and PostgreSQL:
each crossing recorded once, actual and forecast apart, a changed budget keeping its past,
and every account seeing only its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert

from welkin.billing.budget_evaluator import BudgetEvaluator
from welkin.billing.budget_service import BudgetService
from welkin.billing.budget_store import BudgetStore
from welkin.billing.budgets import Budget
from welkin.billing.catalog import PriceCatalog
from welkin.billing.meter import FGS_RESOURCE, FGS_SERVICE
from welkin.billing.service import BillingService
from welkin.billing.tables import billing_usage_hourly
from welkin.core import errors
from welkin.core.clock import ManualClock
from welkin.core.db import Database

# A request costs one dollar, nothing free: a usage row's quantity is its cost.
CATALOG = PriceCatalog.parse(
    {
        "currency": "USD",
        "price": [
            {
                "usage_type": "fgs_requests",
                "service_type": FGS_SERVICE,
                "resource_type": FGS_RESOURCE,
                "unit": "request",
                "per": 1,
                "price": "1",
                "effective_from": datetime(2026, 1, 1, tzinfo=UTC),
            }
        ],
    }
)


class World:
    def __init__(self, db: Database, clock: ManualClock) -> None:
        self.db = db
        self.clock = clock
        store = BudgetStore(db)
        billing = BillingService(db, clock, CATALOG)
        self.budgets = BudgetService(store, billing, clock)
        self.evaluator = BudgetEvaluator(store, billing, clock, interval=60)
        self.functions = 0  # each spend is another function's, so rows never collide

    async def spend(
        self, account: str, dollars: int, hour: datetime | None = None, usage_type: str = "fgs_requests"
    ) -> None:
        self.functions += 1
        at = (hour or self.clock.now()).replace(minute=0, second=0, microsecond=0)
        row = {
            "account_id": account,
            "hour": at,
            "service": FGS_SERVICE,
            "resource_type": FGS_RESOURCE,
            "resource_id": f"urn:fss:r1:{account}:function:default:fn{self.functions}",
            "region": "r1",
            "usage_type": usage_type,
            "quantity": dollars,
        }
        await self.db.run_write(lambda conn: conn.execute(insert(billing_usage_hourly), [row]))

    async def evaluate(self) -> set[tuple[str, int, str]]:
        return {(n.account_id, n.threshold, n.kind) for n in await self.evaluator.evaluate(self.clock.now())}

    async def listed(self, account: str, month: str | None = None) -> list[tuple[int, str]]:
        return [(n.threshold, n.kind) for n in await self.budgets.notifications(account, month)]


def world_at(db: Database, when: datetime) -> World:
    return World(db, ManualClock(when))


async def test_a_crossing_is_recorded_once_however_often_evaluated(db: Database) -> None:
    w = world_at(db, datetime(2026, 11, 30, 12, tzinfo=UTC))  # late: the forecast is near the actual
    await w.budgets.set("a", Decimal("100"))
    await w.spend("a", 60)
    assert await w.evaluate() == {("a", 50, "actual"), ("a", 50, "forecast")}
    assert await w.evaluate() == set()
    w.clock.advance(timedelta(minutes=30))
    assert await w.evaluate() == set()
    await w.spend("a", 25)  # 85 now
    assert await w.evaluate() == {("a", 80, "actual"), ("a", 80, "forecast")}
    assert await w.evaluate() == set()
    listed = await w.budgets.notifications("a")
    assert sorted((n.threshold, n.kind) for n in listed) == [
        (50, "actual"),
        (50, "forecast"),
        (80, "actual"),
        (80, "forecast"),
    ]
    assert [n.threshold for n in listed][:2] == [80, 80]  # newest first
    first = next(n for n in listed if (n.threshold, n.kind) == (50, "actual"))
    assert first.figure == Decimal("60")
    assert first.amount == Decimal("100")
    assert first.currency == "USD"
    assert first.month == "2026-11"
    assert first.notified_at == datetime(2026, 11, 30, 12, tzinfo=UTC)


async def test_early_in_the_month_the_forecast_crosses_before_the_actual(db: Database) -> None:
    w = world_at(db, datetime(2026, 11, 2, 0, tzinfo=UTC))  # a day of thirty gone
    await w.budgets.set("a", Decimal("300"), (50, 100))
    await w.spend("a", 6, datetime(2026, 11, 1, 5, tzinfo=UTC))  # 6 a day: 180 by the month's end
    assert await w.evaluate() == {("a", 50, "forecast")}
    status = await w.budgets.status("a")
    assert (status.month, status.spent, status.forecast) == (
        "2026-11",
        Decimal("6.00000000"),
        Decimal("180.00000000"),
    )
    (crossed,) = await w.budgets.notifications("a")
    assert crossed.figure == Decimal("180.00000000")
    await w.spend("a", 10, datetime(2026, 11, 1, 6, tzinfo=UTC))  # 16 a day: 480
    assert await w.evaluate() == {("a", 100, "forecast")}
    # The month ends under budget: what was forecast stays recorded, nothing actual was crossed.
    w.clock.advance(timedelta(days=30))
    assert await w.evaluate() == set()
    assert set(await w.listed("a", "2026-11")) == {(50, "forecast"), (100, "forecast")}
    assert await w.listed("a", "2026-12") == []


async def test_a_changed_budget_keeps_its_notifications_and_new_thresholds_fire(db: Database) -> None:
    w = world_at(db, datetime(2026, 11, 30, 12, tzinfo=UTC))
    before = await w.budgets.set("a", Decimal("1"))
    await w.spend("a", 1)
    assert {t for _, t, k in await w.evaluate() if k == "actual"} == {50, 80, 100}
    w.clock.advance(timedelta(minutes=5))
    after = await w.budgets.set("a", Decimal("4"), (25, 50, 100))
    assert after.budget_id == before.budget_id
    assert after.created_at == before.created_at
    assert after.updated_at > before.updated_at
    # 1 of 4: 25 % is new; 50 and 100 % were notified this month already.
    assert {t for _, t, k in await w.evaluate() if k == "actual"} == {25}
    listed = await w.budgets.notifications("a")
    assert {(n.threshold, n.amount) for n in listed if n.kind == "actual"} == {
        (25, Decimal("4")),
        (50, Decimal("1")),
        (80, Decimal("1")),
        (100, Decimal("1")),
    }


async def test_a_budget_removed_and_set_again_is_a_new_one(db: Database) -> None:
    w = world_at(db, datetime(2026, 11, 30, 12, tzinfo=UTC))
    old = await w.budgets.set("a", Decimal("10"), (50,))
    await w.spend("a", 6)
    assert await w.evaluate() == {("a", 50, "actual"), ("a", 50, "forecast")}
    await w.budgets.remove("a")
    with pytest.raises(errors.NotFound):
        await w.budgets.get("a")
    with pytest.raises(errors.NotFound):
        await w.budgets.remove("a")
    assert await w.evaluate() == set()
    assert len(await w.listed("a")) == 2  # removing a budget keeps what it notified
    new = await w.budgets.set("a", Decimal("10"), (50,))
    assert new.budget_id != old.budget_id
    assert await w.evaluate() == {("a", 50, "actual"), ("a", 50, "forecast")}
    assert len(await w.listed("a")) == 4


async def test_accounts_are_evaluated_and_listed_apart(db: Database) -> None:
    w = world_at(db, datetime(2026, 11, 30, 12, tzinfo=UTC))
    await w.budgets.set("a", Decimal("10"))
    await w.budgets.set("b", Decimal("10"))
    await w.spend("a", 9)
    await w.spend("c", 1000)  # no budget: never rated
    found = await w.evaluate()
    assert {a for a, _, _ in found} == {"a"}
    assert await w.listed("b") == []
    assert await w.listed("c") == []
    await w.spend("b", 5)
    assert {(a, t, k) for a, t, k in await w.evaluate()} == {("b", 50, "actual"), ("b", 50, "forecast")}
    assert {n.account_id for n in await w.budgets.notifications("a")} == {"a"}
    assert {n.account_id for n in await w.budgets.notifications("b")} == {"b"}
    assert (await w.budgets.status("b")).spent == Decimal("5.00000000")


async def test_one_pass_rates_many_accounts_each_against_its_own_budget(db: Database) -> None:
    w = world_at(db, datetime(2026, 11, 30, 12, tzinfo=UTC))
    for i in range(1, 21):
        await w.budgets.set(f"acct-{i}", Decimal(10 * i))
        await w.spend(f"acct-{i}", 60)  # 600 % of the first budget, 30 % of the last
    found = await w.evaluate()
    for i in range(1, 21):
        expected = {t for t in (50, 80, 100) if 10 * i * t <= 60 * 100}
        assert {t for a, t, k in found if a == f"acct-{i}" and k == "actual"} == expected
        listed = await w.budgets.notifications(f"acct-{i}")
        assert {(n.figure, n.amount) for n in listed if n.kind == "actual"} <= {
            (Decimal(60), Decimal(10 * i))
        }
    assert await w.evaluate() == set()


async def test_usage_of_another_month_counts_for_that_month_only(db: Database) -> None:
    w = world_at(db, datetime(2026, 12, 15, tzinfo=UTC))
    await w.budgets.set("a", Decimal("10"))
    await w.spend("a", 100, datetime(2026, 11, 30, 23, tzinfo=UTC))
    assert await w.evaluate() == set()


async def test_a_budget_that_cannot_be_evaluated_holds_back_no_other(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    w = world_at(db, datetime(2026, 11, 30, 12, tzinfo=UTC))
    for account in ("unpriced", "euros", "fine"):
        await w.budgets.set(account, Decimal("10"))
        await w.spend(account, 9)
    await w.spend("unpriced", 1, usage_type="obs_traffic_out")  # this catalog has no such price
    await BudgetStore(db).put("euros", Budget(Decimal("10")), "EUR", w.clock.now())  # prices changed currency
    assert {a for a, _, _ in await w.evaluate()} == {"fine"}
    assert await w.evaluate() == set()
    assert len(await w.listed("fine")) == 4
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2  # once each, not on every pass
    assert any("unpriced" in m and "obs_traffic_out" in m for m in warnings)
    assert any("euros" in m and "EUR" in m for m in warnings)


@pytest.mark.parametrize(
    ("amount", "thresholds", "currency", "message"),
    [
        (Decimal("0"), (50,), None, "more than zero"),
        (Decimal("-5"), (50,), None, "more than zero"),
        (Decimal("NaN"), (50,), None, "more than zero"),
        (Decimal("1.000000001"), (50,), None, "8 decimal places"),
        (Decimal("1e16"), (50,), None, "at most"),
        (Decimal("10"), (), None, "percentages"),
        (Decimal("10"), (0, 50), None, "percentages"),
        (Decimal("10"), (50, 50), None, "differ"),
        (Decimal("10"), (50,), "EUR", "USD"),
    ],
)
async def test_a_bad_budget_is_refused_and_nothing_is_stored(
    db: Database, amount: Decimal, thresholds: tuple[int, ...], currency: str | None, message: str
) -> None:
    w = world_at(db, datetime(2026, 11, 30, tzinfo=UTC))
    with pytest.raises(errors.InvalidArgument, match=message):
        await w.budgets.set("a", amount, thresholds, currency)
    with pytest.raises(errors.NotFound):
        await w.budgets.get("a")


async def test_a_budget_in_the_catalogs_currency_is_accepted(db: Database) -> None:
    w = world_at(db, datetime(2026, 11, 30, tzinfo=UTC))
    made = await w.budgets.set("a", Decimal("12.50"), (100, 50), "USD")
    got = await w.budgets.get("a")
    assert got == made
    assert (got.budget.amount, got.currency, got.budget.thresholds) == (Decimal("12.50"), "USD", (100, 50))
    with pytest.raises(errors.InvalidArgument, match="YYYY-MM"):
        await w.budgets.notifications("a", "2026-1")
