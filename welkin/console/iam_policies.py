"""Permissions: the system roles, the account's custom policies, and granting them to groups."""

from __future__ import annotations

import json

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from welkin.console.context import Console, SignedIn
from welkin.console.iam_common import field, required, tab_page
from welkin.core import errors
from welkin.iam import actions
from welkin.iam.models import Role, RoleType

BASE = "/console/iam/policies"
POLICY_LIMIT = 64 * 1024
EXAMPLE = {
    "Version": "1.1",
    "Statement": [{"Effect": "Allow", "Action": ["obs:object:GetObject", "obs:bucket:ListBucket"]}],
}


def pretty(role: Role) -> str:
    return json.dumps(role.policy, indent=2, sort_keys=False, ensure_ascii=False)


def routes(console: Console) -> list[BaseRoute]:
    identity = console.region.iam.identity
    permissions = console.region.iam.permissions

    async def show(_request: Request, signed: SignedIn) -> Response:
        custom = await permissions.custom_roles(signed.principal)
        can_grant = await console.can(signed, actions.IAM_GRANT_ROLE_TO_GROUP_ON_DOMAIN)
        groups = await identity.groups(signed.principal) if can_grant else []
        system = permissions.system_roles()
        return console.render(
            signed,
            "iam/policies.html",
            section="iam",
            tab="policies",
            system=[(r, pretty(r)) for r in system],
            custom=[(r, pretty(r)) for r in custom],
            roles=system + custom,
            groups=groups,
            example=json.dumps(EXAMPLE, indent=2),
            can_create=await console.can(signed, actions.IAM_CREATE_ROLE),
            can_delete=await console.can(signed, actions.IAM_DELETE_ROLE),
            can_grant=can_grant,
        )

    async def create(_request: Request, signed: SignedIn, form: FormData) -> Response:
        try:
            document = json.loads(required(form, "policy", POLICY_LIMIT))
        except json.JSONDecodeError as exc:
            raise errors.InvalidArgument(
                f"The policy is not valid JSON: {exc.msg} at line {exc.lineno}."
            ) from None
        if not isinstance(document, dict):
            raise errors.InvalidArgument("The policy must be a JSON object.")
        try:
            role_type = RoleType(field(form, "type") or "AX")
        except ValueError:
            raise errors.InvalidArgument("type must be AX (account) or XA (projects).") from None
        role = await permissions.create_custom_role(
            signed.principal,
            required(form, "display_name", 128),
            field(form, "description", 1000),
            role_type,
            document,
        )
        console.flash(signed, f"Policy {role.display_name} created.", "ok")
        return console.redirect(BASE)

    async def delete(request: Request, signed: SignedIn, _form: FormData) -> Response:
        await permissions.delete_custom_role(signed.principal, request.path_params["role_id"])
        console.flash(signed, "Policy deleted.", "ok")
        return console.redirect(BASE)

    return [
        console.page(BASE, tab_page(console, "policies", show), "ConsolePolicies"),
        console.action(BASE, create, "CreateCustomPolicy"),
        console.action(BASE + "/{role_id}/delete", delete, "DeleteCustomPolicy"),
    ]
