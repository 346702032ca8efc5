"""Pages: Jinja templates from the package, every value escaped, static files named by content.

Templates never put data into a script: under the console's CSP no inline script runs, and
values for JavaScript travel in ``data-*`` attributes, escaped like any other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def human_bytes(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in _UNITS:
        if value < 1024 or unit == _UNITS[-1]:
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def when(moment: datetime | None) -> str:
    """UTC, to the second: the console shows one time zone, the one invoices close in."""
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def money(amount: Decimal | str | None, currency: str = "USD") -> str:
    if amount is None:
        return ""
    return f"{Decimal(amount):,.2f} {currency}"


def _static_version() -> str:
    digest = hashlib.sha256()
    for entry in sorted(resources.files("welkin.console").joinpath("static").iterdir(), key=str):
        if entry.is_file():
            digest.update(entry.name.encode())
            digest.update(entry.read_bytes())
    return digest.hexdigest()[:12]


class Pages:
    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("welkin.console", "templates"),
            # Every template, whatever its name: an unescaped page is never intended.
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            auto_reload=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        version = _static_version()
        self.env.globals["static"] = lambda name: f"/console/static/{name}?v={version}"
        self.env.globals["qs"] = lambda **values: urlencode(
            {k: v for k, v in values.items() if v not in (None, "")}
        )
        self.env.filters["bytes"] = human_bytes
        self.env.filters["when"] = when
        self.env.filters["money"] = money
        self.env.filters["segment"] = lambda value: quote(str(value), safe="")

    def html(
        self,
        template: str,
        values: Mapping[str, Any],
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        body = self.env.get_template(template).render(values)
        return HTMLResponse(body, status_code=status, headers=dict(headers or {}))
