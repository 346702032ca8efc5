"""Users: the list, one user's page, creating, enabling or disabling, deleting, membership.

A password typed into the create form is never shown again; one the console generates is
shown once, on the answer to the form itself, like an access key's secret.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from welkin.console.context import Console, SignedIn
from welkin.console.iam_common import field, required, tab_page
from welkin.core import errors
from welkin.core.ids import new_password
from welkin.iam import actions
from welkin.iam.models import User

BASE = "/console/iam/users"
PAGE = 200
ACCESS_MODES = {
    "default": "Console and programmatic",
    "console": "Console only",
    "programmatic": "Programmatic",
}


def routes(console: Console) -> list[BaseRoute]:
    identity = console.region.iam.identity

    async def may(signed: SignedIn, *names: str) -> dict[str, bool]:
        return {name: await console.can(signed, name) for name in names}

    async def users_page(
        signed: SignedIn, after: str = "", created: User | None = None, new_password: str | None = None
    ) -> Response:
        # IAM lists an account's users whole; the page renders them PAGE at a time, by name.
        users = [u for u in await identity.users(signed.principal) if u.name > after]
        more = len(users) > PAGE
        allowed = await may(signed, actions.IAM_CREATE_USER, actions.IAM_DELETE_USER)
        return console.render(
            signed,
            "iam/users.html",
            section="iam",
            tab="users",
            users=users[:PAGE],
            after=after,
            next_after=users[PAGE - 1].name if more else None,
            modes=ACCESS_MODES,
            can_create=allowed[actions.IAM_CREATE_USER],
            can_delete=allowed[actions.IAM_DELETE_USER],
            created=created,
            new_password=new_password,
        )

    async def list_users(request: Request, signed: SignedIn) -> Response:
        return await users_page(signed, request.query_params.get("after", ""))

    async def create_user(_request: Request, signed: SignedIn, form: FormData) -> Response:
        mode = field(form, "access_mode") or "default"
        if mode not in ACCESS_MODES:
            raise errors.InvalidArgument("access_mode must be default, console or programmatic.")
        password: str | None = field(form, "password", 32) or None
        generated = None
        if password is None and mode != "programmatic":
            password = generated = new_password()
        user = await identity.create_user(
            signed.principal,
            required(form, "name", 64),
            password,
            "",
            "",
            field(form, "description", 255),
            True,
            mode,
            False,
        )
        if generated is None:
            console.flash(signed, f"User {user.name} created.", "ok")
            return console.redirect(f"{BASE}/{user.id}")
        # Shown on this answer only: the page is no-store and never renders it again.
        return await users_page(signed, created=user, new_password=generated)

    async def show_user(request: Request, signed: SignedIn) -> Response:
        user_id = request.path_params["user_id"]
        user = await identity.user(signed.principal, user_id)
        groups = await identity.groups_of(signed.principal, user_id)
        allowed = await may(
            signed,
            actions.IAM_UPDATE_USER,
            actions.IAM_DELETE_USER,
            actions.IAM_LIST_GROUPS,
            actions.IAM_ADD_USER_TO_GROUP,
            actions.IAM_REMOVE_USER_FROM_GROUP,
            actions.IAM_LIST_CREDENTIALS,
        )
        own = user_id == signed.principal.user_id
        all_groups = await identity.groups(signed.principal) if allowed[actions.IAM_LIST_GROUPS] else []
        member_of = {g.id for g in groups}
        keys = []
        if own or allowed[actions.IAM_LIST_CREDENTIALS]:
            keys = await console.region.iam.keys.credentials(signed.principal, user_id)
        return console.render(
            signed,
            "iam/user.html",
            section="iam",
            tab="users",
            user=user,
            groups=groups,
            other_groups=[g for g in all_groups if g.id not in member_of],
            keys=keys,
            own=own,
            modes=ACCESS_MODES,
            can_update=allowed[actions.IAM_UPDATE_USER],
            can_delete=allowed[actions.IAM_DELETE_USER],
            can_add=allowed[actions.IAM_ADD_USER_TO_GROUP],
            can_remove=allowed[actions.IAM_REMOVE_USER_FROM_GROUP],
        )

    async def set_status(request: Request, signed: SignedIn, form: FormData) -> Response:
        user_id = request.path_params["user_id"]
        wanted = field(form, "enabled")
        if wanted not in ("true", "false"):
            raise errors.InvalidArgument("enabled must be true or false.")
        enabled = wanted == "true"
        user = await identity.update_user(
            signed.principal, user_id, None, None, None, None, enabled, None, None
        )
        console.flash(signed, f"User {user.name} {'enabled' if enabled else 'disabled'}.", "ok")
        return console.redirect(f"{BASE}/{user_id}")

    async def delete_user(request: Request, signed: SignedIn, _form: FormData) -> Response:
        user_id = request.path_params["user_id"]
        user = await identity.user(signed.principal, user_id)
        await identity.delete_user(signed.principal, user_id)
        console.flash(signed, f"User {user.name} deleted.", "ok")
        return console.redirect(BASE)

    async def join_group(request: Request, signed: SignedIn, form: FormData) -> Response:
        user_id = request.path_params["user_id"]
        await identity.add_member(signed.principal, required(form, "group", 64), user_id)
        console.flash(signed, "Added to the group.", "ok")
        return console.redirect(f"{BASE}/{user_id}")

    async def leave_group(request: Request, signed: SignedIn, _form: FormData) -> Response:
        user_id, group_id = request.path_params["user_id"], request.path_params["group_id"]
        await identity.remove_member(signed.principal, group_id, user_id)
        console.flash(signed, "Removed from the group.", "ok")
        return console.redirect(f"{BASE}/{user_id}")

    return [
        console.page(BASE, tab_page(console, "users", list_users), "ConsoleUsers"),
        console.action(BASE, create_user, "CreateUser"),
        console.page(BASE + "/{user_id}", show_user, "ConsoleUser"),
        console.action(BASE + "/{user_id}/status", set_status, "UpdateUser"),
        console.action(BASE + "/{user_id}/delete", delete_user, "DeleteUser"),
        console.action(BASE + "/{user_id}/groups", join_group, "AddUserToGroup"),
        console.action(BASE + "/{user_id}/groups/{group_id}/remove", leave_group, "RemoveUserFromGroup"),
    ]
