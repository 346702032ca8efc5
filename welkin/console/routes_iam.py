"""Identity pages: users, groups, policies, access keys and the audit log."""

from __future__ import annotations

from starlette.routing import BaseRoute

from welkin.console.context import Console


def routes(console: Console) -> list[BaseRoute]:
    return []
