"""Who is calling, in which project, and the request body, for every FunctionGraph endpoint.

The project in the path must be one of the caller's account in this region; a token
or a signature scoped to another project is refused. A caller whose credentials name
no project acts in the path's project, and its project-scoped grants there apply.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import unquote

from starlette.requests import Request

from welkin.core import errors
from welkin.core.body import Body
from welkin.functions.service import Scope
from welkin.functions.urns import FunctionRef, parse_ref
from welkin.iam.api.context import ApiContext


class FgsContext:
    def __init__(self, api: ApiContext, region: str) -> None:
        self.api = api
        self.region = region

    async def scope(self, request: Request) -> Scope:
        principal = await self.api.caller(request)
        project_id = request.path_params["project_id"]
        if principal.project_id is not None and principal.project_id != project_id:
            raise errors.AccessDenied(f"Your credentials are scoped to another project than {project_id}.")
        projects = await self.api.iam.identity.accessible_projects(principal)
        project = next((p for p in projects if p.id == project_id), None)
        if project is None or project.region != self.region:
            raise errors.AccessDenied(f"Project {project_id} is not one of your projects in {self.region}.")
        principal = replace(principal, project_id=project_id)
        request.scope.setdefault("state", {})["principal"] = principal
        return Scope(principal, project)

    def ref(self, request: Request, scope: Scope, param: str = "function_urn") -> FunctionRef:
        return parse_ref(unquote(request.path_params[param]), self.region, scope.project.id)

    async def body(self, request: Request) -> Body:
        return await self.api.body(request)
