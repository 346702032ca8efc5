"""A function's code (edited in the page, or a zip uploaded), configuration, and test invoke."""

from __future__ import annotations

import base64
import json

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from welkin.console.context import Console, SignedIn
from welkin.console.function_forms import (
    config_from,
    function_url,
    ref_of,
    single_source,
    upload,
    with_source,
)
from welkin.core import errors
from welkin.core.body import Body
from welkin.functions.fgsapi.invoke import result_text
from welkin.functions.invoker import InvokeRequest
from welkin.functions.models import CodeType
from welkin.functions.sources import CodeInput
from welkin.iam import actions

LOG_BYTES = 4096  # the test invoke's log tail, as the API's X-Cff-Log-Type: tail answers


def routes(console: Console, one: str, upload_limit: int) -> list[BaseRoute]:
    region = console.region
    registry = region.functions

    async def deploy_code(request: Request, signed: SignedIn, form: FormData) -> Response:
        ref = ref_of(request)
        target, package = await registry.show_code(signed.scope, ref)
        config = target.function.config
        single = single_source(package) if config.code_type is not CodeType.OBS else None
        source = form.get("code")
        if single is None or not isinstance(source, str):
            raise errors.InvalidArgument(
                "This function's code is not one file: replace it by uploading a zip."
            )
        changed = with_source(package, single[0], source)
        code = CodeInput(config.code_type, base64.b64encode(changed).decode(), None, config.code_filename)
        await registry.update_code(signed.scope, ref, code)
        console.flash(signed, f"Deployed {single[0]}.", "ok")
        return console.redirect(function_url(ref.package, ref.name) + "#tab-code")

    async def upload_code(request: Request, signed: SignedIn, form: FormData) -> Response:
        ref = ref_of(request)
        given = upload(form, "code_file")
        if given is None:
            raise errors.InvalidArgument("Choose a zip file to upload.")
        data = await given.read()
        code = CodeInput(CodeType.ZIP, base64.b64encode(data).decode(), None, given.filename)
        await registry.update_code(signed.scope, ref, code)
        console.flash(signed, f"Deployed {given.filename}.", "ok")
        return console.redirect(function_url(ref.package, ref.name) + "#tab-code")

    async def update_config(request: Request, signed: SignedIn, form: FormData) -> Response:
        ref = ref_of(request)
        await registry.update_config(signed.scope, ref, config_from(form))
        console.flash(signed, "Configuration saved.", "ok")
        return console.redirect(function_url(ref.package, ref.name) + "#tab-config")

    async def invoke(request: Request, signed: SignedIn, body: Body) -> Response:
        """The test invoke: as InvokeFunction, with the result, durations and log tail as data
        for the page's script to show as text."""
        ref = ref_of(request)
        scope = signed.scope
        await registry.authorize(scope, actions.FGS_INVOKE, ref.package, ref.name)
        event = body.opt_str("event", 1 << 20) or "{}"
        body.done()
        try:
            json.loads(event)
        except ValueError:
            raise errors.MalformedBody("The event must be JSON.") from None
        result = await region.invocations.invoker.invoke(
            InvokeRequest(scope.project.id, ref, event.encode(), "api")
        )
        text = result_text(result)
        try:
            shown = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            shown = text
        return JSONResponse(
            {
                "request_id": result.request_id,
                "status": "succeeded" if result.ok else "failed",
                "error_code": result.error.code if result.error else "",
                "duration_ms": round(result.duration_ms, 3),
                "init_duration_ms": round(result.init_duration_ms or 0.0, 3),
                "cold_start": result.cold_start,
                "memory_mb": result.billed_memory_mb,
                "result": shown,
                "log": result.log_tail(LOG_BYTES).decode("utf-8", "replace"),
            }
        )

    api_one = one.replace("/console/functions/", "/console/api/functions/", 1)
    return [
        console.action(one + "/code", deploy_code, "UpdateFunctionCode"),
        console.action(one + "/upload", upload_code, "UpdateFunctionCode", limit=upload_limit),
        console.action(one + "/config", update_config, "UpdateFunctionConfig"),
        console.api(api_one + "/invoke", invoke, "InvokeFunction"),
    ]
