"""``welkin iam key``: permanent access keys."""

from __future__ import annotations

from typing import Annotated

import typer

from welkin.cli.output import Format, OutputOpt, ProfileOpt, emit_done, emit_list, emit_object, handled
from welkin.cli.session import open_client, own_user_id, user_id

keys = typer.Typer(help="Permanent access keys (AK/SK).", no_args_is_help=True, rich_markup_mode=None)

_COLUMNS = ("access", "user_id", "status", "create_time", "last_use_time", "description")
_NOT_AGAIN = "Note: the secret key is shown only now; it cannot be shown again."
UserOpt = Annotated[str | None, typer.Option("--user", help="The user (name or id).  [default: you]")]


@keys.command("create")
def create_key(
    user: UserOpt = None,
    description: Annotated[str, typer.Option(help="Free text.")] = "",
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Create an access key; its secret key is printed once.

    \b
    Examples:
      1. welkin iam key create
      2. welkin iam key create --user ci-bot --description "CI pipeline" -o json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        client, prof = open_client(profile)
        with client:
            uid = user_id(client, user) if user else own_user_id(client, prof)
            body = {"credential": {"user_id": uid, "description": description}}
            key = client.post("/v3.0/OS-CREDENTIAL/credentials", body)["credential"]
    emit_object(key, output, note=_NOT_AGAIN)


@keys.command("ls")
def list_keys(user: UserOpt = None, profile: ProfileOpt = None, output: OutputOpt = Format.table) -> None:
    """List access keys (never their secrets).

    \b
    Examples:
      1. welkin iam key ls
      2. welkin iam key ls --user ci-bot -o json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        with client:
            params = {"user_id": user_id(client, user)} if user else None
            found = client.get("/v3.0/OS-CREDENTIAL/credentials", params)["credentials"]
    emit_list(found, _COLUMNS, output)


@keys.command("rm")
def remove_key(
    access_key: Annotated[str, typer.Argument(help="The access key id.")],
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Delete an access key.

    \b
    Examples:
      1. welkin iam key rm WELKINABCDEFGHIJKLMN

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        with client:
            client.delete(f"/v3.0/OS-CREDENTIAL/credentials/{access_key}")
    emit_done(f"Access key {access_key} deleted.", output, access=access_key)


def _set_status(access_key: str, status: str, profile: str | None, output: Format) -> None:
    with handled():
        client, _ = open_client(profile)
        with client:
            body = {"credential": {"status": status}}
            key = client.put(f"/v3.0/OS-CREDENTIAL/credentials/{access_key}", body)["credential"]
    emit_done(f"Access key {access_key} is now {status}.", output, credential=key)


@keys.command("disable")
def disable_key(
    access_key: Annotated[str, typer.Argument(help="The access key id.")],
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Deactivate an access key: requests signed with it are refused.

    \b
    Examples:
      1. welkin iam key disable WELKINABCDEFGHIJKLMN

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    _set_status(access_key, "inactive", profile, output)


@keys.command("enable")
def enable_key(
    access_key: Annotated[str, typer.Argument(help="The access key id.")],
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Activate an access key again.

    \b
    Examples:
      1. welkin iam key enable WELKINABCDEFGHIJKLMN

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    _set_status(access_key, "active", profile, output)
