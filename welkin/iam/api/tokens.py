"""Keystone tokens: ``/v3/auth/*``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.core import errors
from welkin.core.body import Body
from welkin.iam.api import render
from welkin.iam.api.context import ApiContext
from welkin.iam.authn import IssuedToken, ScopeRequest


class TokenApi:
    def __init__(self, ctx: ApiContext, region: str) -> None:
        self.ctx = ctx
        self.region = region

    def routes(self) -> list[Route]:
        return [
            Route("/v3/auth/tokens", self.create, methods=["POST"], name="KeystoneCreateUserToken"),
            Route("/v3/auth/tokens", self.validate, methods=["GET", "HEAD"], name="KeystoneValidateToken"),
            Route("/v3/auth/projects", self.projects, methods=["GET"], name="KeystoneListAuthProjects"),
            Route("/v3/auth/domains", self.domains, methods=["GET"], name="KeystoneListAuthDomains"),
        ]

    async def create(self, request: Request) -> Response:
        auth = await self.ctx.wrapped(request, "auth")
        identity = auth.obj("identity")
        scope = _scope(auth.opt_obj("scope"))
        auth.done()
        methods = identity.str_list("methods")
        if methods == ["password"]:
            password = identity.obj("password")
            user = password.obj("user")
            domain = user.obj("domain")
            name, secret = user.str("name", 64), user.str("password", 128)
            account = domain.str("name", 64)
            domain.ignore("id")
            for part in (domain, user, password):
                part.done()
            identity.done()
            issued = await self.ctx.iam.authn.login(account, name, secret, scope)
        elif methods == ["token"]:
            token_part = identity.obj("token")
            token_part.ignore("id", "duration_seconds")
            token_part.done()
            identity.done()
            principal = await self.ctx.caller(request)
            issued = await self.ctx.iam.authn.rescope(principal, scope)
        else:
            raise errors.InvalidArgument('identity.methods must be ["password"] or ["token"].')
        body = {"token": self._token(request, issued)}
        return JSONResponse(body, status_code=201, headers={"X-Subject-Token": issued.token})

    async def validate(self, request: Request) -> Response:
        await self.ctx.caller(request)
        subject = request.headers.get("x-subject-token")
        if not subject:
            raise errors.InvalidArgument("X-Subject-Token names the token to validate.")
        issued = await self.ctx.iam.authn.token_details(subject)
        body = {"token": self._token(request, issued)}
        return JSONResponse(body, headers={"X-Subject-Token": subject})

    async def projects(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        base = str(request.base_url).rstrip("/")
        projects = await self.ctx.iam.identity.accessible_projects(principal)
        return JSONResponse(
            {
                "projects": [render.project(base, p) for p in projects],
                "links": render.links(base, "/v3/auth/projects"),
            }
        )

    async def domains(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        base = str(request.base_url).rstrip("/")
        account = await self.ctx.iam.identity.account(principal)
        return JSONResponse(
            {"domains": [render.domain(base, account)], "links": render.links(base, "/v3/auth/domains")}
        )

    def _token(self, request: Request, issued: IssuedToken) -> dict[str, Any]:
        base = str(request.base_url).rstrip("/")
        domain_ref = {"id": issued.account.id, "name": issued.account.name}
        token: dict[str, Any] = {
            "methods": list(issued.claims.methods),
            "expires_at": render.iso(issued.claims.expires_at),
            "issued_at": render.iso(issued.claims.issued_at),
            "user": {
                "id": issued.user.id,
                "name": issued.user.name,
                "domain": domain_ref,
                "password_expires_at": "",
            },
            "catalog": render.catalog_for(base, self.region, self.ctx.iam),
            "roles": [],
        }
        if issued.project is not None:
            token["project"] = {"id": issued.project.id, "name": issued.project.name, "domain": domain_ref}
        else:
            token["domain"] = domain_ref
        return token


def _scope(scope: Body | None) -> ScopeRequest:
    if scope is None:
        return ScopeRequest()
    project = scope.opt_obj("project")
    domain = scope.opt_obj("domain")
    scope.done()
    if project is not None:
        result = ScopeRequest(project_id=project.opt_str("id", 64), project_name=project.opt_str("name", 64))
        project.ignore("domain")
        project.done()
        if not (result.project_id or result.project_name):
            raise errors.InvalidArgument("scope.project needs an id or a name.")
        return result
    if domain is not None:
        domain.ignore("id", "name")
        domain.done()
    return ScopeRequest()
