"""Users, groups, projects and regions: Keystone's ``/v3`` and Huawei's ``/v3.0/OS-USER``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.core import errors
from welkin.core.body import Body
from welkin.iam.api import render
from welkin.iam.api.context import ApiContext
from welkin.iam.models import Principal, User


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _same_domain(principal: Principal, domain_id: str | None) -> None:
    # Huawei bodies repeat the account id; a different one is someone else's account.
    if domain_id is not None and domain_id != principal.account_id:
        raise errors.AccessDenied("You can only manage your own account.")


def _no_content() -> Response:
    return Response(status_code=204)


class IdentityApi:
    def __init__(self, ctx: ApiContext, region: str) -> None:
        self.ctx = ctx
        self.region = region

    def routes(self) -> list[Route]:
        return [
            Route("/v3/regions", self.regions, methods=["GET"], name="KeystoneListRegions"),
            Route("/v3/regions/{region_id}", self.region_detail, methods=["GET"], name="KeystoneShowRegion"),
            Route("/v3/projects", self.list_projects, methods=["GET"], name="KeystoneListProjects"),
            Route("/v3/projects", self.create_project, methods=["POST"], name="KeystoneCreateProject"),
            Route(
                "/v3/projects/{project_id}", self.show_project, methods=["GET"], name="KeystoneShowProject"
            ),
            Route(
                "/v3/projects/{project_id}",
                self.update_project,
                methods=["PATCH"],
                name="KeystoneUpdateProject",
            ),
            Route(
                "/v3/users/{user_id}/projects",
                self.user_projects,
                methods=["GET"],
                name="KeystoneListProjectsForUser",
            ),
            Route("/v3.0/OS-USER/users", self.create_user_huawei, methods=["POST"], name="CreateUser"),
            Route("/v3.0/OS-USER/users/{user_id}", self.show_user_huawei, methods=["GET"], name="ShowUser"),
            Route(
                "/v3.0/OS-USER/users/{user_id}", self.update_user_huawei, methods=["PUT"], name="UpdateUser"
            ),
            Route("/v3/users", self.create_user_keystone, methods=["POST"], name="KeystoneCreateUser"),
            Route("/v3/users", self.list_users, methods=["GET"], name="KeystoneListUsers"),
            Route("/v3/users/{user_id}", self.show_user, methods=["GET"], name="KeystoneShowUser"),
            Route(
                "/v3/users/{user_id}",
                self.update_user_keystone,
                methods=["PATCH"],
                name="KeystoneUpdateUserByAdmin",
            ),
            Route("/v3/users/{user_id}", self.delete_user, methods=["DELETE"], name="KeystoneDeleteUser"),
            Route(
                "/v3/users/{user_id}/password",
                self.change_password,
                methods=["POST"],
                name="KeystoneUpdateUserPassword",
            ),
            Route(
                "/v3/users/{user_id}/groups",
                self.user_groups,
                methods=["GET"],
                name="KeystoneListGroupsForUser",
            ),
            Route("/v3/groups", self.list_groups, methods=["GET"], name="KeystoneListGroups"),
            Route("/v3/groups", self.create_group, methods=["POST"], name="KeystoneCreateGroup"),
            Route("/v3/groups/{group_id}", self.show_group, methods=["GET"], name="KeystoneShowGroup"),
            Route("/v3/groups/{group_id}", self.update_group, methods=["PATCH"], name="KeystoneUpdateGroup"),
            Route("/v3/groups/{group_id}", self.delete_group, methods=["DELETE"], name="KeystoneDeleteGroup"),
            Route(
                "/v3/groups/{group_id}/users",
                self.group_users,
                methods=["GET"],
                name="KeystoneListUsersForGroupByAdmin",
            ),
            Route(
                "/v3/groups/{group_id}/users/{user_id}",
                self.add_member,
                methods=["PUT"],
                name="KeystoneAddUserToGroup",
            ),
            Route(
                "/v3/groups/{group_id}/users/{user_id}",
                self.remove_member,
                methods=["DELETE"],
                name="KeystoneRemoveUserFromGroup",
            ),
            Route(
                "/v3/groups/{group_id}/users/{user_id}",
                self.check_member,
                methods=["HEAD"],
                name="KeystoneCheckUserInGroup",
            ),
        ]

    # --- regions and projects -------------------------------------------------------------------
    def _region(self, base: str) -> dict[str, object]:
        return {
            "id": self.region,
            "type": "public",
            "parent_region_id": None,
            "locales": {"en-us": self.region, "zh-cn": self.region},
            "description": "",
            "links": render.links(base, f"/v3/regions/{self.region}"),
        }

    async def regions(self, request: Request) -> Response:
        await self.ctx.caller(request)
        base = _base(request)
        return JSONResponse({"regions": [self._region(base)], "links": render.links(base, "/v3/regions")})

    async def region_detail(self, request: Request) -> Response:
        await self.ctx.caller(request)
        if request.path_params["region_id"] != self.region:
            raise errors.NotFound(f"Region {request.path_params['region_id']} does not exist.")
        return JSONResponse({"region": self._region(_base(request))})

    async def list_projects(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        _same_domain(principal, request.query_params.get("domain_id"))
        enabled = request.query_params.get("enabled")
        projects = await self.ctx.iam.identity.projects(
            principal,
            request.query_params.get("name"),
            None if enabled is None else enabled.lower() == "true",
        )
        base = _base(request)
        return JSONResponse(
            {
                "projects": [render.project(base, p) for p in projects],
                "links": render.links(base, "/v3/projects"),
            }
        )

    async def user_projects(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        await self.ctx.iam.identity.user(principal, request.path_params["user_id"])
        projects = await self.ctx.iam.identity.accessible_projects(principal)
        base = _base(request)
        return JSONResponse(
            {
                "projects": [render.project(base, p) for p in projects],
                "links": render.links(base, request.url.path),
            }
        )

    async def create_project(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        body = await self.ctx.wrapped(request, "project")
        _same_domain(principal, body.opt_str("domain_id", 64))
        body.ignore("parent_id")
        name, description = body.str("name", 64), body.opt_str("description", 255) or ""
        body.done()
        project = await self.ctx.iam.identity.create_project(principal, name, description)
        return JSONResponse({"project": render.project(_base(request), project)}, status_code=201)

    async def show_project(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        project = await self.ctx.iam.identity.project(principal, request.path_params["project_id"])
        return JSONResponse({"project": render.project(_base(request), project)})

    async def update_project(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        body = await self.ctx.wrapped(request, "project")
        name, description = body.opt_str("name", 64), body.opt_str("description", 255)
        body.done()
        project = await self.ctx.iam.identity.update_project(
            principal, request.path_params["project_id"], name, description
        )
        return JSONResponse({"project": render.project(_base(request), project)})

    # --- users ----------------------------------------------------------------------------------
    async def _create_user(self, request: Request, body: Body, principal: Principal) -> User:
        _same_domain(principal, body.opt_str("domain_id", 64))
        body.ignore("areacode", "xuser_type", "xuser_id")
        user = await self.ctx.iam.identity.create_user(
            principal,
            body.str("name", 64),
            body.opt_str("password", 128),
            body.opt_str("email", 255) or "",
            body.opt_str("phone", 32) or "",
            body.opt_str("description", 255) or "",
            enabled=body.opt_bool("enabled") is not False,
            access_mode=body.opt_str("access_mode", 16) or "default",
            pwd_status=bool(body.opt_bool("pwd_status")),
        )
        body.done()
        return user

    async def create_user_huawei(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        body = await self.ctx.wrapped(request, "user")
        if not body.has("domain_id"):
            raise errors.InvalidArgument("user.domain_id is required.")
        user = await self._create_user(request, body, principal)
        return JSONResponse({"user": render.user(_base(request), user)}, status_code=201)

    async def create_user_keystone(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        user = await self._create_user(request, await self.ctx.wrapped(request, "user"), principal)
        return JSONResponse({"user": render.user(_base(request), user)}, status_code=201)

    async def list_users(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        _same_domain(principal, request.query_params.get("domain_id"))
        users = await self.ctx.iam.identity.users(principal, request.query_params.get("name"))
        base = _base(request)
        return JSONResponse(
            {"users": [render.user(base, u) for u in users], "links": render.links(base, "/v3/users")}
        )

    async def show_user(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        user = await self.ctx.iam.identity.user(principal, request.path_params["user_id"])
        return JSONResponse({"user": render.user(_base(request), user)})

    show_user_huawei = show_user

    async def _update_user(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        body = await self.ctx.wrapped(request, "user")
        _same_domain(principal, body.opt_str("domain_id", 64))
        body.ignore("areacode", "xuser_type", "xuser_id", "access_mode")
        user = await self.ctx.iam.identity.update_user(
            principal,
            request.path_params["user_id"],
            name=body.opt_str("name", 64),
            email=body.opt_str("email", 255),
            phone=body.opt_str("phone", 32),
            description=body.opt_str("description", 255),
            enabled=body.opt_bool("enabled"),
            password=body.opt_str("password", 128),
            pwd_status=body.opt_bool("pwd_status"),
        )
        body.done()
        return JSONResponse({"user": render.user(_base(request), user)})

    update_user_huawei = _update_user
    update_user_keystone = _update_user

    async def delete_user(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        await self.ctx.iam.identity.delete_user(principal, request.path_params["user_id"])
        return _no_content()

    async def change_password(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        body = await self.ctx.wrapped(request, "user")
        old, new = body.str("original_password", 128), body.str("password", 128)
        body.done()
        await self.ctx.iam.identity.change_own_password(principal, request.path_params["user_id"], old, new)
        return _no_content()

    async def user_groups(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        groups = await self.ctx.iam.identity.groups_of(principal, request.path_params["user_id"])
        base = _base(request)
        return JSONResponse(
            {"groups": [render.group(base, g) for g in groups], "links": render.links(base, request.url.path)}
        )

    # --- groups ---------------------------------------------------------------------------------
    async def list_groups(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        _same_domain(principal, request.query_params.get("domain_id"))
        groups = await self.ctx.iam.identity.groups(principal, request.query_params.get("name"))
        base = _base(request)
        return JSONResponse(
            {"groups": [render.group(base, g) for g in groups], "links": render.links(base, "/v3/groups")}
        )

    async def create_group(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        body = await self.ctx.wrapped(request, "group")
        _same_domain(principal, body.opt_str("domain_id", 64))
        group = await self.ctx.iam.identity.create_group(
            principal, body.str("name", 64), body.opt_str("description", 255) or ""
        )
        body.done()
        return JSONResponse({"group": render.group(_base(request), group)}, status_code=201)

    async def show_group(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        group = await self.ctx.iam.identity.group(principal, request.path_params["group_id"])
        return JSONResponse({"group": render.group(_base(request), group)})

    async def update_group(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        body = await self.ctx.wrapped(request, "group")
        _same_domain(principal, body.opt_str("domain_id", 64))
        group = await self.ctx.iam.identity.update_group(
            principal,
            request.path_params["group_id"],
            body.opt_str("name", 64),
            body.opt_str("description", 255),
        )
        body.done()
        return JSONResponse({"group": render.group(_base(request), group)})

    async def delete_group(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        await self.ctx.iam.identity.delete_group(principal, request.path_params["group_id"])
        return _no_content()

    async def group_users(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        users = await self.ctx.iam.identity.members(principal, request.path_params["group_id"])
        base = _base(request)
        return JSONResponse(
            {"users": [render.user(base, u) for u in users], "links": render.links(base, request.url.path)}
        )

    async def add_member(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        p = request.path_params
        await self.ctx.iam.identity.add_member(principal, p["group_id"], p["user_id"])
        return _no_content()

    async def remove_member(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        p = request.path_params
        await self.ctx.iam.identity.remove_member(principal, p["group_id"], p["user_id"])
        return _no_content()

    async def check_member(self, request: Request) -> Response:
        principal = await self.ctx.caller(request)
        p = request.path_params
        if not await self.ctx.iam.identity.is_member(principal, p["group_id"], p["user_id"]):
            raise errors.NotFound("The user is not in that group.")
        return _no_content()
