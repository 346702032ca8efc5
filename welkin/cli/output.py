"""One output layer for every command: ``--output table|json`` and the exit codes.

Exit codes: 0 ok; 1 the server refused the request (4xx) or a name did not resolve;
2 usage error (bad options, not logged in); 3 cannot connect, or the server failed (5xx).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from welkin.cli.client import ApiError
from welkin.cli.config import ConfigError

OK, REFUSED, USAGE, UNREACHABLE = 0, 1, 2, 3


class Format(enum.StrEnum):
    table = "table"
    json = "json"


OutputOpt = Annotated[
    Format, typer.Option("--output", "-o", help="table (aligned columns) or json (stable keys).")
]
ProfileOpt = Annotated[
    str | None,
    typer.Option("--profile", help="Profile in the config file.  [default: $WELKIN_PROFILE or default]"),
]


class NotFoundByName(Exception):
    """A name given on the command line matched nothing (exit 1)."""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    cells = [[c.upper() for c in columns]] + [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    lines = ("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)) for line in cells)
    return "\n".join(line.rstrip() for line in lines)


def emit_list(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: Format) -> None:
    if fmt is Format.json:
        typer.echo(json.dumps(list(rows), indent=2, sort_keys=True))
    else:
        typer.echo(table(rows, columns))


def emit_object(obj: Mapping[str, Any], fmt: Format, note: str = "") -> None:
    """A single resource: key/value lines, or JSON; ``note`` goes to stderr for humans."""
    if fmt is Format.json:
        typer.echo(json.dumps(dict(obj), indent=2, sort_keys=True))
    else:
        width = max((len(k) for k in obj), default=0)
        for key, value in obj.items():
            typer.echo(f"{key.ljust(width)}  {_cell(value)}")
    if note:
        typer.echo(note, err=True)


def emit_done(message: str, fmt: Format, **fields: Any) -> None:
    if fmt is Format.json:
        typer.echo(json.dumps({"result": "ok", **fields}, sort_keys=True))
    else:
        typer.echo(message)


def fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"welkin: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def handled() -> Iterator[None]:
    """Turn client-side failures into a message on stderr and the documented exit code."""
    try:
        yield
    except ApiError as exc:
        if exc.status == 0 or exc.status >= 500:
            raise fail(str(exc), UNREACHABLE) from None
        raise fail(str(exc), REFUSED) from None
    except ConfigError as exc:
        raise fail(str(exc), USAGE) from None
    except NotFoundByName as exc:
        raise fail(str(exc), REFUSED) from None
