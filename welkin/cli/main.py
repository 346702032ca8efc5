"""The ``welkin`` command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from welkin.cli import accounts, bill, budget, fn, iam, obs
from welkin.cli.login import login_command
from welkin.cli.up import serve
from welkin.config import SettingsError, load_settings

app = typer.Typer(
    name="welkin",
    help="Welkin: an open cloud you run yourself (OBS, FunctionGraph, IAM, billing).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.command("login")(login_command)
app.add_typer(accounts.app, name="account")
app.add_typer(iam.app, name="iam")
app.add_typer(obs.app, name="obs")
app.add_typer(fn.app, name="fn")
app.add_typer(bill.app, name="bill")
app.add_typer(budget.app, name="budget")


@app.callback()
def main() -> None:
    """Welkin: an open cloud you run yourself (OBS, FunctionGraph, IAM, billing)."""


@app.command()
def up(
    data_dir: Annotated[Path | None, typer.Option(help="Where state lives.  [default: ./.welkin]")] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on.  [default: 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.  [default: 8470]")] = None,
    region: Annotated[str | None, typer.Option(help="Region name.  [default: local-1]")] = None,
    database_url: Annotated[
        str | None,
        typer.Option(help="Metadata store, e.g. postgresql://user@host/db.  [default: SQLite in DATA_DIR]"),
    ] = None,
) -> None:
    """Start a region: every Welkin API on one port.

    \b
    Examples:
      1. welkin up
      2. welkin up --data-dir /srv/welkin --host 0.0.0.0 --port 8470
      3. welkin up --database-url postgresql://welkin@db.example/welkin

    \b
    Exit codes: 0 stopped cleanly; 2 bad settings; 3 data directory in use; 4 cannot listen.
    """
    try:
        settings = load_settings(
            {"data_dir": data_dir, "host": host, "port": port, "region": region, "database_url": database_url}
        )
    except SettingsError as exc:
        typer.echo(f"welkin up: {exc}", err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(serve(settings))
