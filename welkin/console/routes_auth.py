"""Signing in with an IAM user's password, and signing out.

The sign-in form has a CSRF token of its own (a cookie and a field that must match), so that
another site cannot sign a visitor in as someone else. A wrong account, user or password get
the same answer, and failed attempts are limited per name and per address.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import replace

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from welkin.console.context import Console, SignedIn, SignInRequired, check_origin
from welkin.console.sessions import COOKIE
from welkin.core import errors
from welkin.core.http import client_ip, read_body
from welkin.iam.authn import ScopeRequest

LOGIN_COOKIE = "welkin_console_login"
PATH = "/console"
WRONG = "The account name, user name or password is wrong."


def _safe_next(value: str | None) -> str:
    """Only a console page: never another site, never a scheme-relative //host."""
    if value and value.startswith(PATH + "/") and not value.startswith("//") and "\\" not in value:
        return value
    return PATH + "/"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def routes(console: Console) -> list[BaseRoute]:
    def form(request: Request, status: int = 200, error: str | None = None, **values: str) -> Response:
        token = secrets.token_urlsafe(32)
        page = console.pages.html(
            "login.html",
            {
                "signed": None,
                "login_csrf": token,
                "error": error,
                "next": _safe_next(request.query_params.get("next") or values.get("next")),
                "account": values.get("account", ""),
                "user": values.get("user", ""),
            },
            status,
        )
        page.set_cookie(
            LOGIN_COOKIE,
            token,
            max_age=3600,
            path=PATH,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )
        return page

    async def show(request: Request) -> Response:
        try:
            await console.signed_in(request)
        except SignInRequired:
            return form(request)
        return console.redirect(_safe_next(request.query_params.get("next")))

    async def sign_in(request: Request) -> Response:
        check_origin(request)
        await read_body(request, 16 * 1024)
        async with request.form(max_fields=10, max_files=0) as fields:
            values = {k: v for k, v in fields.items() if isinstance(v, str)}
        given, expected = values.get("login_csrf", ""), request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            return form(request, 403, "The sign-in form expired; please try again.", **values)
        account, user, password = (values.get(k, "") for k in ("account", "user", "password"))
        address = client_ip(request)
        kept = {"account": account, "user": user, "next": values.get("next", "")}
        try:
            console.limiter.admit(address, account, user)
        except errors.TooManyRequests as exc:
            page = form(request, 429, exc.message, **kept)
            page.headers.update(exc.headers)
            return page
        authn = console.region.iam.authn
        try:
            issued = await authn.login(account, user, password, ScopeRequest())
        except errors.InvalidCredentials:
            console.limiter.failed(address, account, user)
            return form(request, 401, WRONG, **kept)
        except errors.AccessDenied as exc:
            return form(request, 403, exc.message, **kept)
        principal = await authn.principal_from_token(issued.token)
        projects = await console.region.iam.identity.accessible_projects(principal)
        project = next((p for p in projects if p.region == console.region.settings.region), None)
        if project is None:
            return form(request, 403, "Your account has no project in this region.", **kept)
        await console.sessions.sweep()
        cookie, _session = await console.sessions.create(issued, project.id)
        request.scope.setdefault("state", {})["principal"] = replace(principal, project_id=project.id)
        done = console.redirect(_safe_next(values.get("next")))
        done.set_cookie(COOKIE, cookie, path=PATH, httponly=True, samesite="lax", secure=_secure(request))
        done.delete_cookie(LOGIN_COOKIE, path=PATH)
        return done

    async def sign_out(request: Request, _signed: SignedIn, _form: object) -> Response:
        await console.sessions.end(request.cookies.get(COOKIE, ""))
        done = console.redirect(PATH + "/login")
        done.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="lax", secure=_secure(request))
        return done

    return [
        Route(PATH + "/login", show, methods=["GET", "HEAD"], name="ConsoleSignInPage"),
        Route(PATH + "/login", sign_in, methods=["POST"], name="ConsoleSignIn"),
        console.action(PATH + "/logout", sign_out, "ConsoleSignOut"),
    ]
