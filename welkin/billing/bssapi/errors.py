"""Welkin's errors as BSS writes them: ``{"error_code": "CBC.xxxx", "error_msg": ...}``.

One table, most specific class first; the first class an error is an instance of wins.
The codes are those Huawei's BSS pages list for these APIs:

    CBC.0100  400  a parameter is missing or wrong
    CBC.0154  401  no, a wrong or an expired token or signature
    CBC.0151  403  access denied (no permission, another account's data)
    CBC.0250  429  too many requests
    CBC.0999  500  anything else

BSS has no documented code for a path it does not serve; Welkin answers 404 CBC.0404.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from welkin.core import errors
from welkin.core.http import ErrorBoundary, log, request_id

_CODES: tuple[tuple[type[errors.WelkinError], str, int], ...] = (
    (errors.MethodNotAllowed, "CBC.0405", 405),
    (errors.BadRequest, "CBC.0100", 400),
    (errors.Unauthenticated, "CBC.0154", 401),
    (errors.AccessDenied, "CBC.0151", 403),
    (errors.TooManyRequests, "CBC.0250", 429),
    (errors.NotFound, "CBC.0404", 404),
)
INTERNAL = ("CBC.0999", 500)


def cbc_code(error: errors.WelkinError) -> tuple[str, int]:
    for kind, code, status in _CODES:
        if isinstance(error, kind):
            return code, status
    return INTERNAL


def bss_error(error: errors.WelkinError, req_id: str) -> Response:
    code, status = cbc_code(error)
    body = {"error_code": code, "error_msg": error.message, "request_id": req_id}
    return JSONResponse(body, status_code=status, headers=error.headers or None)


class BssErrorBoundary(ErrorBoundary):
    """Also answers an unexpected failure in BSS's format (CBC.0999), not the generic one."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, bss_error)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await super().__call__(scope, receive, tracking_send)
        except Exception:
            if started:
                raise
            req_id = request_id(scope)
            log.exception("unhandled error in %s %s (request %s)", scope["method"], scope["path"], req_id)
            error = errors.WelkinError(f"Internal error; quote request id {req_id} when reporting it.")
            await bss_error(error, req_id)(scope, receive, send)
