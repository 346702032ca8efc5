"""Functions pages: the list, creating one (from a template or a zip), a function's page, delete.

Each call goes to the FunctionGraph services as the signed-in user (``signed.scope``); they
authorize themselves, so a hidden button is never the only protection. The function page's
forms post to routes in ``functions_edit`` (code, configuration, test invoke) and
``functions_triggers`` (triggers, versions, aliases).
"""

from __future__ import annotations

import base64
import json

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from welkin.console import functions_edit, functions_triggers
from welkin.console.context import Console, SignedIn
from welkin.console.function_forms import (
    Section,
    environment_lines,
    environment_map,
    function_url,
    ref_of,
    section,
    single_source,
    text,
    upload,
)
from welkin.console.functions_metrics import RANGES, function_charts
from welkin.console.starters import STARTERS, Starter, code_package, starter
from welkin.core import errors
from welkin.core.body import Body
from welkin.functions.configuration import ConfigChanges
from welkin.functions.fgsapi.triggers import http_path
from welkin.functions.models import CodeType
from welkin.functions.rules import MEMORY_SIZES
from welkin.functions.sources import CodeInput
from welkin.functions.triggers.models import TriggerStatus, TriggerType
from welkin.functions.urns import DEFAULT_PACKAGE, FunctionRef, function_urn
from welkin.iam import actions

PAGE_SIZE = 50
KIND_LABELS = {"APIG": "HTTP", "DEDICATEDGATEWAY": "HTTP", "OBS": "OBS", "TIMER": "TIMER"}
LOG_LINES = 20
DEFAULT_RUNTIME = "Python3.11"
# What the function page may offer, by the name its template uses.
PAGE_ACTIONS = {
    "update_code": actions.FGS_UPDATE_CODE,
    "update_config": actions.FGS_UPDATE_CONFIG,
    "delete": actions.FGS_DELETE_FUNCTION,
    "invoke": actions.FGS_INVOKE,
    "create_trigger": actions.FGS_CREATE_TRIGGER,
    "update_trigger": actions.FGS_UPDATE_TRIGGER,
    "delete_trigger": actions.FGS_DELETE_TRIGGER,
    "create_version": actions.FGS_CREATE_VERSION,
    "create_alias": actions.FGS_CREATE_ALIAS,
    "delete_alias": actions.FGS_DELETE_ALIAS,
}


