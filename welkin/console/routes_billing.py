"""Billing pages: the month so far, invoices and their CSV, usage per service, budgets.

    GET  /console/billing                  the month in progress, invoices, chart, budget
    GET  /console/billing/{YYYY-MM}        one month: its invoice (final once closed) and chart
    GET  /console/billing/{YYYY-MM}.csv    that invoice as ``export.to_csv`` writes it
    POST /console/billing/budget           set the monthly budget (SetBudget)
    POST /console/billing/budget/delete    remove it (DeleteBudget)

The same checks as the APIs: reading a bill needs ``bss:bill:view`` (``billing/api.py``),
reading the budget ``bss:budget:view`` and changing it ``bss:budget:update``
(``budget_api.py``). A month still open is an estimate, shown with the time it was computed
(``billing_figures.py`` keeps a heavy month's for a minute).
"""

from __future__ import annotations

import contextlib
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from welkin.billing.api import VIEW_BILL
from welkin.billing.budget_api import UPDATE as UPDATE_BUDGET
from welkin.billing.budget_api import VIEW as VIEW_BUDGET
from welkin.billing.budget_store import AccountBudget
from welkin.billing.budgets import DEFAULT_THRESHOLDS, forecast, month_bounds
from welkin.billing.export import to_csv
from welkin.billing.rating import EIGHT_PLACES
from welkin.console.billing_figures import (
    PAGE_WAIT,
    BillingFigures,
    days_of,
    plain,
    service_name,
    shown_quantity,
)
from welkin.console.charts import Series, stacked_bar_chart
from welkin.console.context import Console, SignedIn
from welkin.console.kept import Pending
from welkin.core import errors

_NOTIFICATIONS_SHOWN = 50
_THRESHOLD = re.compile(r"[0-9]{1,4}")


def month_param(request: Request) -> str:
    month: str = request.path_params["month"]
    try:
        month_bounds(month)
    except ValueError as why:
        raise errors.InvalidArgument(f"A month is written YYYY-MM, not {month!r}.") from why
    return month


def parse_amount(raw: str) -> Decimal:
    with contextlib.suppress(InvalidOperation):
        amount = Decimal(raw.strip())
        if amount.is_finite():
            return amount
    raise errors.InvalidArgument("The budget's amount must be a number such as 50.00.")


def parse_thresholds(raw: str) -> tuple[int, ...]:
    """Whole percentages separated by commas or spaces; the defaults when left empty."""
    words = [w for w in re.split(r"[\s,;%]+", raw) if w]
    if not words:
        return DEFAULT_THRESHOLDS
    if not all(_THRESHOLD.fullmatch(w) for w in words):
        raise errors.InvalidArgument(
            "Thresholds are whole percentages separated by commas, e.g. 50, 80, 100."
        )
    return tuple(int(w) for w in words)


def routes(console: Console, figures: BillingFigures) -> list[BaseRoute]:
    region = console.region

    async def authorize(signed: SignedIn, action: str) -> None:
        await region.iam.permissions.authorize(signed.principal, action)

    async def month_page(signed: SignedIn, month: str) -> Response:
        await authorize(signed, VIEW_BILL)
        account_id = signed.account_id
        current = figures.current_month()
        try:
            shown = await figures.month(account_id, month, PAGE_WAIT)
            now = shown if month == current else await figures.month(account_id, current, PAGE_WAIT)
        except Pending as pending:
            return console.render(
                signed, "billing/pending.html", section="billing", month=month, since=pending.since
            )
        listed = await figures.invoices(account_id, now.value.bill.invoice)
        bill = shown.value.bill
        days = days_of(month)
        chart = stacked_bar_chart(
            [Series(s.name, [float(a) for a in s.amounts]) for s in shown.value.daily],
            [str(d.day) for d in days],
            bill.invoice.currency,
            "Daily amounts per service",
        )
        values: dict[str, Any] = {
            "month": month,
            "current": month == current,
            "bill": bill,
            "invoice": bill.invoice,
            "computed_at": shown.computed_at,
            "services": shown.value.services,
            "service_name": service_name,
            "series": shown.value.daily,
            "chart": chart,
            "invoices": listed,
            "budget": None,
            "budget_visible": False,
            "may_set_budget": False,
        }
        if month == current:
            values.update(await budget_values(signed, bill.invoice.total, month))
        return console.render(
            signed, "billing/month.html", section="billing", plain=plain, quantity=shown_quantity, **values
        )

    async def budget_values(signed: SignedIn, spent: Decimal, month: str) -> dict[str, Any]:
        """The budget against the month so far, when the user may read it; the form when they
        may change it. Spent is the page's own figure: rating the month again would cost as much."""
        if not await console.can(signed, VIEW_BUDGET):
            return {}
        budgets = region.budgets
        found: AccountBudget | None = None
        with contextlib.suppress(errors.NotFound):
            found = await budgets.get(signed.account_id)
        status = None
        if found is not None:
            projected = forecast(spent, month, region.clock.now()).quantize(EIGHT_PLACES)
            used = (spent * 100 / found.budget.amount).quantize(Decimal("0.1"))
            status = {"spent": spent, "forecast": projected, "used": used}
        alerts = await budgets.notifications(signed.account_id)
        return {
            "budget": found,
            "budget_status": status,
            "budget_visible": True,
            "may_set_budget": await console.can(signed, UPDATE_BUDGET),
            "alerts": alerts[:_NOTIFICATIONS_SHOWN],
            "currency": budgets.currency,
            "default_thresholds": ", ".join(str(t) for t in DEFAULT_THRESHOLDS),
        }

    async def overview(_request: Request, signed: SignedIn) -> Response:
        return await month_page(signed, figures.current_month())

    async def month(request: Request, signed: SignedIn) -> Response:
        await authorize(signed, VIEW_BILL)  # before reading the path: a stranger learns nothing
        return await month_page(signed, month_param(request))

    async def csv_file(request: Request, signed: SignedIn) -> Response:
        await authorize(signed, VIEW_BILL)
        chosen = month_param(request)
        invoice = (await figures.month(signed.account_id, chosen)).value.bill.invoice
        return Response(
            to_csv(invoice),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="invoice-{chosen}.csv"'},
        )

    async def set_budget(_request: Request, signed: SignedIn, form: FormData) -> Response:
        await authorize(signed, UPDATE_BUDGET)
        amount = parse_amount(str(form.get("amount") or ""))
        thresholds = parse_thresholds(str(form.get("thresholds") or ""))
        await region.budgets.set(signed.account_id, amount, thresholds)
        console.flash(signed, f"The monthly budget is now {amount:f} {region.budgets.currency}.", "ok")
        return console.redirect("/console/billing#budget")

    async def remove_budget(_request: Request, signed: SignedIn, _form: FormData) -> Response:
        await authorize(signed, UPDATE_BUDGET)
        await region.budgets.remove(signed.account_id)
        console.flash(signed, "The monthly budget is removed; its alerts stay listed.", "ok")
        return console.redirect("/console/billing#budget")

    return [
        console.page("/console/billing", overview, "ConsoleBilling"),
        console.action("/console/billing/budget", set_budget, "SetBudget"),
        console.action("/console/billing/budget/delete", remove_budget, "DeleteBudget"),
        console.page("/console/billing/{month}.csv", csv_file, "ShowInvoiceCsv"),
        console.page("/console/billing/{month}", month, "ShowInvoice"),
    ]
