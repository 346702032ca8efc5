"""The account's audit log, newest first, a page at a time going back in time (``?before=``)."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from welkin.console.context import Console, SignedIn
from welkin.console.iam_common import tab_page
from welkin.core import errors

BASE = "/console/iam/audit"
PAGE = 100


def _before(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise errors.InvalidArgument("before must be an ISO 8601 time with its zone.") from None
    if moment.tzinfo is None:
        raise errors.InvalidArgument("before must be an ISO 8601 time with its zone.")
    return moment


def routes(console: Console) -> list[BaseRoute]:
    audit = console.region.iam.audit

    async def show(request: Request, signed: SignedIn) -> Response:
        before = _before(request.query_params.get("before"))
        events = await audit.events(signed.principal, None, PAGE + 1, before)
        older = events[PAGE - 1].at.isoformat() if len(events) > PAGE else None
        return console.render(
            signed,
            "iam/audit.html",
            section="iam",
            tab="audit",
            events=events[:PAGE],
            before=before,
            older=older,
        )

    return [console.page(BASE, tab_page(console, "audit", show), "ConsoleAuditLog")]
