"""What commands share: a client for the chosen profile, secret input and name lookups."""

from __future__ import annotations

import os
import sys
from typing import Any

import typer

from welkin.cli.client import Client, Credentials
from welkin.cli.config import ConfigError, Profile, load_profile
from welkin.cli.output import NotFoundByName


def open_client(profile_name: str | None, timeout: float = 30) -> tuple[Client, Profile]:
    profile = load_profile(profile_name)
    if profile.token:
        if profile.token_expired():
            raise ConfigError("the stored token has expired: run `welkin login` again")
        creds = Credentials(token=profile.token)
    elif profile.access_key and profile.secret_key:
        creds = Credentials(access_key=profile.access_key, secret_key=profile.secret_key)
    else:
        raise ConfigError("the profile holds no credentials: run `welkin login`")
    return Client(profile.endpoint, creds, timeout), profile


def read_secret(label: str, env: str, confirm: bool = False) -> str:
    """From ``$env`` for scripts, a hidden prompt on a terminal, else one line of stdin."""
    value = os.environ.get(env)
    if value:
        return value
    if sys.stdin.isatty():
        return str(typer.prompt(label, hide_input=True, confirmation_prompt=confirm))
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise ConfigError(f"no {label.lower()} given: type it, pipe it on stdin or set {env}")
    return line


def _one(items: list[dict[str, Any]], kind: str, name: str, key: str = "name") -> dict[str, Any]:
    for item in items:
        if item.get(key) == name or item.get("id") == name:
            return item
    raise NotFoundByName(f"no {kind} named {name!r}")


def user_id(client: Client, name: str) -> str:
    users = client.get("/v3/users", {"name": name})["users"]
    return str(_one(users, "user", name)["id"])


def group_id(client: Client, name: str) -> str:
    groups = client.get("/v3/groups", {"name": name})["groups"]
    return str(_one(groups, "group", name)["id"])


def project_id(client: Client, name: str) -> str:
    projects = client.get("/v3/projects", {"name": name})["projects"]
    return str(_one(projects, "project", name)["id"])


def custom_policy_id(client: Client, name: str) -> str:
    roles = client.get("/v3.0/OS-ROLE/roles")["roles"]
    return str(_one(roles, "custom policy", name, key="display_name")["id"])


def role_id(client: Client, name: str) -> str:
    """A system role by name or display name, else a custom policy by display name."""
    for role in client.get("/v3/roles")["roles"]:
        if name in (role.get("name"), role.get("display_name"), role.get("id")):
            return str(role["id"])
    try:
        return custom_policy_id(client, name)
    except NotFoundByName:
        raise NotFoundByName(f"no role or custom policy named {name!r}") from None


def own_account_id(client: Client, profile: Profile) -> str:
    if profile.account_id:
        return profile.account_id
    return str(client.get("/v3/auth/domains")["domains"][0]["id"])


def own_user_id(client: Client, profile: Profile) -> str:
    if profile.user_id:
        return profile.user_id
    if profile.access_key:
        key = client.get(f"/v3.0/OS-CREDENTIAL/credentials/{profile.access_key}")["credential"]
        return str(key["user_id"])
    raise ConfigError("cannot tell which user is logged in: pass --user")
