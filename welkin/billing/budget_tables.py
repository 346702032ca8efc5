"""Budgets' tables: an account's monthly budget, and the threshold crossings recorded for it.

One budget per account (its primary key), with an id of its own so that a budget removed and
set again starts afresh. A notification's primary key is the crossing it records, so that
evaluating again can never record it twice.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, Table, Text

from welkin.core.db import UtcDateTime, metadata

billing_budgets = Table(
    "billing_budgets",
    metadata,
    Column("account_id", Text, primary_key=True),
    Column("budget_id", Text, nullable=False),
    Column("amount", Text, nullable=False),  # a decimal string, exact
    Column("currency", Text, nullable=False),
    Column("thresholds", Text, nullable=False),  # percentages, comma-separated: "50,80,100"
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

billing_budget_notifications = Table(
    "billing_budget_notifications",
    metadata,
    Column("account_id", Text, primary_key=True),
    Column("budget_id", Text, primary_key=True),
    Column("month", Text, primary_key=True),  # "YYYY-MM"
    Column("threshold", Integer, primary_key=True, autoincrement=False),
    Column("kind", Text, primary_key=True),  # "actual" | "forecast"
    Column("figure", Text, nullable=False),  # what crossed: the month's cost, or its forecast
    Column("amount", Text, nullable=False),  # the budget's amount then
    Column("currency", Text, nullable=False),
    Column("notified_at", UtcDateTime(), nullable=False),
    Index("ix_billing_budget_notifications_account_id", "account_id", "notified_at"),
)
