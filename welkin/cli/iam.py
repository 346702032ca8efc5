"""``welkin iam``: the IAM command group, assembled from its parts."""

from __future__ import annotations

import typer

from welkin.cli.iam_access import audit, grant, policies
from welkin.cli.iam_identity import groups, users
from welkin.cli.iam_keys import keys

app = typer.Typer(
    help="Identity and access: users, groups, policies, grants, access keys, audit log.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(users, name="user")
app.add_typer(groups, name="group")
app.add_typer(policies, name="policy")
app.add_typer(keys, name="key")
app.command("grant")(grant)
app.command("audit")(audit)
