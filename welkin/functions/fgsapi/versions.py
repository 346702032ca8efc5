"""Published versions and aliases."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.core import errors
from welkin.core.body import Body
from welkin.functions.fgsapi import render
from welkin.functions.fgsapi.context import FgsContext
from welkin.functions.fgsapi.functions import FUNCTION, MAX_PAGE, _number
from welkin.functions.models import LATEST, Function, FunctionConfig
from welkin.functions.removal import FunctionRemoval
from welkin.functions.service import FunctionRegistry, Scope
from welkin.functions.versions import AliasChanges, VersionService

ALIASES = FUNCTION + "/aliases"


def _weights(body: Body) -> dict[str, int] | None:
    raw = body.peek("additional_version_weights")
    body.ignore("additional_version_weights")
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in raw.values()
    ):
        raise errors.InvalidArgument("additional_version_weights must map versions to whole percentages.")
    return raw


def _no_strategy(body: Body) -> None:
    if body.peek("additional_version_strategy"):
        raise errors.InvalidArgument(
            "additional_version_strategy (rule-based routing) is not supported by Welkin."
        )
    body.ignore("additional_version_strategy")


class VersionHandlers:
    def __init__(
        self, ctx: FgsContext, registry: FunctionRegistry, versions: VersionService, removal: FunctionRemoval
    ) -> None:
        self.ctx = ctx
        self.registry = registry
        self.versions = versions
        self.removal = removal

    def routes(self) -> list[Route]:
        return [
            Route(FUNCTION + "/versions", self.publish, methods=["POST"], name="CreateFunctionVersion"),
            Route(FUNCTION + "/versions", self.list_versions, methods=["GET"], name="ListFunctionVersions"),
            Route(ALIASES, self.create_alias, methods=["POST"], name="CreateVersionAlias"),
            Route(ALIASES, self.list_aliases, methods=["GET"], name="ListVersionAliases"),
            Route(ALIASES + "/{alias_name}", self.show_alias, methods=["GET"], name="ShowVersionAlias"),
            Route(ALIASES + "/{alias_name}", self.update_alias, methods=["PUT"], name="UpdateVersionAlias"),
            Route(
                ALIASES + "/{alias_name}", self.delete_alias, methods=["DELETE"], name="DeleteVersionAlias"
            ),
        ]

    def _version(
        self, scope: Scope, fn: Function, name: str, config: FunctionConfig, description: str
    ) -> dict[str, Any]:
        names = sorted(self.registry.configuration.secrets(config))
        rendered = render.config(fn, name, config, scope.project, self.registry.region, names)
        return {**rendered, "version_description": description}

    async def publish(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        body = await self.ctx.body(request)
        digest = body.opt_str("digest", 128)
        name = body.opt_str("version", 64) or None
        description = body.opt_str("description", 1024) or ""
        body.done()
        fn, version = await self.versions.publish(scope, ref, name, description, digest)
        return JSONResponse(self._version(scope, fn, version.name, version.config, description))

    async def list_versions(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        fn, published = await self.versions.versions(scope, self.ctx.ref(request, scope))
        everything = [self._version(scope, fn, LATEST, fn.config, "")]
        everything += [self._version(scope, fn, v.name, v.config, v.description) for v in published]
        offset = _number(request.query_params.get("marker"), "marker", 0)
        limit = min(_number(request.query_params.get("maxitems"), "maxitems", MAX_PAGE), MAX_PAGE)
        page = everything[offset : offset + limit]
        return JSONResponse({"versions": page, "next_marker": offset + len(page), "count": len(everything)})

    async def create_alias(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        body = await self.ctx.body(request)
        name = body.str("name", 64)
        version = body.str("version", 64)
        description = body.opt_str("description", 1024) or ""
        weights = _weights(body) or {}
        _no_strategy(body)
        body.done()
        fn, alias = await self.versions.create_alias(scope, ref, name, version, description, weights)
        return JSONResponse(render.alias(fn, alias, self.registry.region))

    async def list_aliases(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        fn, aliases = await self.versions.aliases(scope, self.ctx.ref(request, scope))
        return JSONResponse([render.alias(fn, a, self.registry.region) for a in aliases])

    async def show_alias(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        fn, alias = await self.versions.alias(scope, ref, request.path_params["alias_name"])
        return JSONResponse(render.alias(fn, alias, self.registry.region))

    async def update_alias(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        body = await self.ctx.body(request)
        changes = AliasChanges(body.opt_str("version", 64), body.opt_str("description", 1024), _weights(body))
        _no_strategy(body)
        body.done()
        fn, alias = await self.versions.update_alias(scope, ref, request.path_params["alias_name"], changes)
        return JSONResponse(render.alias(fn, alias, self.registry.region))

    async def delete_alias(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        await self.removal.delete_alias(scope, ref, request.path_params["alias_name"])
        return Response(status_code=204)
