"""A function's triggers (add, enable or disable, delete), versions and aliases."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from welkin.console.context import Console, SignedIn
from welkin.console.function_forms import function_url, ref_of, text, trigger_from
from welkin.core import errors
from welkin.functions.triggers.models import TriggerStatus
from welkin.functions.triggers.service import trigger_type


def routes(console: Console, one: str) -> list[BaseRoute]:
    region = console.region

    def back(request: Request, tab: str) -> Response:
        ref = ref_of(request)
        return console.redirect(function_url(ref.package, ref.name) + f"#tab-{tab}")

    async def add_trigger(request: Request, signed: SignedIn, form: FormData) -> Response:
        kind, data = trigger_from(form)
        status = TriggerStatus.DISABLED if text(form, "disabled") else TriggerStatus.ACTIVE
        made = await region.triggers.create(signed.scope, ref_of(request), kind, status, data)
        label = "HTTP" if made.type.is_http else made.type.value
        console.flash(signed, f"{label} trigger added.", "ok")
        return back(request, "triggers")

    async def set_status(request: Request, signed: SignedIn, form: FormData) -> Response:
        try:
            status = TriggerStatus(text(form, "status"))
        except ValueError:
            raise errors.InvalidArgument("status must be ACTIVE or DISABLED.") from None
        kind = trigger_type(request.path_params["kind"])
        await region.triggers.set_status(
            signed.scope, ref_of(request), kind, request.path_params["id"], status
        )
        console.flash(signed, f"Trigger {'enabled' if status is TriggerStatus.ACTIVE else 'disabled'}.", "ok")
        return back(request, "triggers")

    async def delete_trigger(request: Request, signed: SignedIn, _form: FormData) -> Response:
        kind = trigger_type(request.path_params["kind"])
        await region.triggers.delete(signed.scope, ref_of(request), kind, request.path_params["id"])
        console.flash(signed, "Trigger deleted.", "ok")
        return back(request, "triggers")

    async def publish(request: Request, signed: SignedIn, form: FormData) -> Response:
        name = text(form, "version") or None
        _fn, version = await region.versions.publish(
            signed.scope, ref_of(request), name, text(form, "description"), None
        )
        console.flash(signed, f"Version {version.name} published.", "ok")
        return back(request, "versions")

    async def create_alias(request: Request, signed: SignedIn, form: FormData) -> Response:
        name, version = text(form, "name"), text(form, "version")
        await region.versions.create_alias(
            signed.scope, ref_of(request), name, version, text(form, "description"), {}
        )
        console.flash(signed, f"Alias {name} now names version {version}.", "ok")
        return back(request, "versions")

    async def delete_alias(request: Request, signed: SignedIn, _form: FormData) -> Response:
        name = request.path_params["alias"]
        await region.removal.delete_alias(signed.scope, ref_of(request), name)
        console.flash(signed, f"Alias {name} deleted.", "ok")
        return back(request, "versions")

    trigger = one + "/triggers/{kind}/{id}"
    return [
        console.action(one + "/triggers", add_trigger, "CreateFunctionTrigger"),
        console.action(trigger + "/status", set_status, "UpdateTrigger"),
        console.action(trigger + "/delete", delete_trigger, "DeleteFunctionTrigger"),
        console.action(one + "/versions", publish, "CreateFunctionVersion"),
        console.action(one + "/aliases", create_alias, "CreateVersionAlias"),
        console.action(one + "/aliases/{alias}/delete", delete_alias, "DeleteVersionAlias"),
    ]
