"""What the identity pages share: reading form fields, and where a grant applies."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from welkin.console.context import Console, PageHandler, SignedIn
from welkin.core import errors
from welkin.iam.models import Grant, PrincipalType, ScopeType

# Where a role may be granted from the console, as the form names it.
SCOPES = {
    "account": ScopeType.DOMAIN,
    "all_projects": ScopeType.ALL_PROJECTS,
    "project": ScopeType.PROJECT,
}


def field(form: FormData, name: str, max_len: int = 256) -> str:
    """A text field, or "" when it is absent; too long is refused rather than cut."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    if len(value) > max_len:
        raise errors.InvalidArgument(f"{name} is longer than {max_len} characters.")
    return value


def required(form: FormData, name: str, max_len: int = 256) -> str:
    value = field(form, name, max_len).strip()
    if not value:
        raise errors.InvalidArgument(f"{name} is required.")
    return value


def grant_for(signed: SignedIn, group_id: str, role_id: str, scope: str) -> Grant:
    """The grant of ``role_id`` to a group at a scope named as the forms name it."""
    scope_type = SCOPES.get(scope)
    if scope_type is None:
        raise errors.InvalidArgument("scope must be account, all_projects or project.")
    scope_id = signed.project.id if scope_type is ScopeType.PROJECT else signed.account_id
    return Grant(signed.account_id, PrincipalType.GROUP, group_id, role_id, scope_type, scope_id)


def tab_page(console: Console, tab: str, handler: PageHandler) -> PageHandler:
    """A tab's page that IAM refuses to show still shows the tabs (a user may reach their keys)."""

    async def page(request: Request, signed: SignedIn) -> Response:
        try:
            return await handler(request, signed)
        except errors.AccessDenied as exc:
            return console.render(signed, "iam/denied.html", 403, section="iam", tab=tab, message=exc.message)

    return page
