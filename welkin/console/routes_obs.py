"""Object storage pages: buckets, the folder-style browser, object details, presigned transfers."""

from __future__ import annotations

from starlette.routing import BaseRoute

from welkin.console.context import Console


def routes(console: Console) -> list[BaseRoute]:
    return []
