"""The overview: what the signed-in account has and what it costs this month."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from welkin.console.context import Console, SignedIn


def routes(console: Console) -> list[BaseRoute]:
    async def overview(_request: Request, signed: SignedIn) -> Response:
        return console.render(signed, "overview.html", section="overview")

    return [console.page("/console/", overview, "ConsoleOverview")]