def routes(console: Console) -> list[BaseRoute]:
    region = console.region
    registry = region.functions

    async def allowed(signed: SignedIn, package: str, name: str, names: dict[str, str]) -> dict[str, bool]:
        resource = registry.resource(signed.project.id, package, name)
        return {key: await console.can(signed, action, resource) for key, action in names.items()}

    async def list_functions(request: Request, signed: SignedIn) -> Response:
        offset = _offset(request.query_params.get("offset"))
        page, total = await registry.functions(signed.scope, None, None, offset, PAGE_SIZE)
        can = await allowed(signed, DEFAULT_PACKAGE, "*", {"create": actions.FGS_CREATE_FUNCTION})
        return console.render(
            signed,
            "functions/list.html",
            section="functions",
            functions=page,
            total=total,
            offset=offset,
            page_size=PAGE_SIZE,
            can=can,
            url=function_url,
        )

    async def agencies(signed: SignedIn) -> Section:
        return await section(region.iam.keys.agencies(signed.principal))

    async def new_function(request: Request, signed: SignedIn) -> Response:
        can = await allowed(signed, DEFAULT_PACKAGE, "*", {"create": actions.FGS_CREATE_FUNCTION})
        return console.render(
            signed,
            "functions/new.html",
            section="functions",
            starters=STARTERS,
            agencies=await agencies(signed),
            chosen=request.query_params.get("template", "hello"),
            can=can,
            max_code=registry.sources.max_package_bytes,
        )

    async def create(request: Request, signed: SignedIn, form: FormData) -> Response:
        name = text(form, "name")
        package = text(form, "package") or DEFAULT_PACKAGE
        chosen = text(form, "template") or "hello"
        variables = environment_map(text(form, "environment"))
        env = json.dumps(variables) if variables else ""
        agency = text(form, "agency")
        runtimes = registry.runtimes.names
        runtime = DEFAULT_RUNTIME if DEFAULT_RUNTIME in runtimes else runtimes[0]
        made: Starter | None = None
        if chosen == "upload":
            given = upload(form, "code_file")
            if given is None:
                raise errors.InvalidArgument("Choose a zip file to upload.")
            data = await given.read()
            code = CodeInput(CodeType.ZIP, base64.b64encode(data).decode(), None, given.filename)
            memory, timeout, handler = 128, 30, text(form, "handler") or "index.handler"
        else:
            made = starter(chosen)
            if made.needs_agency and not agency:
                raise errors.InvalidArgument(
                    f"The {made.name} template writes to OBS as an agency: choose one under Agency."
                )
            missing = [k for k in made.required_env if k not in variables]
            if missing:
                raise errors.InvalidArgument(
                    f"The {made.name} template needs {', '.join(missing)} in its environment."
                )
            package_zip = code_package(made.name)
            code = CodeInput(CodeType.ZIP, base64.b64encode(package_zip).decode(), None, f"{made.name}.zip")
            memory, timeout, handler = made.memory_size, made.timeout, "index.handler"
        changes = ConfigChanges(
            runtime=runtime,
            handler=handler,
            memory_size=memory,
            timeout=timeout,
            user_data=env or None,
            app_xrole=agency or None,
        )
        fn = await registry.create(signed.scope, package, name, changes, code)
        console.flash(signed, f"Function {fn.name} created.", "ok")
        if made is not None and made.timer is not None:
            event = {"schedule_type": "Rate", "schedule": made.timer, "user_event": made.timer_event}
            ref = FunctionRef(fn.package, fn.name, None)
            try:
                await region.triggers.create(
                    signed.scope, ref, TriggerType.TIMER, TriggerStatus.ACTIVE, Body(event, "event_data")
                )
            except errors.WelkinError as exc:  # the function stands; say why it has no timer
                console.flash(signed, f"Its timer trigger was not added: {exc.message}", "error")
        return console.redirect(function_url(fn.package, fn.name))

    async def show(request: Request, signed: SignedIn) -> Response:
        ref = ref_of(request)
        scope = signed.scope
        target = await registry.show(scope, ref)
        fn = target.function
        urn = function_urn(registry.region, signed.project.id, fn.package, fn.name)
        code = await section(registry.show_code(scope, ref))
        source = single_source(code.value[1]) if code.value is not None else None
        if fn.config.code_type is CodeType.OBS:
            source = None
        triggers = await section(region.triggers.list(scope, ref))
        versions = await section(region.versions.versions(scope, ref))
        aliases = await section(region.versions.aliases(scope, ref))
        invoker = region.invocations.invoker
        logs = await invoker.logs.recent(urn, LOG_LINES)
        range_key = request.query_params.get("range", "1h")
        stats = await section(registry.show(scope, ref, actions.FGS_GET_STATISTICS))
        charts = None
        if stats.value is not None:
            charts = await function_charts(invoker, urn, region.clock.now(), range_key)
        base = str(request.base_url).rstrip("/")
        return console.render(
            signed,
            "functions/function.html",
            section="functions",
            fn=fn,
            config=fn.config,
            url=function_url(fn.package, fn.name),
            urn=urn,
            invoke_url=function_url(fn.package, fn.name).replace("/console/", "/console/api/", 1) + "/invoke",
            memory_sizes=MEMORY_SIZES,
            kind_label=KIND_LABELS,
            environment=environment_lines(fn.config.user_data),
            secret_names=sorted(registry.configuration.secrets(fn.config)),
            code=code,
            source=source,
            triggers=triggers,
            http_url=lambda t: base + http_path(t.project_id, t.event_data["path"]),
            versions=versions,
            aliases=aliases,
            logs=logs,
            stats=stats,
            charts=charts,
            ranges=RANGES.values(),
            range_key=charts.range.key if charts else range_key,
            can=await allowed(signed, fn.package, fn.name, PAGE_ACTIONS),
            agencies=await agencies(signed),
            max_code=registry.sources.max_package_bytes,
        )

    async def delete(request: Request, signed: SignedIn, _form: FormData) -> Response:
        ref = ref_of(request)
        await region.removal.delete(signed.scope, ref)
        console.flash(signed, f"Function {ref.name} deleted.", "ok")
        return console.redirect("/console/functions")

    upload_limit = registry.sources.max_package_bytes + (1 << 20)
    one = "/console/functions/{package}/{name}"
    return [
        console.page("/console/functions", list_functions, "ListFunctions"),
        console.page("/console/functions/new", new_function, "NewFunction"),
        console.action("/console/functions/new", create, "CreateFunction", limit=upload_limit),
        console.page(one, show, "ShowFunctionConfig"),
        console.action(one + "/delete", delete, "DeleteFunction"),
        *functions_edit.routes(console, one, upload_limit),
        *functions_triggers.routes(console, one),
    ]


def _offset(value: str | None) -> int:
    if not value:
        return 0
    if not value.isdigit():
        raise errors.InvalidArgument("offset must be a non-negative whole number.")
    return int(value)
