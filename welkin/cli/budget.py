"""``welkin budget``: the account's monthly budget and its notifications, through
``/welkin/v1/billing/budget``."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import typer

from welkin.cli.output import Format, OutputOpt, ProfileOpt, emit_done, emit_list, emit_object, handled
from welkin.cli.session import open_client

app = typer.Typer(
    help="Set, show and remove your account's monthly budget; list the thresholds it crossed.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

PATH = "/welkin/v1/billing/budget"
AccountOpt = Annotated[
    str | None, typer.Option("--account", help="Another account's, by name (the operator only).")
]
_NOTIFICATION_COLUMNS = ("notified_at", "month", "kind", "threshold", "figure", "amount", "currency")


def _path(account: str | None) -> str:
    return f"/welkin/v1/billing/accounts/{quote(account, safe='')}/budget" if account else PATH


def _show(budget: dict[str, Any], output: Format) -> None:
    if output is Format.json:
        emit_object(budget, output)
        return
    currency = budget["currency"]
    emit_object(
        {
            "amount": f"{budget['amount']} {currency} a month",
            "thresholds": ", ".join(f"{t}%" for t in budget["thresholds"]),
            "month": budget["month"],
            "spent": f"{budget['spent']} {currency}",
            "forecast": f"{budget['forecast']} {currency}",
            "id": budget["id"],
            "updated": budget["updated_at"],
        },
        output,
    )


@app.command("set")
def set_budget(
    amount: Annotated[
        str, typer.Argument(help="The monthly amount, e.g. 50 or 12.50, in the prices' currency.")
    ],
    threshold: Annotated[
        list[int] | None,
        typer.Option(
            "--threshold",
            "-t",
            help="A percentage of the amount to notify at; repeat for more.  [default: 50, 80, 100]",
        ),
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help="Refuse unless prices are in this currency, e.g. USD.")
    ] = None,
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Set the account's monthly budget (replacing its amount and thresholds if it has one).

    Each threshold is notified once a month when the month's cost reaches it (actual) and
    once when the cost so far, carried on at its rate, would reach it by the month's end
    (forecast).

    \b
    Examples:
      1. welkin budget set 50
      2. welkin budget set 200 --threshold 25 --threshold 50 --threshold 100
      3. welkin budget set 12.50 --currency USD --output json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    body: dict[str, Any] = {"amount": amount}
    if threshold:
        body["thresholds"] = threshold
    if currency:
        body["currency"] = currency
    with handled():
        client, _ = open_client(profile)
        with client:
            budget = client.put(PATH, {"budget": body})["budget"]
    _show(budget, output)


@app.command("show")
def show(account: AccountOpt = None, profile: ProfileOpt = None, output: OutputOpt = Format.table) -> None:
    """Show the budget, and what the month has cost so far and is on course to cost.

    \b
    Examples:
      1. welkin budget show
      2. welkin budget show --output json
      3. welkin budget show --account acme        (the operator)

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx), no budget set too; 2 usage error;
    3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        with client:
            budget = client.get(_path(account))["budget"]
    _show(budget, output)


@app.command("rm")
def remove(profile: ProfileOpt = None, output: OutputOpt = Format.table) -> None:
    """Remove the budget. Its notifications stay listed.

    \b
    Examples:
      1. welkin budget rm

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx), no budget set too; 2 usage error;
    3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        with client:
            client.delete(PATH)
    emit_done("Budget removed.", output)


@app.command("notifications")
def notifications(
    month: Annotated[str | None, typer.Option(help="Only this month, YYYY-MM.")] = None,
    account: AccountOpt = None,
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """List the thresholds the budget crossed, newest first: when, which, and the figure that
    crossed it (the month's cost for actual, its forecast for forecast).

    \b
    Examples:
      1. welkin budget notifications
      2. welkin budget notifications --month 2026-11 --output json
      3. welkin budget notifications --account acme        (the operator)

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        with client:
            query = {"month": month} if month else None
            found = client.get(f"{_path(account)}/notifications", query)["notifications"]
    emit_list(found, _NOTIFICATION_COLUMNS, output)
