"""``welkin bill``: the month in progress, invoices and their export, through ``/welkin/v1/billing``.

Without ``--account`` every command reads the caller's own account; with it (the operator
only) the named account's.
"""

from __future__ import annotations

import enum
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from welkin.cli.client import Client
from welkin.cli.output import (
    USAGE,
    Format,
    OutputOpt,
    ProfileOpt,
    emit_done,
    emit_list,
    emit_object,
    fail,
    handled,
    table,
)
from welkin.cli.session import open_client

# The callback's docstring is the group's help: it is also the bare command's.
app = typer.Typer(
    invoke_without_command=True,
    rich_markup_mode=None,
)

_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_LIST_COLUMNS = ("month", "status", "currency", "total", "billed", "closed_at", "paid_at")
_LINE_COLUMNS = ("usage_type", "resource_id", "region", "quantity", "unit", "price", "free", "amount", "note")

AccountOpt = Annotated[
    str | None, typer.Option("--account", help="Another account's invoices, by name (operator only).")
]
MonthArg = Annotated[str, typer.Argument(help="The month, YYYY-MM (UTC).")]


class ExportFormat(enum.StrEnum):
    csv = "csv"
    json = "json"


def _month(month: str) -> str:
    if not _MONTH.fullmatch(month):
        raise fail(f"a month is written YYYY-MM, not {month!r}", USAGE)
    return month


def _base(account: str | None) -> str:
    return f"/welkin/v1/billing/accounts/{account}/invoices" if account else "/welkin/v1/billing/invoices"


def _invoice(client: Client, account: str | None, month: str) -> Any:
    return client.get(f"{_base(account)}/{month}")


def _line(line: dict[str, Any]) -> dict[str, Any]:
    per = int(line["per"])
    return {
        **line,
        "price": line["unit_price"] + (f" per {per:,}" if per != 1 else ""),
        "free": line["free_applied"],
        "note": f"adjustment: usage of {line['adjusts']}" if line["adjusts"] else "",
    }


def _show(invoice: dict[str, Any], output: Format) -> None:
    if output is Format.json:
        emit_object(invoice, output)
        return
    state = invoice["status"] + ("" if invoice["final"] else " (the month so far; more usage may come)")
    typer.echo(f"Invoice {invoice['month']}: {state}")
    if invoice["lines"]:
        typer.echo(table([_line(line) for line in invoice["lines"]], _LINE_COLUMNS))
    else:
        typer.echo("No usage.")
    currency = invoice["currency"]
    typer.echo(f"Total      {invoice['total']} {currency}")
    typer.echo(f"Billed     {invoice['billed']} {currency}")
    typer.echo(f"Truncated  {invoice['truncated']} {currency}")
    typer.echo(f"Rounding: {invoice['rounding']}.")


@app.callback()
def current(
    ctx: typer.Context,
    account: AccountOpt = None,
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """The month in progress (its lines and totals, an estimate until the month closes);
    invoices listed, shown and exported.

    \b
    Examples:
      1. welkin bill
      2. welkin bill --output json
      3. welkin bill --account acme            (operator)
      4. welkin bill ls
      5. welkin bill export 2026-10 --format csv -o october.csv

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    if ctx.invoked_subcommand is not None:
        return
    month = datetime.now(UTC).strftime("%Y-%m")
    with handled():
        client, _ = open_client(profile)
        with client:
            invoice = _invoice(client, account, month)
    _show(invoice, output)


@app.command("show")
def show(
    month: MonthArg,
    account: AccountOpt = None,
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Show one month's invoice: final once the month is closed, else the estimate.

    \b
    Examples:
      1. welkin bill show 2026-10
      2. welkin bill show 2026-10 --output json
      3. welkin bill show 2026-10 --account acme   (operator)

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    _month(month)
    with handled():
        client, _ = open_client(profile)
        with client:
            invoice = _invoice(client, account, month)
    _show(invoice, output)


@app.command("ls")
def list_invoices(
    account: AccountOpt = None, profile: ProfileOpt = None, output: OutputOpt = Format.table
) -> None:
    """List invoices, newest first: estimated (open), closed (final, unpaid) or paid.

    \b
    Examples:
      1. welkin bill ls
      2. welkin bill ls --output json
      3. welkin bill ls --account acme   (operator)

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        with client:
            invoices = client.get(_base(account))["invoices"]
    emit_list(invoices, _LIST_COLUMNS, output)


@app.command("export")
def export(
    month: MonthArg,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="csv or json.")] = ExportFormat.csv,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to FILE.  [default: stdout]")] = None,
    account: AccountOpt = None,
    profile: ProfileOpt = None,
) -> None:
    """Export one month's invoice as CSV or JSON: exact decimal figures, lines then totals.

    \b
    Examples:
      1. welkin bill export 2026-10 --format csv -o october.csv
      2. welkin bill export 2026-10 --format json
      3. welkin bill export 2026-10 --account acme -o acme-october.csv   (operator)

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    _month(month)
    with handled():
        client, _ = open_client(profile)
        with client:
            response = client.request("GET", f"{_base(account)}/{month}", params={"format": fmt.value})
    if out is None:
        sys.stdout.write(response.text)
    else:
        out.write_text(response.text)


@app.command("paid")
def paid(
    month: MonthArg,
    account: Annotated[str, typer.Option("--account", help="The account whose invoice was paid.")],
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Record that an account paid a closed month's invoice (operator only).

    \b
    Examples:
      1. welkin bill paid 2026-10 --account acme

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    _month(month)
    with handled():
        client, _ = open_client(profile)
        with client:
            result = client.post(f"{_base(account)}/{month}/paid")
    emit_done(f"Invoice {month} of {account} marked paid.", output, invoice=result)
