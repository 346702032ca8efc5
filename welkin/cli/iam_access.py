"""``welkin iam policy``, ``welkin iam grant`` and ``welkin iam audit``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from welkin.cli.output import Format, OutputOpt, ProfileOpt, emit_done, emit_list, emit_object, handled
from welkin.cli.session import custom_policy_id, group_id, open_client, own_account_id, project_id, role_id

policies = typer.Typer(help="Custom policies of your account.", no_args_is_help=True, rich_markup_mode=None)

_POLICY_COLUMNS = ("display_name", "id", "type", "description")
_AUDIT_COLUMNS = ("at", "user_name", "method", "path", "status", "action", "source_ip", "request_id")


@policies.command("create")
def create_policy(
    name: Annotated[str, typer.Argument(help="The policy's (display) name.")],
    file: Annotated[Path, typer.Option("--file", "-f", help="The policy document (JSON).", exists=True)],
    description: Annotated[str, typer.Option(help="Free text.")] = "",
    project_level: Annotated[
        bool, typer.Option("--project-level", help="Type XA (project level) instead of AX (account level).")
    ] = False,
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Create a custom policy from a JSON document ({"Version": "1.1", "Statement": [...]}).

    \b
    Examples:
      1. welkin iam policy create obs-reader --file obs-reader.json
      2. welkin iam policy create fg-dev -f fg.json --project-level --description "FunctionGraph dev"

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    try:
        document = json.loads(file.read_text())
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(f"cannot read {file} as JSON: {exc}", param_hint="--file") from None
    with handled():
        client, _ = open_client(profile)
        role = {
            "display_name": name,
            "description": description or name,
            "type": "XA" if project_level else "AX",
            "policy": document,
        }
        with client:
            created = client.post("/v3.0/OS-ROLE/roles", {"role": role})["role"]
    emit_object({c: created.get(c) for c in _POLICY_COLUMNS}, output)


@policies.command("ls")
def list_policies(
    system: Annotated[bool, typer.Option("--system", help="List the system roles instead.")] = False,
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """List custom policies (or, with --system, the system roles).

    \b
    Examples:
      1. welkin iam policy ls
      2. welkin iam policy ls --system -o json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        with client:
            roles = client.get("/v3/roles" if system else "/v3.0/OS-ROLE/roles")["roles"]
    columns = ("name", *_POLICY_COLUMNS) if system else _POLICY_COLUMNS
    emit_list([{c: r.get(c) for c in columns} for r in roles], columns, output)


@policies.command("rm")
def remove_policy(
    name: Annotated[str, typer.Argument(help="The policy's display name (or id).")],
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Delete a custom policy.

    \b
    Examples:
      1. welkin iam policy rm obs-reader

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        client, _ = open_client(profile)
        with client:
            rid = custom_policy_id(client, name)
            client.delete(f"/v3.0/OS-ROLE/roles/{rid}")
    emit_done(f"Policy {name} deleted.", output, role_id=rid)


def grant(
    role: Annotated[str, typer.Argument(help="System role (name or display name) or custom policy.")],
    group: Annotated[str, typer.Option("--group", "-g", help="The group to grant it to.")],
    project: Annotated[str | None, typer.Option(help="Only in this project (name or id).")] = None,
    all_projects: Annotated[
        bool, typer.Option("--all-projects", help="In every project, current and future.")
    ] = False,
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Grant a role or policy to a group: on the account (default), a project, or all projects.

    \b
    Examples:
      1. welkin iam grant "OBS ReadOnlyAccess" --group auditors
      2. welkin iam grant obs-reader --group developers --project local-1
      3. welkin iam grant "FunctionGraph FullAccess" -g developers --all-projects

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    if project and all_projects:
        raise typer.BadParameter("give --project or --all-projects, not both")
    with handled():
        client, prof = open_client(profile)
        with client:
            rid, gid = role_id(client, role), group_id(client, group)
            if project:
                scope = f"project {project}"
                client.put(f"/v3/projects/{project_id(client, project)}/groups/{gid}/roles/{rid}")
            elif all_projects:
                scope = "all projects"
                domain = own_account_id(client, prof)
                client.put(f"/v3/OS-INHERIT/domains/{domain}/groups/{gid}/roles/{rid}/inherited_to_projects")
            else:
                scope = "the account"
                client.put(f"/v3/domains/{own_account_id(client, prof)}/groups/{gid}/roles/{rid}")
    emit_done(f"Granted {role} to group {group} on {scope}.", output, role_id=rid, group_id=gid, scope=scope)


def audit(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many events.")] = 100,
    since: Annotated[str | None, typer.Option(help="Only events at or after this ISO 8601 time.")] = None,
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Show the audit log: every change made through the APIs, newest last.

    \b
    Examples:
      1. welkin iam audit
      2. welkin iam audit --limit 20 -o json
      3. welkin iam audit --since 2026-01-01T00:00:00Z

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    params = {"limit": str(limit)}
    if since:
        params["since"] = since
    with handled():
        client, _ = open_client(profile)
        with client:
            events = client.get("/welkin/v1/audit", params)["events"]
    emit_list(events, _AUDIT_COLUMNS, output)
