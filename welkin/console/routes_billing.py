"""Billing pages: the month so far, invoices and their CSV, usage per service, budgets."""

from __future__ import annotations

from starlette.routing import BaseRoute

from welkin.console.context import Console


def routes(console: Console) -> list[BaseRoute]:
    return []
