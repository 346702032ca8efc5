"""``welkin fn versions`` and ``welkin fn alias``: published versions and the aliases naming them."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

import typer

from welkin.cli.client import ApiError
from welkin.cli.config import ConfigError
from welkin.cli.fn_session import Fgs, FunctionName, ProjectOpt, open_fgs, parse_function
from welkin.cli.output import Format, OutputOpt, ProfileOpt, emit_done, emit_list, emit_object, handled

versions = typer.Typer(
    help="Published versions: immutable copies of latest's code and settings.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
aliases = typer.Typer(
    help="Aliases: names for a version, optionally sending a share of calls to a second version.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

_VERSION_COLUMNS = ("version", "code_size", "digest", "last_modified", "description")
_ALIAS_COLUMNS = ("name", "version", "weights", "description", "last_modified")
FunctionArg = Annotated[str, typer.Argument(help="The function: NAME, PACKAGE/NAME or its URN.")]


def _unqualified(text: str) -> FunctionName:
    return replace(parse_function(text), qualifier=None)


def _version_row(v: dict[str, Any]) -> dict[str, Any]:
    digest = str(v.get("digest") or "")
    return {
        "version": v.get("version"),
        "code_size": v.get("code_size"),
        "digest": digest[:16],
        "last_modified": v.get("last_modified"),
        "description": v.get("version_description", ""),
        "func_urn": v.get("func_urn"),
    }


@versions.command("ls")
def list_versions(
    function: FunctionArg,
    profile: ProfileOpt = None,
    project: ProjectOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """List a function's versions: latest first, then each published one.

    \b
    Examples:
      1. welkin fn versions ls hello
      2. welkin fn versions ls tools/resize -o json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx, e.g. no such function); 2 usage error (not
      logged in); 3 cannot connect / server error.
    """
    with handled():
        fn = _unqualified(function)
        with open_fgs(profile, project) as fgs:
            found = list(fgs.pages(fgs.function_path(fn, "/versions"), "versions"))
    emit_list([_version_row(v) for v in found], _VERSION_COLUMNS, output)


@versions.command("publish")
def publish(
    function: FunctionArg,
    version: Annotated[str | None, typer.Option(help="Its name.  [default: 1, 2, 3, ...]")] = None,
    description: Annotated[str, typer.Option(help="Free text.")] = "",
    profile: ProfileOpt = None,
    project: ProjectOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Publish latest's code and settings as a new, immutable version.

    \b
    Examples:
      1. welkin fn versions publish hello
      2. welkin fn versions publish hello --version v2 --description "faster greeting"

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx, e.g. the name is taken, or 10 versions
      exist); 2 usage error (not logged in); 3 cannot connect / server error.
    """
    with handled():
        fn = _unqualified(function)
        body = {"version": version or "", "description": description}
        with open_fgs(profile, project) as fgs:
            published = fgs.client.post(fgs.function_path(fn, "/versions"), body)
    emit_object(_version_row(published), output)


def _weights(pairs: list[str]) -> dict[str, int]:
    weights: dict[str, int] = {}
    for pair in pairs:
        version, sep, percent = pair.partition("=")
        if not sep or not version or not percent.isdigit():
            raise ConfigError(f"--weight {pair!r}: write VERSION=PERCENT, e.g. 2=10")
        weights[version] = int(percent)
    return weights


def _alias_row(a: dict[str, Any]) -> dict[str, Any]:
    weights = a.get("additional_version_weights") or {}
    return {
        "name": a.get("name"),
        "version": a.get("version"),
        "weights": ", ".join(f"{v}={p}%" for v, p in sorted(weights.items())),
        "description": a.get("description", ""),
        "last_modified": a.get("last_modified"),
        "alias_urn": a.get("alias_urn"),
        "additional_version_weights": weights,
    }


def _alias_exists(fgs: Fgs, fn: FunctionName, alias: str) -> bool:
    try:
        fgs.client.get(fgs.function_path(fn, f"/aliases/{alias}"))
    except ApiError as exc:
        if exc.status == 404:
            return False
        raise
    return True


@aliases.command("set")
def set_alias(
    function: FunctionArg,
    alias: Annotated[str, typer.Argument(help="The alias's name.")],
    version: Annotated[str, typer.Argument(help="The version it names (or latest).")],
    weight: Annotated[
        list[str] | None,
        typer.Option("--weight", "-w", help="VERSION=PERCENT: that share of calls goes to VERSION."),
    ] = None,
    description: Annotated[str, typer.Option(help="Free text.")] = "",
    profile: ProfileOpt = None,
    project: ProjectOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Create an alias, or point an existing one at VERSION; the alias becomes exactly what is given.

    With --weight, that percentage of calls to the alias runs the other version (a canary);
    without it, every call runs VERSION.

    \b
    Examples:
      1. welkin fn alias set hello prod 1
      2. welkin fn alias set hello prod 1 --weight 2=10     (10% of calls to version 2)
      3. welkin fn alias set hello prod 2                   (promote: all calls to version 2)

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx, e.g. no such version, a bad weight);
      2 usage error (bad --weight, not logged in); 3 cannot connect / server error.
    """
    with handled():
        fn = _unqualified(function)
        weights = _weights(weight or [])
        body = {"version": version, "description": description, "additional_version_weights": weights}
        with open_fgs(profile, project) as fgs:
            if _alias_exists(fgs, fn, alias):
                found = fgs.client.put(fgs.function_path(fn, f"/aliases/{alias}"), body)
            else:
                found = fgs.client.post(fgs.function_path(fn, "/aliases"), {"name": alias, **body})
    emit_object(_alias_row(found), output)


@aliases.command("ls")
def list_aliases(
    function: FunctionArg,
    profile: ProfileOpt = None,
    project: ProjectOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """List a function's aliases with the versions they name and their weights.

    \b
    Examples:
      1. welkin fn alias ls hello
      2. welkin fn alias ls hello -o json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx, e.g. no such function); 2 usage error (not
      logged in); 3 cannot connect / server error.
    """
    with handled():
        fn = _unqualified(function)
        with open_fgs(profile, project) as fgs:
            found = fgs.client.get(fgs.function_path(fn, "/aliases"))
    emit_list([_alias_row(a) for a in found], _ALIAS_COLUMNS, output)


@aliases.command("rm")
def remove_alias(
    function: FunctionArg,
    alias: Annotated[str, typer.Argument(help="The alias's name.")],
    profile: ProfileOpt = None,
    project: ProjectOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Delete an alias (the versions stay).

    \b
    Examples:
      1. welkin fn alias rm hello canary

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx, e.g. no such alias); 2 usage error (not
      logged in); 3 cannot connect / server error.
    """
    with handled():
        fn = _unqualified(function)
        with open_fgs(profile, project) as fgs:
            fgs.client.delete(fgs.function_path(fn, f"/aliases/{alias}"))
    emit_done(f"Deleted alias {alias} of {function}.", output, alias=alias)
