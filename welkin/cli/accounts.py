"""``welkin account``: tenant accounts, through the operator API ``/welkin/v1/accounts``."""

from __future__ import annotations

from typing import Annotated

import typer

from welkin.cli import account_quotas
from welkin.cli.output import Format, OutputOpt, ProfileOpt, emit_done, emit_list, emit_object, handled
from welkin.cli.session import open_client

app = typer.Typer(
    help="Create, list, disable and enable tenant accounts, and set their quotas (operator only).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

app.add_typer(account_quotas.app, name="quota")

_COLUMNS = ("name", "id", "enabled", "operator", "created_at", "description")
_NOT_AGAIN = "Note: the password and the secret key are shown only now; they cannot be shown again."


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="The new account's name.")],
    description: Annotated[str, typer.Option(help="Free text.")] = "",
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Create an account with an administrator, a password and an access key.

    The administrator's password and access key / secret key are printed once.

    \b
    Examples:
      1. welkin account create acme
      2. welkin account create acme --description "ACME Corp" --output json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        body = {"account": {"name": name, "description": description}}
        with client:
            account = client.post("/welkin/v1/accounts", body)["account"]
    if output is Format.json:
        emit_object(account, output, note=_NOT_AGAIN)
        return
    emit_object(
        {
            "account": account["name"],
            "id": account["id"],
            "admin user": account["admin"]["name"],
            "admin password": account["admin"]["password"],
            "access key": account["access_key"],
            "secret key": account["secret_key"],
            "projects": ", ".join(p["name"] for p in account.get("projects", [])),
        },
        output,
        note=_NOT_AGAIN,
    )


@app.command("ls")
def list_accounts(profile: ProfileOpt = None, output: OutputOpt = Format.table) -> None:
    """List the accounts.

    \b
    Examples:
      1. welkin account ls
      2. welkin account ls --output json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        with client:
            accounts = client.get("/welkin/v1/accounts")["accounts"]
    emit_list(accounts, _COLUMNS, output)


def _set_enabled(name: str, enabled: bool, profile: str | None, output: Format) -> None:
    verb = "enable" if enabled else "disable"
    with handled():
        client, _ = open_client(profile)
        with client:
            account = client.post(f"/welkin/v1/accounts/{name}/{verb}")["account"]
    emit_done(f"Account {name} {verb}d.", output, account=account)


@app.command("disable")
def disable(
    name: Annotated[str, typer.Argument(help="The account to disable.")],
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Disable an account: its users and keys can no longer authenticate.

    \b
    Examples:
      1. welkin account disable acme

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    _set_enabled(name, False, profile, output)


@app.command("enable")
def enable(
    name: Annotated[str, typer.Argument(help="The account to enable.")],
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Enable a disabled account again.

    \b
    Examples:
      1. welkin account enable acme

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    _set_enabled(name, True, profile, output)
