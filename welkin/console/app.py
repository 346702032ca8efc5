"""The console's ASGI app, served by ``welkin up`` at ``/console`` on the region's own port.

From the outside in: security headers on every answer; errors turned into pages (a form's
error is shown on the page it came from, a JSON call's error as JSON); the audit log of every
state-changing route; then the routes of each page family, and the static files.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from welkin.console import (
    routes_auth,
    routes_billing,
    routes_functions,
    routes_iam,
    routes_obs,
    routes_overview,
)
from welkin.console.billing_figures import BillingFigures
from welkin.console.context import Console, SignedIn, SignInRequired
from welkin.console.sessions import SessionStore
from welkin.core import errors
from welkin.core.http import request_id
from welkin.iam.api.context import AuditMiddleware
from welkin.iam.login_limiter import LoginLimiter

if TYPE_CHECKING:
    from welkin.server import Region

log = logging.getLogger("welkin.console")

PREFIX = "/console"
# Nothing from elsewhere, no inline script or style, no framing, forms only to the console.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
# Test invokes and transfer signing come often: audited like the API's data plane, in batches.
DATA_PLANE = frozenset({"InvokeFunction", "PresignObjectUrl"})


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(PREFIX + "/static/")
        cache = b"public, max-age=86400" if static else b"no-store"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS, (b"cache-control", cache)]
            await send(message)

        await self.app(scope, receive, with_headers)


class ConsoleErrors:
    """An error becomes something a person can read, where they were."""

    def __init__(self, app: ASGIApp, console: Console) -> None:
        self.app = app
        self.console = console

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except (SignInRequired, errors.WelkinError) as exc:
            if started:
                raise
            await self._answer(Request(scope), exc)(scope, receive, send)

    def _answer(self, request: Request, exc: Exception) -> Response:
        wants_json = request.url.path.startswith(PREFIX + "/api/") or "x-csrf-token" in request.headers
        if isinstance(exc, SignInRequired):
            if wants_json:
                return JSONResponse({"error": {"code": "SignInRequired", "message": "Sign in again."}}, 401)
            then = request.url.path if request.method == "GET" else PREFIX + "/"
            return RedirectResponse(f"{PREFIX}/login?next={quote(then, safe='/')}", status_code=303)
        assert isinstance(exc, errors.WelkinError)
        if wants_json:
            body = {"error": {"code": exc.code, "message": exc.message}}
            return JSONResponse(body, exc.status, headers=exc.headers)
        signed: SignedIn | None = request.scope.get("state", {}).get("console")
        back = _same_origin_referer(request)
        if request.method == "POST" and signed is not None and back is not None:
            self.console.flash(signed, exc.message, "error")
            return RedirectResponse(back, status_code=303)
        values = {"code": exc.status, "message": exc.message, "request_id": request_id(request.scope)}
        if signed is not None:
            return self.console.render(signed, "error.html", exc.status, **values)
        return self.console.pages.html("error.html", {"signed": None, **values}, exc.status, exc.headers)


async def _no_page(scope: Scope, receive: Receive, send: Send) -> None:
    raise errors.NotFound(f"There is no console page at {scope['path']}.")


def _same_origin_referer(request: Request) -> str | None:
    referer = urlsplit(request.headers.get("referer") or "")
    if referer.netloc != request.headers.get("host") or not referer.path.startswith(PREFIX + "/"):
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")


_SIGNED_QUERY = (b"x-amz-signature=", b"signature=", b"awsaccesskeyid=")


def is_signed(scope: Scope) -> bool:
    """Whether a request carries an API signature: no browser page of the console's does."""
    if any(name == b"authorization" for name, _ in scope.get("headers", [])):
        return True
    query: bytes = scope.get("query_string", b"").lower()
    return any(query.startswith(p) or b"&" + p in query for p in _SIGNED_QUERY)


def console_or(api: ASGIApp, console: ASGIApp) -> ASGIApp:
    """``/console`` for browsers; a signed request there is S3's (bucket "console" is reserved,
    and S3 clients are told so in S3's words)."""

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        await (api if is_signed(scope) else console)(scope, receive, send)

    return dispatch


def console_app(region: Region) -> ASGIApp:
    console = Console(
        region,
        SessionStore(region.db, region.clock, region.keyring),
        LoginLimiter(region.clock),
    )

    # The overview and the billing pages share what they rate of each account's months.
    figures = BillingFigures(region.billing, region.clock)

    async def to_slash(_request: Request) -> Response:
        return RedirectResponse(PREFIX + "/", status_code=307)

    routes = [
        Route(PREFIX, to_slash, methods=["GET", "HEAD"]),
        Mount(PREFIX + "/static", StaticFiles(packages=[("welkin.console", "static")]), name="static"),
        *routes_auth.routes(console),
        *routes_overview.routes(console, figures),
        *routes_obs.routes(console),
        *routes_functions.routes(console),
        *routes_billing.routes(console, figures),
        *routes_iam.routes(console),
    ]
    router = Router(routes, default=_no_page)
    audited = AuditMiddleware(router, region.iam, region.clock, "console", DATA_PLANE)
    return SecurityHeaders(ConsoleErrors(audited, console))
