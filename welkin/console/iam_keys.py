"""Access keys: the signed-in user's own, or (for IAM administrators) another user's.

A new key's secret is shown once, in the answer to the form that created it: that answer is
``no-store``, and no page reads a secret back, so a reload or a later visit cannot show it.
Temporary keys (the console's own included) are never listed: they are not stored.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from welkin.console.context import Console, SignedIn
from welkin.console.iam_common import field
from welkin.iam import actions
from welkin.iam.keys import MAX_KEYS_PER_USER, NewCredential

BASE = "/console/iam/keys"


def routes(console: Console) -> list[BaseRoute]:
    identity = console.region.iam.identity
    keys = console.region.iam.keys

    async def page(signed: SignedIn, user_id: str, new: NewCredential | None = None) -> Response:
        own = user_id == signed.principal.user_id
        user = await identity.user(signed.principal, user_id)
        listed = await keys.credentials(signed.principal, user_id)
        plain_owner = own and not signed.principal.agency_id  # keys.py authorizes only others' keys
        can_create = plain_owner or await console.can(signed, actions.IAM_CREATE_CREDENTIAL)
        can_delete = plain_owner or await console.can(signed, actions.IAM_DELETE_CREDENTIAL)
        return console.render(
            signed,
            "iam/keys.html",
            section="iam",
            tab="keys",
            user=user,
            own=own,
            keys=listed,
            new=new,
            limit=MAX_KEYS_PER_USER,
            can_create=can_create and len(listed) < MAX_KEYS_PER_USER,
            can_delete=can_delete,
        )

    async def show(request: Request, signed: SignedIn) -> Response:
        return await page(signed, request.query_params.get("user") or signed.principal.user_id)

    async def create(_request: Request, signed: SignedIn, form: FormData) -> Response:
        user_id = field(form, "user", 64) or signed.principal.user_id
        new = await keys.create(signed.principal, user_id, field(form, "description", 255))
        # Rendered here, not after a redirect: the one answer that carries the secret.
        return await page(signed, user_id, new)

    async def delete(request: Request, signed: SignedIn, _form: FormData) -> Response:
        access_key = request.path_params["access_key"]
        credential = await keys.get(signed.principal, access_key)
        await keys.delete(signed.principal, access_key)
        console.flash(signed, f"Access key {access_key} deleted.", "ok")
        if credential.user_id == signed.principal.user_id:
            return console.redirect(BASE)
        return console.redirect(f"{BASE}?user={quote(credential.user_id, safe='')}")

    return [
        console.page(BASE, show, "ConsoleAccessKeys"),
        console.action(BASE, create, "CreateCredential"),
        console.action(BASE + "/{access_key}/delete", delete, "DeleteCredential"),
    ]
