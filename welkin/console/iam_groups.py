"""Groups: the list, one group's page with its members and the roles granted to it."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from welkin.console.context import Console, SignedIn
from welkin.console.iam_common import (
    field,
    grant_for,
    required,
    tab_page,
)
from welkin.iam import actions
from welkin.iam.models import ScopeType

BASE = "/console/iam/groups"
SCOPE_NAMES = {
    ScopeType.DOMAIN: "account",
    ScopeType.ALL_PROJECTS: "all_projects",
    ScopeType.PROJECT: "project",
}


def routes(console: Console) -> list[BaseRoute]:
    identity = console.region.iam.identity
    permissions = console.region.iam.permissions

    async def list_groups(_request: Request, signed: SignedIn) -> Response:
        groups = await identity.groups(signed.principal)
        return console.render(
            signed,
            "iam/groups.html",
            section="iam",
            tab="groups",
            groups=groups,
            can_create=await console.can(signed, actions.IAM_CREATE_GROUP),
            can_delete=await console.can(signed, actions.IAM_DELETE_GROUP),
        )

    async def create_group(_request: Request, signed: SignedIn, form: FormData) -> Response:
        group = await identity.create_group(
            signed.principal, required(form, "name", 64), field(form, "description", 255)
        )
        console.flash(signed, f"Group {group.name} created.", "ok")
        return console.redirect(f"{BASE}/{group.id}")

    async def show_group(request: Request, signed: SignedIn) -> Response:
        group_id = request.path_params["group_id"]
        group = await identity.group(signed.principal, group_id)
        members = await identity.members(signed.principal, group_id)
        grants = []
        for scope_type, name in SCOPE_NAMES.items():
            where = grant_for(signed, group_id, "", name)
            if await console.can(signed, actions.LIST_ROLE_ACTIONS[scope_type]):
                roles = await permissions.granted_roles(
                    signed.principal, where, actions.LIST_ROLE_ACTIONS[scope_type]
                )
                grants += [(name, role) for role in roles]
        member_ids = {u.id for u in members}
        can_add = await console.can(signed, actions.IAM_ADD_USER_TO_GROUP)
        users = await identity.users(signed.principal) if can_add else []
        roles = permissions.system_roles()
        if await console.can(signed, actions.IAM_LIST_ROLES):
            roles += await permissions.custom_roles(signed.principal)
        return console.render(
            signed,
            "iam/group.html",
            section="iam",
            tab="groups",
            group=group,
            members=members,
            grants=grants,
            roles=roles,
            others=[u for u in users if u.id not in member_ids],
            can_add=can_add,
            can_remove=await console.can(signed, actions.IAM_REMOVE_USER_FROM_GROUP),
            can_delete=await console.can(signed, actions.IAM_DELETE_GROUP),
            can_grant=await console.can(signed, actions.IAM_GRANT_ROLE_TO_GROUP_ON_DOMAIN),
            can_revoke=await console.can(signed, actions.IAM_REVOKE_ROLE_FROM_GROUP_ON_DOMAIN),
        )

    async def delete_group(request: Request, signed: SignedIn, _form: FormData) -> Response:
        group_id = request.path_params["group_id"]
        group = await identity.group(signed.principal, group_id)
        await identity.delete_group(signed.principal, group_id)
        console.flash(signed, f"Group {group.name} deleted.", "ok")
        return console.redirect(BASE)

    async def add_member(request: Request, signed: SignedIn, form: FormData) -> Response:
        group_id = request.path_params["group_id"]
        await identity.add_member(signed.principal, group_id, required(form, "user", 64))
        console.flash(signed, "Member added.", "ok")
        return console.redirect(f"{BASE}/{group_id}")

    async def remove_member(request: Request, signed: SignedIn, _form: FormData) -> Response:
        group_id, user_id = request.path_params["group_id"], request.path_params["user_id"]
        await identity.remove_member(signed.principal, group_id, user_id)
        console.flash(signed, "Member removed.", "ok")
        return console.redirect(f"{BASE}/{group_id}")

    async def grant(_request: Request, signed: SignedIn, form: FormData) -> Response:
        group_id = required(form, "group", 64)
        where = grant_for(signed, group_id, required(form, "role", 64), field(form, "scope"))
        await permissions.grant(signed.principal, where, actions.GRANT_ROLE_ACTIONS[where.scope_type])
        console.flash(signed, "Role granted.", "ok")
        return console.redirect(f"{BASE}/{group_id}")

    async def revoke(_request: Request, signed: SignedIn, form: FormData) -> Response:
        group_id = required(form, "group", 64)
        where = grant_for(signed, group_id, required(form, "role", 64), field(form, "scope"))
        await permissions.revoke(signed.principal, where, actions.REVOKE_ROLE_ACTIONS[where.scope_type])
        console.flash(signed, "Role revoked.", "ok")
        return console.redirect(f"{BASE}/{group_id}")

    return [
        console.page(BASE, tab_page(console, "groups", list_groups), "ConsoleGroups"),
        console.action(BASE, create_group, "CreateGroup"),
        console.page(BASE + "/{group_id}", show_group, "ConsoleGroup"),
        console.action(BASE + "/{group_id}/delete", delete_group, "DeleteGroup"),
        console.action(BASE + "/{group_id}/members", add_member, "AddUserToGroup"),
        console.action(BASE + "/{group_id}/members/{user_id}/remove", remove_member, "RemoveUserFromGroup"),
        console.action("/console/iam/grants", grant, "GrantRoleToGroup"),
        console.action("/console/iam/grants/revoke", revoke, "RevokeRoleFromGroup"),
    ]
