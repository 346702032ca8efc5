"""System roles, custom policies and grants to groups (``/v3/roles``, ``/v3.0/OS-ROLE``,
``/v3/projects|domains/.../groups/.../roles``, ``/v3/OS-INHERIT``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.core import errors
from welkin.iam import actions
from welkin.iam.api import render
from welkin.iam.api.context import ApiContext
from welkin.iam.models import Grant, Principal, PrincipalType, RoleType, ScopeType

_GRANT = "/v3/{scope}/{scope_id}/groups/{group_id}/roles/{role_id}"
_INHERIT = "/v3/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects"
_SCOPES = {"projects": ScopeType.PROJECT, "domains": ScopeType.DOMAIN}


def _role_type(value: str | None) -> RoleType | None:
    if value is None:
        return None
    try:
        return RoleType(value)
    except ValueError:
        raise errors.InvalidArgument("role.type must be AX (account level) or XA (project level).") from None


class PermissionApi:
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    def routes(self) -> list[Route]:
        return [
            Route("/v3/roles", self.list_system, methods=["GET"], name="KeystoneListPermissions"),
            Route("/v3/roles/{role_id}", self.show, methods=["GET"], name="KeystoneShowPermission"),
            Route("/v3.0/OS-ROLE/roles", self.list_custom, methods=["GET"], name="ListCustomPolicies"),
            Route("/v3.0/OS-ROLE/roles", self.create_custom, methods=["POST"], name="CreateCustomPolicy"),
            Route(
                "/v3.0/OS-ROLE/roles/{role_id}", self.show_custom, methods=["GET"], name="ShowCustomPolicy"
            ),
            Route(
                "/v3.0/OS-ROLE/roles/{role_id}",
                self.update_custom,
                methods=["PATCH"],
                name="UpdateCustomPolicy",
            ),
            Route(
                "/v3.0/OS-ROLE/roles/{role_id}",
                self.delete_custom,
                methods=["DELETE"],
                name="DeleteCustomPolicy",
            ),
            Route(
                "/v3/{scope}/{scope_id}/groups/{group_id}/roles",
                self.list_grants,
                methods=["GET"],
                name="KeystoneListGroupPermissions",
            ),
            Route(_GRANT, self.grant, methods=["PUT"], name="KeystoneAssociateGroupWithPermission"),
            Route(_GRANT, self.check, methods=["HEAD"], name="KeystoneCheckGroupPermission"),
            Route(_GRANT, self.revoke, methods=["DELETE"], name="KeystoneRemoveGroupPermission"),
            Route(_INHERIT, self.grant_all_projects, methods=["PUT"], name="UpdateDomainGroupInheritRole"),
            Route(_INHERIT, self.check_all_projects, methods=["HEAD"], name="CheckDomainGroupInheritRole"),
            Route(
                _INHERIT, self.revoke_all_projects, methods=["DELETE"], name="DeleteDomainGroupInheritedRole"
            ),
        ]

    # --- roles ----------------------------------------------------------------------------------
    async def list_system(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        await self.ctx.iam.permissions.authorize(principal, actions.IAM_LIST_ROLES)
        q = request.query_params
        roles = self.ctx.iam.permissions.system_roles()
        if "name" in q:
            roles = [r for r in roles if r.name == q["name"]]
        if "display_name" in q:
            roles = [r for r in roles if r.display_name == q["display_name"]]
        if "catalog" in q:
            roles = [r for r in roles if r.catalog == q["catalog"]]
        base = str(request.base_url).rstrip("/")
        body = {
            "roles": [render.role(base, r) for r in roles],
            "links": render.links(base, "/v3/roles"),
            "total_number": len(roles),
        }
        return JSONResponse(body)

    async def show(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        role = await self.ctx.iam.permissions.get_role(principal, request.path_params["role_id"])
        return JSONResponse({"role": render.role(str(request.base_url).rstrip("/"), role)})

    show_custom = show

    async def list_custom(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        roles = await self.ctx.iam.permissions.custom_roles(principal)
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "roles": [render.role(base, r) for r in roles],
                "links": render.links(base, request.url.path),
                "total_number": len(roles),
            }
        )

    async def create_custom(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        body = await self.ctx.wrapped(request, "role")
        role_type = _role_type(body.str("type", 8))
        assert role_type is not None
        role = await self.ctx.iam.permissions.create_custom_role(
            principal,
            body.str("display_name", 128),
            body.str("description", 1000),
            role_type,
            body.raw_obj("policy"),
        )
        body.ignore("description_cn")
        body.done()
        return JSONResponse({"role": render.role(str(request.base_url).rstrip("/"), role)}, status_code=201)

    async def update_custom(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        body = await self.ctx.wrapped(request, "role")
        policy = body.raw_obj("policy") if body.has("policy") else None
        role = await self.ctx.iam.permissions.update_custom_role(
            principal,
            request.path_params["role_id"],
            body.opt_str("display_name", 128),
            body.opt_str("description", 1000),
            _role_type(body.opt_str("type", 8)),
            policy,
        )
        body.ignore("description_cn")
        body.done()
        return JSONResponse({"role": render.role(str(request.base_url).rstrip("/"), role)})

    async def delete_custom(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        await self.ctx.iam.permissions.delete_custom_role(principal, request.path_params["role_id"])
        return Response(status_code=200)

    # --- grants ---------------------------------------------------------------------------------
    def _grant(self, principal: Principal, request: Request, scope: ScopeType | None = None) -> Grant:
        p = request.path_params
        if scope is None:
            if p["scope"] not in _SCOPES:
                raise errors.NotFound(f"No IAM API at {request.url.path}.")
            scope = _SCOPES[p["scope"]]
        scope_id = p.get("scope_id") or p["domain_id"]
        return Grant(
            principal.account_id, PrincipalType.GROUP, p["group_id"], p.get("role_id", ""), scope, scope_id
        )

    async def list_grants(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        grant = self._grant(principal, request)
        roles = await self.ctx.iam.permissions.granted_roles(
            principal, grant, actions.LIST_ROLE_ACTIONS[grant.scope_type]
        )
        base = str(request.base_url).rstrip("/")
        body = {"roles": [render.role(base, r) for r in roles], "links": render.links(base, request.url.path)}
        return JSONResponse(body)

    async def _change(self, request: Request, scope: ScopeType | None, verb: str) -> Response:
        principal = await self.ctx.caller(request)
        grant = self._grant(principal, request, scope)
        service = self.ctx.iam.permissions
        if verb == "grant":
            await service.grant(principal, grant, actions.GRANT_ROLE_ACTIONS[grant.scope_type])
        elif verb == "revoke":
            await service.revoke(principal, grant, actions.REVOKE_ROLE_ACTIONS[grant.scope_type])
        elif not await service.has_grant(principal, grant, actions.CHECK_ROLE_ACTIONS[grant.scope_type]):
            raise errors.NotFound("The role is not granted there.")
        return Response(status_code=204)

    async def grant(self, request: Request) -> Response:
        return await self._change(request, None, "grant")

    async def check(self, request: Request) -> Response:
        return await self._change(request, None, "check")

    async def revoke(self, request: Request) -> Response:
        return await self._change(request, None, "revoke")

    async def grant_all_projects(self, request: Request) -> Response:
        return await self._change(request, ScopeType.ALL_PROJECTS, "grant")

    async def check_all_projects(self, request: Request) -> Response:
        return await self._change(request, ScopeType.ALL_PROJECTS, "check")

    async def revoke_all_projects(self, request: Request) -> Response:
        return await self._change(request, ScopeType.ALL_PROJECTS, "revoke")
