"""BSS's error format: Welkin's errors as CBC codes, and a failure nobody expected as CBC.0999."""

from __future__ import annotations

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router

from welkin.billing.bssapi.errors import BssErrorBoundary, cbc_code
from welkin.core import errors
from welkin.core.http import RequestIdMiddleware


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (errors.InvalidArgument("x"), ("CBC.0100", 400)),
        (errors.MalformedBody("x"), ("CBC.0100", 400)),
        (errors.InvalidToken("x"), ("CBC.0154", 401)),
        (errors.SignatureDoesNotMatch("x"), ("CBC.0154", 401)),
        (errors.AccessDenied("x"), ("CBC.0151", 403)),
        (errors.TooManyRequests("x"), ("CBC.0250", 429)),
        (errors.NotFound("x"), ("CBC.0404", 404)),
        (errors.MethodNotAllowed("x"), ("CBC.0405", 405)),
        (errors.Unavailable("x"), ("CBC.0999", 500)),
    ],
)
def test_each_error_has_its_cbc_code(error: errors.WelkinError, expected: tuple[str, int]) -> None:
    assert cbc_code(error) == expected


async def denied(_request: Request) -> Response:
    raise errors.AccessDenied("not yours")


async def broken(_request: Request) -> Response:
    raise RuntimeError("a bug")


async def test_errors_and_bugs_answer_in_bss_format_with_the_request_id() -> None:
    app = RequestIdMiddleware(BssErrorBoundary(Router([Route("/denied", denied), Route("/broken", broken)])))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://bss") as client:
        refused = await client.get("/denied")
        assert (refused.status_code, refused.json()["error_code"]) == (403, "CBC.0151")
        failed = await client.get("/broken")
    assert (failed.status_code, failed.json()["error_code"]) == (500, "CBC.0999")
    assert failed.json()["request_id"] == failed.headers["x-request-id"]
    assert "a bug" not in failed.text
