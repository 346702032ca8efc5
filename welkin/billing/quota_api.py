"""Account quotas over Welkin's operator API.

    GET /welkin/v1/accounts/{name}/quotas   an account's quotas (operator)
    PUT /welkin/v1/accounts/{name}/quotas   set some: {"quotas": {"buckets": 5, "stored_bytes": null}}
    GET /welkin/v1/quotas                   the caller's own account's quotas

A limit is a whole number, -1 for no limit; null puts a quota back to the region's default.
Every quota is answered with its limit, the default and what the account uses now.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.billing.quotas import NO_LIMIT, AccountQuotas, Quota, QuotaStatus
from welkin.core import errors
from welkin.iam import actions
from welkin.iam.api.context import ApiContext

# Large enough for any real limit, small enough for a signed 64-bit column.
MAX_LIMIT = 1 << 62


def _rendered(account_id: str, name: str, statuses: list[QuotaStatus]) -> dict[str, object]:
    return {
        "account": {"id": account_id, "name": name},
        "quotas": {
            s.quota.value: {
                "limit": s.limit,
                "default": s.default,
                "used": s.used,
                "unit": s.quota.unit or "count",
            }
            for s in statuses
        },
    }


class QuotaApi:
    def __init__(self, ctx: ApiContext, quotas: AccountQuotas) -> None:
        self.ctx = ctx
        self.quotas = quotas

    def routes(self) -> list[Route]:
        return [
            Route("/welkin/v1/accounts/{name}/quotas", self.show, methods=["GET"], name="ShowAccountQuotas"),
            Route(
                "/welkin/v1/accounts/{name}/quotas", self.update, methods=["PUT"], name="UpdateAccountQuotas"
            ),
            Route("/welkin/v1/quotas", self.own, methods=["GET"], name="ShowQuotas"),
        ]

    async def show(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        name = request.path_params["name"]
        account = await self.ctx.iam.identity.managed_account(principal, name, actions.WELKIN_GET_ACCOUNT)
        statuses = await self.quotas.statuses(account.id)
        return JSONResponse(_rendered(account.id, account.name, statuses))

    async def update(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        name = request.path_params["name"]
        account = await self.ctx.iam.identity.managed_account(principal, name, actions.WELKIN_UPDATE_ACCOUNT)
        body = await self.ctx.wrapped(request, "quotas")
        changes: dict[Quota, int | None] = {}
        for quota in Quota:
            if body.has(quota.value):
                changes[quota] = body.opt_int(quota.value, NO_LIMIT, MAX_LIMIT)
        body.done()
        if not changes:
            known = ", ".join(q.value for q in Quota)
            raise errors.InvalidArgument(f"Name at least one quota to set: {known}.")
        await self.quotas.set_limits(account.id, changes)
        statuses = await self.quotas.statuses(account.id)
        return JSONResponse(_rendered(account.id, account.name, statuses))

    async def own(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        statuses = await self.quotas.statuses(principal.account_id)
        return JSONResponse(_rendered(principal.account_id, principal.account_name, statuses))
