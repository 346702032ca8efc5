"""Functions pages: list, create, code, configuration, test invoke, triggers, versions, metrics."""

from __future__ import annotations

from starlette.routing import BaseRoute

from welkin.console.context import Console


def routes(console: Console) -> list[BaseRoute]:
    return []
