"""Welkin's own operator API: tenant accounts (``/welkin/v1/accounts``) and the audit log."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.core import errors
from welkin.core.ids import new_access_key, new_password, new_secret_key
from welkin.iam.api import render
from welkin.iam.api.context import ApiContext
from welkin.iam.models import Account, AuditEvent


def _account(a: Account) -> dict[str, object]:
    return {
        "id": a.id,
        "name": a.name,
        "enabled": a.enabled,
        "operator": a.is_operator,
        "description": a.description,
        "created_at": render.iso(a.created_at),
    }


def _event(e: AuditEvent) -> dict[str, object]:
    return {**e.__dict__, "at": render.iso(e.at)}


class AccountApi:
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    def routes(self) -> list[Route]:
        return [
            Route("/welkin/v1/accounts", self.create, methods=["POST"], name="CreateAccount"),
            Route("/welkin/v1/accounts", self.list_accounts, methods=["GET"], name="ListAccounts"),
            Route(
                "/welkin/v1/accounts/{name}/disable", self.disable, methods=["POST"], name="DisableAccount"
            ),
            Route("/welkin/v1/accounts/{name}/enable", self.enable, methods=["POST"], name="EnableAccount"),
            Route("/welkin/v1/audit", self.audit, methods=["GET"], name="ListAuditEvents"),
        ]

    async def create(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        body = await self.ctx.wrapped(request, "account")
        name = body.str("name", 64)
        password = body.opt_str("password", 128) or new_password()
        description = body.opt_str("description", 255) or ""
        body.done()
        access_key, secret_key = new_access_key(), new_secret_key()
        iam = self.ctx.iam
        created = await iam.create_account_with_key(
            principal, name, password, description, access_key, secret_key
        )
        result = {
            **_account(created.account),
            "admin": {"user_id": created.admin.id, "name": created.admin.name, "password": password},
            "access_key": access_key,
            "secret_key": secret_key,
            "projects": [{"id": p.id, "name": p.name, "region": p.region} for p in created.projects],
        }
        return JSONResponse({"account": result}, status_code=201)

    async def list_accounts(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        accounts = await self.ctx.iam.identity.accounts(principal)
        return JSONResponse({"accounts": [_account(a) for a in accounts]})

    async def _set_enabled(self, request: Request, enabled: bool) -> Response:
        principal = await self.ctx.caller(request)
        account = await self.ctx.iam.identity.set_account_enabled(
            principal, request.path_params["name"], enabled
        )
        return JSONResponse({"account": _account(account)})

    async def disable(self, request: Request) -> Response:
        return await self._set_enabled(request, False)

    async def enable(self, request: Request) -> Response:
        return await self._set_enabled(request, True)

    async def audit(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        since_raw = request.query_params.get("since")
        limit_raw = request.query_params.get("limit", "100")
        try:
            since = datetime.fromisoformat(since_raw.replace("Z", "+00:00")) if since_raw else None
            limit = int(limit_raw)
        except ValueError:
            raise errors.InvalidArgument("since must be an ISO 8601 time and limit an integer.") from None
        if since is not None and since.tzinfo is None:
            raise errors.InvalidArgument("since must include a time zone (e.g. a trailing Z).")
        if not 1 <= limit <= 1000:
            raise errors.InvalidArgument("limit must be between 1 and 1000.")
        events = await self.ctx.iam.audit.events(principal, since, limit)
        return JSONResponse({"events": [_event(e) for e in events]})
