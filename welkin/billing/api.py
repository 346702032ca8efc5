"""Welkin's invoice API (``/welkin/v1/billing``): an account's own invoices, and the operator's
view of any account's.

    GET  /welkin/v1/billing/invoices                                   the caller's account
    GET  /welkin/v1/billing/invoices/{YYYY-MM}[?format=json|csv]
    GET  /welkin/v1/billing/accounts/{name}/invoices                   operator only
    GET  /welkin/v1/billing/accounts/{name}/invoices/{YYYY-MM}[?format=json|csv]
    POST /welkin/v1/billing/accounts/{name}/invoices/{YYYY-MM}/paid

Reading needs ``bss:bill:view`` (an account's administrators have it; BSS ReadonlyAccess
grants it alone), marking paid ``bss:bill:update``. An invoice is ``export.to_json``'s
document with its status, or ``export.to_csv``'s file when asked for CSV (``?format=csv`` or
``Accept: text/csv``). Errors are Huawei's ``{"error_code", "error_msg"}``.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.billing.budgets import month_bounds
from welkin.billing.export import to_csv, to_json
from welkin.billing.invoice_store import InvoiceSummary
from welkin.billing.service import Bill, BillingService
from welkin.core import errors
from welkin.iam.api.context import ApiContext
from welkin.iam.api.render import iso
from welkin.iam.models import Principal

VIEW_BILL = "bss:bill:view"
UPDATE_BILL = "bss:bill:update"
_BASE = "/welkin/v1/billing"


def _summary(s: InvoiceSummary) -> dict[str, Any]:
    return {
        "month": s.month,
        "status": s.status,
        "currency": s.currency,
        "total": format(s.total, "f"),
        "billed": format(s.billed, "f"),
        "closed_at": iso(s.closed_at),
        "paid_at": iso(s.paid_at),
    }


def _month(request: Request) -> str:
    month: str = request.path_params["month"]
    try:
        month_bounds(month)
    except ValueError as why:
        raise errors.InvalidArgument(str(why)) from None
    return month


def _wants_csv(request: Request) -> bool:
    asked = request.query_params.get("format")
    if asked is None:
        return "text/csv" in request.headers.get("accept", "")
    if asked not in ("json", "csv"):
        raise errors.InvalidArgument(f"format is json or csv, not {asked!r}.")
    return asked == "csv"


def _bill(request: Request, bill: Bill) -> Response:
    invoice = bill.invoice
    if _wants_csv(request):
        name = f"invoice-{invoice.month}.csv"
        return Response(
            to_csv(invoice),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    document = json.loads(to_json(invoice))
    document.update(
        status=bill.status, final=bill.final, closed_at=iso(bill.closed_at), paid_at=iso(bill.paid_at)
    )
    return JSONResponse(document)


class BillingApi:
    def __init__(self, ctx: ApiContext, billing: BillingService) -> None:
        self.ctx = ctx
        self.billing = billing

    def routes(self) -> list[Route]:
        accounts = f"{_BASE}/accounts/{{name}}/invoices"
        return [
            Route(f"{_BASE}/invoices", self.list_own, methods=["GET"], name="ListInvoices"),
            Route(f"{_BASE}/invoices/{{month}}", self.show_own, methods=["GET"], name="ShowInvoice"),
            Route(accounts, self.list_account, methods=["GET"], name="ListAccountInvoices"),
            Route(f"{accounts}/{{month}}", self.show_account, methods=["GET"], name="ShowAccountInvoice"),
            Route(f"{accounts}/{{month}}/paid", self.mark_paid, methods=["POST"], name="MarkInvoicePaid"),
        ]

    async def _own(self, request: Request) -> str:
        principal = await self.ctx.caller(request)
        await self.ctx.iam.permissions.authorize(principal, VIEW_BILL)
        return principal.account_id

    async def _account(self, request: Request, action: str) -> str:
        """The id of the account named in the path; only the operator may name one."""
        principal: Principal = await self.ctx.caller(request)
        if not principal.is_operator:
            raise errors.AccessDenied("Only the operator's account reads other accounts' invoices.")
        await self.ctx.iam.permissions.authorize(principal, action)
        name = request.path_params["name"]
        for account in await self.ctx.iam.identity.accounts(principal):
            if account.name == name:
                return account.id
        raise errors.NotFound(f"Account {name!r} does not exist.")

    async def list_own(self, request: Request) -> Response:
        account_id = await self._own(request)
        return JSONResponse({"invoices": [_summary(s) for s in await self.billing.invoices(account_id)]})

    async def show_own(self, request: Request) -> Response:
        account_id = await self._own(request)
        month = _month(request)  # after authenticating: a stranger gets 401, not 400
        return _bill(request, await self.billing.bill(account_id, month))

    async def list_account(self, request: Request) -> Response:
        account_id = await self._account(request, VIEW_BILL)
        return JSONResponse({"invoices": [_summary(s) for s in await self.billing.invoices(account_id)]})

    async def show_account(self, request: Request) -> Response:
        account_id = await self._account(request, VIEW_BILL)
        month = _month(request)
        return _bill(request, await self.billing.bill(account_id, month))

    async def mark_paid(self, request: Request) -> Response:
        account_id = await self._account(request, UPDATE_BILL)
        month = _month(request)
        bill = await self.billing.mark_paid(account_id, month)
        return JSONResponse(
            {
                "month": month,
                "status": bill.status,
                "paid_at": iso(bill.paid_at),
                "billed": format(bill.invoice.billed, "f"),
            }
        )
