"""What every console route shares: who is signed in, CSRF, rendering, and permission checks.

Routes are made with ``page`` (GET), ``action`` (a form POST) and ``api`` (a JSON POST from the
console's own JavaScript). Every POST must come from the console's own origin and carry the
session's CSRF token; a route cannot forget to check, because only these three make routes.

The console calls services in-process but as the signed-in user: each request rebuilds the
principal from the session's IAM token, so a password change, a disabled user or an expired
token ends the session, and services and the S3 authorizer decide as they do for the APIs.
Buttons are hidden by ``can``/``obs_can``; the calls are refused by the services regardless.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from welkin.console.render import Pages
from welkin.console.sessions import COOKIE, Session, SessionStore
from welkin.core import errors
from welkin.core.body import Body
from welkin.core.http import parse_json_object, read_body
from welkin.functions.service import Scope
from welkin.iam.conditions import ContextValue
from welkin.iam.login_limiter import LoginLimiter
from welkin.iam.models import Principal, Project
from welkin.iam.policy import Decision
from welkin.obs.models import Bucket
from welkin.obs.operations import OPERATIONS
from welkin.obs.s3api.authorize import request_context

if TYPE_CHECKING:
    from welkin.server import Region

# Forms carry at most this much (a function's code edited in the browser included); a function
# uploaded as a zip has a route of its own with the functions' code limit.
FORM_LIMIT = 2 * 1024 * 1024
JSON_LIMIT = 1024 * 1024


class SignInRequired(Exception):
    """No session, or one that ended: the request goes to the sign-in page."""


@dataclass(frozen=True)
class SignedIn:
    session: Session
    principal: Principal  # scoped to the session's project
    project: Project
    # The request's condition keys (source address, TLS, time...) for bucket policies.
    context: Mapping[str, ContextValue]

    @property
    def scope(self) -> Scope:
        """The caller as FunctionGraph's registry takes it."""
        return Scope(self.principal, self.project)

    @property
    def account_id(self) -> str:
        return self.principal.account_id


PageHandler = Callable[[Request, SignedIn], Awaitable[Response]]
FormHandler = Callable[[Request, SignedIn, FormData], Awaitable[Response]]
ApiHandler = Callable[[Request, SignedIn, Body], Awaitable[Response]]


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', '')}"


def check_origin(request: Request) -> None:
    """Refuse a POST that another origin (a sandboxed object's ``null`` included) made."""
    expected = own_origin(request)
    origin = request.headers.get("origin")
    if origin is not None:
        if origin == expected:
            return
    elif (request.headers.get("referer") or "").startswith(expected + "/"):
        return
    raise errors.AccessDenied("This request did not come from the console's own pages.")


def check_csrf(expected: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise errors.AccessDenied("The form has expired or did not come from the console; reload the page.")


class Console:
    def __init__(self, region: Region, sessions: SessionStore, limiter: LoginLimiter) -> None:
        self.region = region
        self.sessions = sessions
        self.limiter = limiter
        self.pages = Pages()
        # One-shot messages shown on a session's next page (after a redirect).
        self._flashes: dict[str, list[tuple[str, str]]] = {}

    # --- who -----------------------------------------------------------------------------------
    async def signed_in(self, request: Request) -> SignedIn:
        cookie = request.cookies.get(COOKIE)
        session = await self.sessions.find(cookie) if cookie else None
        if session is None:
            raise SignInRequired
        try:
            principal = await self.region.iam.authn.principal_from_token(session.token)
        except (errors.Unauthenticated, errors.AccessDenied) as exc:
            raise SignInRequired from exc
        principal = replace(principal, project_id=session.project_id)
        projects = await self.region.iam.identity.accessible_projects(principal)
        project = next((p for p in projects if p.id == session.project_id), None)
        if project is None:
            raise SignInRequired
        state = request.scope.setdefault("state", {})
        state["principal"] = principal  # for the audit log
        context = request_context(request, self.region.clock.now())
        signed = SignedIn(session, principal, project, context)
        state["console"] = signed
        return signed

    # --- what they may do ----------------------------------------------------------------------
    async def can(self, signed: SignedIn, action: str, resource: str = "*") -> bool:
        decision = await self.region.iam.permissions.decide(signed.principal, action, resource)
        return decision is Decision.ALLOW

    async def obs_can(
        self, signed: SignedIn, operation: str, bucket: Bucket | None, key: str | None = None
    ) -> bool:
        try:
            await self.region.authorizer.check_as(
                signed.principal, {}, OPERATIONS[operation], bucket, key, None
            )
        except errors.AccessDenied:
            return False
        return True

    # --- answers -------------------------------------------------------------------------------
    def flash(self, signed: SignedIn, message: str, kind: str = "info") -> None:
        if len(self._flashes) > 10_000:  # sessions that ended before their next page
            self._flashes.clear()
        self._flashes.setdefault(signed.session.id_hash, []).append((kind, message))

    def render(self, signed: SignedIn, template: str, status: int = 200, **values: Any) -> Response:
        flashes = self._flashes.pop(signed.session.id_hash, [])
        context = {"signed": signed, "csrf": signed.session.csrf, "flashes": flashes, **values}
        return self.pages.html(template, context, status)

    def redirect(self, url: str) -> Response:
        return RedirectResponse(url, status_code=303)

    # --- routes --------------------------------------------------------------------------------
    def page(self, path: str, handler: PageHandler, name: str | None = None) -> Route:
        async def endpoint(request: Request) -> Response:
            return await handler(request, await self.signed_in(request))

        return Route(path, endpoint, methods=["GET", "HEAD"], name=name or handler.__name__)

    def action(self, path: str, handler: FormHandler, name: str, limit: int = FORM_LIMIT) -> Route:
        """A form POST, named after the API action it mirrors (the audit log's action)."""

        async def endpoint(request: Request) -> Response:
            check_origin(request)
            signed = await self.signed_in(request)
            await read_body(request, limit)
            async with request.form(max_part_size=limit) as form:
                value = form.get("csrf")
                check_csrf(signed.session.csrf, value if isinstance(value, str) else None)
                return await handler(request, signed, form)

        return Route(path, endpoint, methods=["POST"], name=name)

    def api(self, path: str, handler: ApiHandler, name: str) -> Route:
        """A JSON POST from the console's JavaScript, with the CSRF token in ``X-CSRF-Token``."""

        async def endpoint(request: Request) -> Response:
            check_origin(request)
            signed = await self.signed_in(request)
            check_csrf(signed.session.csrf, request.headers.get("x-csrf-token"))
            body = Body(parse_json_object(await read_body(request, JSON_LIMIT)))
            return await handler(request, signed, body)

        return Route(path, endpoint, methods=["POST"], name=name)
