"""``welkin iam user`` and ``welkin iam group``: users, groups and membership."""

from __future__ import annotations

from typing import Annotated

import typer

from welkin.cli.output import Format, OutputOpt, ProfileOpt, emit_done, emit_list, emit_object, handled
from welkin.cli.session import group_id, open_client, read_secret, user_id

users = typer.Typer(help="IAM users of your account.", no_args_is_help=True, rich_markup_mode=None)
groups = typer.Typer(help="IAM user groups of your account.", no_args_is_help=True, rich_markup_mode=None)

_USER_COLUMNS = ("name", "id", "enabled", "is_domain_owner", "create_time", "description")
_GROUP_COLUMNS = ("name", "id", "create_time", "description")


@users.command("create")
def create_user(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    password: Annotated[
        bool, typer.Option("--password", help="Give the user a password (prompted, or $WELKIN_NEW_PASSWORD).")
    ] = False,
    description: Annotated[str, typer.Option(help="Free text.")] = "",
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Create a user, with a password if --password is given (prompted, hidden).

    \b
    Examples:
      1. welkin iam user create alice --password
      2. WELKIN_NEW_PASSWORD=... welkin iam user create bob --password --output json
      3. welkin iam user create ci-bot          (no password: give it an access key)

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        body: dict[str, object] = {"name": name, "description": description}
        if password:
            body["password"] = read_secret("New password", "WELKIN_NEW_PASSWORD", confirm=True)
        client, _ = open_client(profile)
        with client:
            user = client.post("/v3/users", {"user": body})["user"]
    emit_object({c: user.get(c) for c in _USER_COLUMNS}, output)


@users.command("ls")
def list_users(profile: ProfileOpt = None, output: OutputOpt = Format.table) -> None:
    """List the users.

    \b
    Examples:
      1. welkin iam user ls
      2. welkin iam user ls -o json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        with client:
            found = client.get("/v3/users")["users"]
    emit_list([{c: u.get(c) for c in _USER_COLUMNS} for u in found], _USER_COLUMNS, output)


@users.command("rm")
def remove_user(
    name: Annotated[str, typer.Argument(help="The user's name (or id).")],
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Delete a user.

    \b
    Examples:
      1. welkin iam user rm alice

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        with client:
            uid = user_id(client, name)
            client.delete(f"/v3/users/{uid}")
    emit_done(f"User {name} deleted.", output, user_id=uid)


@groups.command("create")
def create_group(
    name: Annotated[str, typer.Argument(help="The group's name.")],
    description: Annotated[str, typer.Option(help="Free text.")] = "",
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Create a user group.

    \b
    Examples:
      1. welkin iam group create developers
      2. welkin iam group create auditors --description "read-only" -o json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        with client:
            group = client.post("/v3/groups", {"group": {"name": name, "description": description}})["group"]
    emit_object({c: group.get(c) for c in _GROUP_COLUMNS}, output)


@groups.command("ls")
def list_groups(profile: ProfileOpt = None, output: OutputOpt = Format.table) -> None:
    """List the user groups.

    \b
    Examples:
      1. welkin iam group ls
      2. welkin iam group ls -o json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        with client:
            found = client.get("/v3/groups")["groups"]
    emit_list([{c: g.get(c) for c in _GROUP_COLUMNS} for g in found], _GROUP_COLUMNS, output)


@groups.command("rm")
def remove_group(
    name: Annotated[str, typer.Argument(help="The group's name (or id).")],
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Delete a user group.

    \b
    Examples:
      1. welkin iam group rm developers

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        with client:
            gid = group_id(client, name)
            client.delete(f"/v3/groups/{gid}")
    emit_done(f"Group {name} deleted.", output, group_id=gid)


@groups.command("add-user")
def add_user(
    group: Annotated[str, typer.Argument(help="The group's name (or id).")],
    user: Annotated[str, typer.Argument(help="The user's name (or id).")],
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Add a user to a group; the user gets the group's permissions.

    \b
    Examples:
      1. welkin iam group add-user developers alice

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        with client:
            gid, uid = group_id(client, group), user_id(client, user)
            client.put(f"/v3/groups/{gid}/users/{uid}")
    emit_done(f"User {user} added to group {group}.", output, group_id=gid, user_id=uid)
