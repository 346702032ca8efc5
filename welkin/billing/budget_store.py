"""Budgets' persistence: each account's budget, and the crossings notified for it.

    store = BudgetStore(db)
    await store.put(account_id, Budget(Decimal("50")), "USD", now)
    await store.record([Notification(...), ...])   # only the ones not recorded before come back

Every read and write but ``month_state`` (the evaluator's one pass over all budgets) is
confined to one account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from welkin.billing.budget_tables import billing_budget_notifications, billing_budgets
from welkin.billing.budgets import Budget
from welkin.core.db import Database
from welkin.core.ids import new_id

_NOTIFICATION_KEY = ("account_id", "budget_id", "month", "threshold", "kind")


@dataclass(frozen=True)
class AccountBudget:
    account_id: str
    budget_id: str  # new when a budget is set where there was none
    budget: Budget
    currency: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Notification:
    """One threshold crossed, of one kind, in one month, of one budget."""

    account_id: str
    budget_id: str
    month: str  # "YYYY-MM"
    threshold: int  # percent of ``amount``
    kind: str  # "actual" | "forecast"
    figure: Decimal  # the month's cost (actual) or its forecast, when it crossed
    amount: Decimal  # the budget's amount then
    currency: str
    notified_at: datetime


@dataclass(frozen=True)
class BudgetMonth:
    """A budget as the evaluator sees it: which of its crossings ``month`` has recorded."""

    budget: AccountBudget
    recorded: frozenset[tuple[int, str]]  # (threshold, kind)


class BudgetStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, account_id: str, budget: Budget, currency: str, now: datetime) -> AccountBudget:
        """Set the account's budget; its id and creation time stay when it had one."""
        return await self._db.run_write(lambda conn: _put(conn, account_id, budget, currency, now))

    async def get(self, account_id: str) -> AccountBudget | None:
        t = billing_budgets
        row = await self._db.run_read(
            lambda conn: conn.execute(select(t).where(t.c.account_id == account_id)).first()
        )
        return _budget(row) if row is not None else None

    async def delete(self, account_id: str) -> bool:
        """Remove the budget (its notifications stay); False when there was none."""
        t = billing_budgets
        rowcount = await self._db.run_write(
            lambda conn: conn.execute(delete(t).where(t.c.account_id == account_id)).rowcount
        )
        return bool(rowcount)

    async def month_state(self, month: str) -> list[BudgetMonth]:
        """Every budget, with what ``month`` has recorded for it: two queries in all."""
        return await self._db.run_read(lambda conn: _month_state(conn, month))

    async def record(self, notifications: list[Notification]) -> list[Notification]:
        """Insert the notifications, skipping any already recorded; the ones inserted come back."""
        if not notifications:
            return []
        return await self._db.run_write(lambda conn: _record(conn, notifications))

    async def notifications(self, account_id: str, month: str | None = None) -> list[Notification]:
        """The account's notifications, newest first; of ``month`` only when given."""
        t = billing_budget_notifications
        query = select(t).where(t.c.account_id == account_id)
        if month is not None:
            query = query.where(t.c.month == month)
        query = query.order_by(t.c.notified_at.desc(), t.c.kind, t.c.threshold.desc())
        rows = await self._db.run_read(lambda conn: list(conn.execute(query)))
        return [_notification(row) for row in rows]


def _put(conn: Connection, account_id: str, budget: Budget, currency: str, now: datetime) -> AccountBudget:
    t = billing_budgets
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    changed = {
        "amount": format(budget.amount, "f"),
        "currency": currency,
        "thresholds": ",".join(str(p) for p in budget.thresholds),
        "updated_at": now,
    }
    statement = insert(t).values(account_id=account_id, budget_id=new_id(), created_at=now, **changed)
    upsert = statement.on_conflict_do_update(index_elements=["account_id"], set_=changed).returning(*t.c)
    return _budget(conn.execute(upsert).one())


def _month_state(conn: Connection, month: str) -> list[BudgetMonth]:
    n = billing_budget_notifications
    recorded: dict[tuple[str, str], set[tuple[int, str]]] = {}
    keys = select(n.c.account_id, n.c.budget_id, n.c.threshold, n.c.kind).where(n.c.month == month)
    for row in conn.execute(keys):
        recorded.setdefault((row.account_id, row.budget_id), set()).add((row.threshold, row.kind))
    budgets = [_budget(row) for row in conn.execute(select(billing_budgets))]
    return [BudgetMonth(b, frozenset(recorded.get((b.account_id, b.budget_id), ()))) for b in budgets]


def _record(conn: Connection, notifications: list[Notification]) -> list[Notification]:
    t = billing_budget_notifications
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(t)
        .on_conflict_do_nothing(index_elements=list(_NOTIFICATION_KEY))
        .returning(*(t.c[k] for k in _NOTIFICATION_KEY))
    )
    rows = [
        {
            "account_id": n.account_id,
            "budget_id": n.budget_id,
            "month": n.month,
            "threshold": n.threshold,
            "kind": n.kind,
            "figure": format(n.figure, "f"),
            "amount": format(n.amount, "f"),
            "currency": n.currency,
            "notified_at": n.notified_at,
        }
        for n in notifications
    ]
    inserted = {tuple(row) for row in conn.execute(statement, rows)}
    return [n for n in notifications if (n.account_id, n.budget_id, n.month, n.threshold, n.kind) in inserted]


def _budget(row: Any) -> AccountBudget:
    thresholds = tuple(int(p) for p in row.thresholds.split(","))
    return AccountBudget(
        row.account_id,
        row.budget_id,
        Budget(Decimal(row.amount), thresholds),
        row.currency,
        row.created_at,
        row.updated_at,
    )


def _notification(row: Any) -> Notification:
    return Notification(
        row.account_id,
        row.budget_id,
        row.month,
        row.threshold,
        row.kind,
        Decimal(row.figure),
        Decimal(row.amount),
        row.currency,
        row.notified_at,
    )
