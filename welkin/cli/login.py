"""``welkin login``: get a token or check an access key, and store it in a profile."""

from __future__ import annotations

from typing import Annotated

import typer

from welkin.cli.client import ApiError, Client, Credentials
from welkin.cli.config import DEFAULT_ENDPOINT, Profile, find_profile, save_profile
from welkin.cli.output import Format, OutputOpt, ProfileOpt, emit_object, handled
from welkin.cli.session import read_secret


def _password_login(endpoint: str, account: str, user: str, password: str) -> Profile:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "password": password, "domain": {"name": account}}},
            },
            "scope": {"domain": {"name": account}},
        }
    }
    with Client(endpoint) as client:
        response = client.request("POST", "/v3/auth/tokens", json=body)
    token = response.json()["token"]
    return Profile(
        endpoint=endpoint,
        account=token["user"]["domain"]["name"],
        account_id=token["user"]["domain"]["id"],
        user=token["user"]["name"],
        user_id=token["user"]["id"],
        token=response.headers["x-subject-token"],
        token_expires_at=token["expires_at"],
    )


def _key_login(endpoint: str, access_key: str, secret_key: str) -> Profile:
    with Client(endpoint, Credentials(access_key=access_key, secret_key=secret_key)) as client:
        domain = client.get("/v3/auth/domains")["domains"][0]
        # Best effort: a key without IAM read rights still logs in (GET /v3/auth/domains
        # proved it is valid); the user is then looked up when a command needs it.
        user_id = user = ""
        try:
            key = client.get(f"/v3.0/OS-CREDENTIAL/credentials/{access_key}")["credential"]
            user_id = str(key["user_id"])
            user = str(client.get(f"/v3/users/{user_id}")["user"]["name"])
        except ApiError as exc:
            if exc.status == 0 or exc.status >= 500:
                raise
    return Profile(
        endpoint=endpoint,
        account=domain["name"],
        account_id=domain["id"],
        user=user,
        user_id=user_id,
        access_key=access_key,
        secret_key=secret_key,
    )


def login_command(
    endpoint: Annotated[
        str | None, typer.Option(help=f"Welkin's URL.  [default: the profile's, else {DEFAULT_ENDPOINT}]")
    ] = None,
    account: Annotated[str | None, typer.Option(help="Account (domain) name, for password login.")] = None,
    user: Annotated[str | None, typer.Option(help="User name.  [default: the account name]")] = None,
    access_key: Annotated[
        str | None, typer.Option("--access-key", help="Log in with this access key instead.")
    ] = None,
    profile: ProfileOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Log in and remember how in a profile: a token (password) or an access key.

    The password or secret key is prompted for with hidden input, read from stdin when
    it is not a terminal, or taken from WELKIN_PASSWORD / WELKIN_SECRET_KEY. Secrets are
    stored in the config file (mode 0600) and never printed.

    \b
    Examples:
      1. welkin login --endpoint http://127.0.0.1:8470 --account admin
      2. welkin login --account acme --user alice
      3. welkin login --access-key WELKINROOTACCESSKEY1
      4. WELKIN_PASSWORD=... welkin login --account acme --profile acme

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error; 3 cannot connect / server error.
    """
    with handled():
        previous = find_profile(profile)
        # A new profile starts from the default profile's endpoint, if there is one.
        fallback = previous or find_profile(None)
        url = (endpoint or (fallback.endpoint if fallback else DEFAULT_ENDPOINT)).rstrip("/")
        if access_key:
            secret = read_secret("Secret key", "WELKIN_SECRET_KEY")
            stored = _key_login(url, access_key, secret)
            method = "access key"
        else:
            name = account or (previous.account if previous else "")
            if not name:
                raise typer.BadParameter("give --account (or --access-key)")
            password = read_secret("Password", "WELKIN_PASSWORD")
            stored = _password_login(url, name, user or name, password)
            method = "password"
        path = save_profile(stored, profile)
    summary = {
        "endpoint": stored.endpoint,
        "account": stored.account,
        "account_id": stored.account_id,
        "user": stored.user,
        "user_id": stored.user_id,
        "method": method,
        "access_key": stored.access_key,
        "token_expires_at": stored.token_expires_at,
        "config": str(path),
    }
    emit_object(summary, output)
