"""Functions and their code: create, list, show, update, delete."""

from __future__ import annotations

import base64
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from welkin.core import errors
from welkin.core.body import Body
from welkin.functions.configuration import ConfigChanges
from welkin.functions.fgsapi import render
from welkin.functions.fgsapi.context import FgsContext
from welkin.functions.removal import FunctionRemoval
from welkin.functions.service import FunctionRegistry, Scope, Target
from welkin.functions.sources import CodeInput, parse_code_type
from welkin.functions.urns import DEFAULT_PACKAGE

FUNCTIONS = "/v2/{project_id}/fgs/functions"
FUNCTION = FUNCTIONS + "/{function_urn}"
MAX_PAGE = 400
_INT = (-(1 << 31), 1 << 31)

# FunctionGraph fields that change nothing here: accepted and left aside.
_NO_EFFECT = (
    "enterprise_project_id",
    "type",
    "tags",
    "log_config",
    "enable_lts_log",
    "lts_custom_tag",
    "user_data_encrypt_kms_key_id",
    "code_encrypt_kms_key_id",
    "domain_names",
    "peering_cidr",
    "ephemeral_storage",
)
# Features Welkin does not offer (yet): refused when a request asks for them.
_UNSUPPORTED = (
    "func_vpc",
    "mount_config",
    "custom_image",
    "gpu_memory",
    "gpu_type",
    "pre_stop_handler",
    "pre_stop_timeout",
    "is_stateful_function",
    "enable_dynamic_memory",
    "depend_version_list",
    "extend_config",
    "restore_hook_handler",
    "restore_hook_timeout",
    "heartbeat_handler",
    "enable_class_isolation",
    "enable_auth_in_header",
)


def refuse_unsupported(body: Body, names: tuple[str, ...] = _UNSUPPORTED) -> None:
    for name in names:
        value = body.peek(name)
        if value not in (None, False, "", [], {}, 0):
            raise errors.InvalidArgument(f"{name} is not supported by Welkin.")
    body.ignore(*names, *_NO_EFFECT)


def _strategy(body: Body) -> tuple[int | None, int | None]:
    """``strategy_config``: ``concurrency``, the most instances, and ``concurrent_num``, the
    requests each instance serves at a time."""
    strategy = body.opt_obj("strategy_config")
    if strategy is None:
        return None, None
    concurrency = strategy.opt_int("concurrency", *_INT)
    concurrent = strategy.opt_int("concurrent_num", *_INT)
    strategy.done()
    return concurrency, concurrent


def _no_network(body: Body) -> bool | None:
    """``network_controller.disable_public_network``: an instance without any network."""
    controller = body.opt_obj("network_controller")
    if controller is None:
        return None
    disabled = controller.opt_bool("disable_public_network")
    if controller.peek("trigger_access_vpcs"):
        raise errors.InvalidArgument("network_controller.trigger_access_vpcs is not supported by Welkin.")
    controller.ignore("trigger_access_vpcs")
    controller.done()
    return disabled


def config_changes(body: Body) -> ConfigChanges:
    max_instances, concurrent = _strategy(body)
    return ConfigChanges(
        runtime=body.opt_str("runtime", 64),
        handler=body.opt_str("handler", 128),
        memory_size=body.opt_int("memory_size", *_INT),
        timeout=body.opt_int("timeout", *_INT),
        user_data=body.opt_str("user_data", 8192),
        encrypted_user_data=body.opt_str("encrypted_user_data", 8192),
        initializer_handler=body.opt_str("initializer_handler", 128),
        initializer_timeout=body.opt_int("initializer_timeout", *_INT),
        max_instance_num=max_instances,
        concurrent_num=concurrent,
        disable_public_network=_no_network(body),
        xrole=body.opt_str("xrole", 64),
        app_xrole=body.opt_str("app_xrole", 64),
        description=body.opt_str("description", 1024),
    )


def code_input(body: Body) -> CodeInput:
    """The code a request sends; ``code_type`` None means "as the function has it now"."""
    given = body.opt_str("code_type", 32)
    code_type = parse_code_type(given) if given is not None else None
    func_code = body.opt_obj("func_code")
    file = None
    if func_code is not None:
        file = func_code.opt_str("file", 1 << 40)
        if func_code.opt_str("link", 2048):
            raise errors.InvalidArgument("func_code.link is not supported by Welkin; send func_code.file.")
        func_code.done()
    return CodeInput(code_type, file, body.opt_str("code_url", 2048), body.opt_str("code_filename", 255))


