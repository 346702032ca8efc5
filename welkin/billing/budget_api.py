"""The budget API (``/welkin/v1/billing/budget``): the caller's own account only.

    PUT    /welkin/v1/billing/budget                 {"budget": {"amount": "50.00", ...}}
    GET    /welkin/v1/billing/budget                 the budget and the month so far
    DELETE /welkin/v1/billing/budget
    GET    /welkin/v1/billing/budget/notifications   ?month=YYYY-MM, newest first

Reading needs ``bss:budget:view`` (BSS ReadonlyAccess grants it), changing
``bss:budget:update`` (BSS Administrator, Tenant Administrator). The operator reads any
account's, by name, under ``/welkin/v1/billing/accounts/{name}/budget[/notifications]``,
with the right to list accounts; nobody changes another account's budget. Errors are
Huawei's ``{"error_code", "error_msg"}``.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal, InvalidOperation

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.billing.budget_service import BudgetService, BudgetStatus
from welkin.billing.budget_store import AccountBudget, Notification
from welkin.billing.budgets import DEFAULT_THRESHOLDS
from welkin.core import errors
from welkin.core.body import Body
from welkin.iam.api import render
from welkin.iam.api.context import ApiContext
from welkin.iam.models import Principal

VIEW = "bss:budget:view"
UPDATE = "bss:budget:update"
_PATH = "/welkin/v1/billing/budget"
_ACCOUNT_PATH = "/welkin/v1/billing/accounts/{name}/budget"


class BudgetApi:
    def __init__(self, ctx: ApiContext, budgets: BudgetService) -> None:
        self.ctx = ctx
        self.budgets = budgets

    def routes(self) -> list[Route]:
        return [
            Route(_PATH, self.put, methods=["PUT"], name="SetBudget"),
            Route(_PATH, self.show, methods=["GET"], name="ShowBudget"),
            Route(_PATH, self.delete, methods=["DELETE"], name="DeleteBudget"),
            Route(
                f"{_PATH}/notifications", self.notifications, methods=["GET"], name="ListBudgetNotifications"
            ),
            Route(_ACCOUNT_PATH, self.show, methods=["GET"], name="ShowAccountBudget"),
            Route(
                f"{_ACCOUNT_PATH}/notifications",
                self.notifications,
                methods=["GET"],
                name="ListAccountBudgetNotifications",
            ),
        ]

    async def _caller(self, request: Request, action: str) -> Principal:
        principal = await self.ctx.caller(request)
        await self.ctx.iam.permissions.authorize(principal, action)
        return principal

    async def _read_account(self, request: Request) -> str:
        """The account whose budget a read is of: the caller's, or the one the operator names."""
        name = request.path_params.get("name")
        if name is None:
            return (await self._caller(request, VIEW)).account_id
        principal = await self.ctx.caller(request)
        for account in await self.ctx.iam.identity.accounts(principal):  # the operator's only
            if account.name == name:
                return account.id
        raise errors.NotFound(f"Account {name!r} does not exist.")

    async def put(self, request: Request) -> Response:
        principal = await self._caller(request, UPDATE)
        body = await self.ctx.wrapped(request, "budget")
        amount = _amount(body)
        thresholds = _thresholds(body)
        currency = body.opt_str("currency", 16)
        body.done()
        await self.budgets.set(principal.account_id, amount, thresholds, currency)
        status = await self.budgets.status(principal.account_id)
        return JSONResponse({"budget": _status(status)})

    async def show(self, request: Request) -> Response:
        account_id = await self._read_account(request)
        return JSONResponse({"budget": _status(await self.budgets.status(account_id))})

    async def delete(self, request: Request) -> Response:
        principal = await self._caller(request, UPDATE)
        await self.budgets.remove(principal.account_id)
        return Response(status_code=204)

    async def notifications(self, request: Request) -> Response:
        account_id = await self._read_account(request)
        found = await self.budgets.notifications(account_id, request.query_params.get("month"))
        return JSONResponse({"notifications": [_notification(n) for n in found]})


def _amount(body: Body) -> Decimal:
    raw = body.peek("amount")
    body.ignore("amount")
    if raw is None:
        raise errors.InvalidArgument("budget.amount is required.")
    # A decimal string is exact; a JSON integer is too. A JSON fraction would be a binary float.
    if isinstance(raw, int) and not isinstance(raw, bool):
        return Decimal(raw)
    if isinstance(raw, str):
        with contextlib.suppress(InvalidOperation):
            return Decimal(raw.strip())
    raise errors.InvalidArgument('budget.amount must be a decimal string such as "50.00".')


def _thresholds(body: Body) -> tuple[int, ...]:
    raw = body.peek("thresholds")
    body.ignore("thresholds")
    if raw is None:
        return DEFAULT_THRESHOLDS
    if not isinstance(raw, list) or not all(isinstance(t, int) and not isinstance(t, bool) for t in raw):
        raise errors.InvalidArgument(
            "budget.thresholds must be a list of whole percentages, e.g. [50, 80, 100]."
        )
    return tuple(raw)


def _budget(b: AccountBudget) -> dict[str, object]:
    return {
        "id": b.budget_id,
        "amount": format(b.budget.amount, "f"),
        "currency": b.currency,
        "thresholds": sorted(b.budget.thresholds),
        "created_at": render.iso(b.created_at),
        "updated_at": render.iso(b.updated_at),
    }


def _status(s: BudgetStatus) -> dict[str, object]:
    return {
        **_budget(s.budget),
        "month": s.month,
        "spent": format(s.spent, "f"),
        "forecast": format(s.forecast, "f"),
    }


def _notification(n: Notification) -> dict[str, object]:
    return {
        "budget_id": n.budget_id,
        "month": n.month,
        "threshold": n.threshold,
        "kind": n.kind,
        "figure": format(n.figure, "f"),
        "amount": format(n.amount, "f"),
        "currency": n.currency,
        "notified_at": render.iso(n.notified_at),
    }
