"""``welkin account quota``: an account's quotas, through ``/welkin/v1/accounts/{name}/quotas``."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

import typer

from welkin.cli.output import USAGE, Format, OutputOpt, ProfileOpt, emit_list, emit_object, fail, handled
from welkin.cli.session import open_client

app = typer.Typer(
    help="Show and set an account's quotas (operator only).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

_COLUMNS = ("quota", "limit", "default", "used")
_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1 << 10,
    "mib": 1 << 20,
    "gib": 1 << 30,
    "tib": 1 << 40,
}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)")
_BINARY = (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10))


class BadValue(ValueError):
    """A limit on the command line that is not a number, a size, ``unlimited`` or ``default``."""


def parse_limit(text: str, sizes: bool) -> int | None:
    """A limit as given on the command line: a number (a size, for byte quotas), ``unlimited``
    (-1) or ``default`` (None: back to the region's default)."""
    value = text.strip().lower()
    if value == "default":
        return None
    if value in ("unlimited", "-1"):
        return -1
    match = _SIZE.fullmatch(value)
    if match is None or match.group(2) not in _UNITS or (match.group(2) and not sizes):
        kind = "a size such as 500MB or 10GiB" if sizes else "a whole number"
        raise BadValue(f"{text!r} is not {kind}, 'unlimited' or 'default'")
    if "." in match.group(1) and not sizes:
        raise BadValue(f"{text!r} is not a whole number")
    return int(Decimal(match.group(1)) * _UNITS[match.group(2)])


def _shown(value: int, unit: str) -> str:
    if value == -1:
        return "unlimited"
    if unit != "bytes":
        return str(value)
    for name, size in _BINARY:
        if value >= size:
            return f"{value / size:.4g} {name}"
    return f"{value} B"


def _rows(quotas: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "quota": name,
            "limit": _shown(q["limit"], q["unit"]),
            "default": _shown(q["default"], q["unit"]),
            "used": _shown(q["used"], q["unit"]),
        }
        for name, q in quotas.items()
    ]


def _emit(answer: dict[str, Any], output: Format) -> None:
    if output is Format.json:
        emit_object(answer, output)
    else:
        emit_list(_rows(answer["quotas"]), _COLUMNS, output)


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="The account.")],
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Show an account's quotas: the limit, the region's default and what it uses now.

    \b
    Examples:
      1. welkin account quota show acme
      2. welkin account quota show acme --output json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        with client:
            answer = client.get(f"/welkin/v1/accounts/{name}/quotas")
    _emit(answer, output)


@app.command("set")
def set_quotas(
    name: Annotated[str, typer.Argument(help="The account.")],
    functions: Annotated[str | None, typer.Option(metavar="N", help="Functions.")] = None,
    code_bytes: Annotated[
        str | None, typer.Option(metavar="SIZE", help="Function code, all versions together.")
    ] = None,
    concurrent_instances: Annotated[
        str | None, typer.Option(metavar="N", help="Invocations running at once.")
    ] = None,
    buckets: Annotated[str | None, typer.Option(metavar="N", help="Buckets.")] = None,
    stored_bytes: Annotated[
        str | None, typer.Option(metavar="SIZE", help="Bytes of objects, all versions together.")
    ] = None,
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Set some of an account's quotas; the others stay as they are.

    A count is a whole number, a size a number with an optional unit (500MB, 10GiB, 1.5TB;
    KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB of 1024). 'unlimited' lifts the limit and
    'default' puts the quota back to the region's default.

    \b
    Examples:
      1. welkin account quota set acme --buckets 5 --stored-bytes 10GiB
      2. welkin account quota set acme --functions 50 --concurrent-instances 20
      3. welkin account quota set acme --stored-bytes unlimited --buckets default --output json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    given = {
        "functions": (functions, False),
        "code_bytes": (code_bytes, True),
        "concurrent_instances": (concurrent_instances, False),
        "buckets": (buckets, False),
        "stored_bytes": (stored_bytes, True),
    }
    quotas: dict[str, int | None] = {}
    for quota, (text, sizes) in given.items():
        if text is None:
            continue
        try:
            quotas[quota] = parse_limit(text, sizes)
        except BadValue as exc:
            raise fail(f"--{quota.replace('_', '-')}: {exc}", USAGE) from None
    if not quotas:
        raise fail("name at least one quota to set (see --help)", USAGE)
    with handled():
        client, _ = open_client(profile)
        with client:
            answer = client.put(f"/welkin/v1/accounts/{name}/quotas", {"quotas": quotas})
    _emit(answer, output)