class FunctionHandlers:
    def __init__(self, ctx: FgsContext, registry: FunctionRegistry, removal: FunctionRemoval) -> None:
        self.ctx = ctx
        self.registry = registry
        self.removal = removal

    def routes(self) -> list[Route]:
        return [
            Route(FUNCTIONS, self.create, methods=["POST"], name="CreateFunction"),
            Route(FUNCTIONS, self.list_functions, methods=["GET"], name="ListFunctions"),
            Route(FUNCTION + "/config", self.show_config, methods=["GET"], name="ShowFunctionConfig"),
            Route(FUNCTION + "/config", self.update_config, methods=["PUT"], name="UpdateFunctionConfig"),
            Route(
                FUNCTION + "/config-max-instance",
                self.update_max_instances,
                methods=["PUT"],
                name="UpdateFunctionMaxInstanceConfig",
            ),
            Route(FUNCTION + "/code", self.show_code, methods=["GET"], name="ShowFunctionCode"),
            Route(FUNCTION + "/code", self.update_code, methods=["PUT"], name="UpdateFunctionCode"),
            Route(FUNCTION, self.delete, methods=["DELETE"], name="DeleteFunction"),
        ]

    def _config(self, scope: Scope, target: Target) -> dict[str, Any]:
        names = sorted(self.registry.configuration.secrets(target.config))
        fn = target.function
        return render.config(fn, target.version, target.config, scope.project, self.registry.region, names)

    async def create(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        body = await self.ctx.body(request)
        refuse_unsupported(body)
        name = body.str("func_name", 64)
        package = body.opt_str("package", 64) or DEFAULT_PACKAGE
        changes = config_changes(body)
        code = code_input(body)
        body.done()
        if code.code_type is None:
            raise errors.InvalidArgument("code_type is required.")
        fn = await self.registry.create(scope, package, name, changes, code)
        return JSONResponse(self._config(scope, Target(fn, "latest", fn.config, None)))

    async def list_functions(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        query = request.query_params
        offset = _number(query.get("marker"), "marker", 0)
        limit = min(_number(query.get("maxitems"), "maxitems", MAX_PAGE), MAX_PAGE)
        page, total = await self.registry.functions(
            scope, query.get("package_name"), query.get("func_name"), offset, limit
        )
        rendered = [self._config(scope, Target(fn, "latest", fn.config, None)) for fn in page]
        return JSONResponse({"functions": rendered, "next_marker": offset + len(page), "count": total})

    async def show_config(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        target = await self.registry.show(scope, self.ctx.ref(request, scope))
        return JSONResponse(self._config(scope, target))

    async def update_config(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        body = await self.ctx.body(request)
        refuse_unsupported(body)
        named = body.opt_str("func_name", 64)
        if named is not None and named != ref.name:
            raise errors.InvalidArgument(f"func_name {named!r} does not match the function in the URN.")
        changes = config_changes(body)
        body.done()
        fn = await self.registry.update_config(scope, ref, changes)
        return JSONResponse(self._config(scope, Target(fn, "latest", fn.config, None)))

    async def update_max_instances(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        body = await self.ctx.body(request)
        count = body.opt_int("max_instance_num", *_INT)
        body.done()
        if count is None:
            raise errors.InvalidArgument("max_instance_num is required.")
        fn = await self.registry.update_config(scope, ref, ConfigChanges(max_instance_num=count))
        return JSONResponse(self._config(scope, Target(fn, "latest", fn.config, None)))

    async def show_code(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        target, package = await self.registry.show_code(scope, self.ctx.ref(request, scope))
        encoded = base64.b64encode(package).decode()
        region = self.registry.region
        return JSONResponse(render.code(target.function, target.version, target.config, region, encoded))

    async def update_code(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        ref = self.ctx.ref(request, scope)
        body = await self.ctx.body(request)
        body.ignore("code_encrypt_kms_key_id")
        refuse_unsupported(body, ("depend_version_list",))
        code = code_input(body)
        body.done()
        fn = await self.registry.update_code(scope, ref, code)
        return JSONResponse(render.code(fn, "latest", fn.config, self.registry.region, ""))

    async def delete(self, request: Request) -> Response:
        scope = await self.ctx.scope(request)
        await self.removal.delete(scope, self.ctx.ref(request, scope))
        return Response(status_code=204)


def _number(value: str | None, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit():
        raise errors.InvalidArgument(f"{name} must be a non-negative whole number.")
    return int(value)
