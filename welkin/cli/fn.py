"""``welkin fn``: deploy, list and remove functions (FunctionGraph); versions, aliases, triggers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from welkin.cli.client import ApiError
from welkin.cli.config import ConfigError
from welkin.cli.fn_invoke import invoke, logs
from welkin.cli.fn_package import CodePackage, package_code, parse_env
from welkin.cli.fn_session import Fgs, FunctionName, ProjectOpt, display_name, open_fgs, parse_function
from welkin.cli.fn_triggers import triggers
from welkin.cli.fn_versions import aliases, versions
from welkin.cli.output import Format, OutputOpt, ProfileOpt, emit_done, emit_list, emit_object, handled

DEFAULT_RUNTIME = "Python3.11"
DEFAULT_MEMORY_MB = 128
DEFAULT_TIMEOUT_S = 30
_NOT_FOUND = "FSS.1051"
_LIST_COLUMNS = ("name", "runtime", "handler", "memory_size", "timeout", "code_size", "last_modified")
_SHOWN = (
    "func_name",
    "func_urn",
    "runtime",
    "handler",
    "memory_size",
    "timeout",
    "app_xrole",
    "code_size",
    "digest",
)

app = typer.Typer(
    help="""Functions (FunctionGraph): deploy code, invoke it, read its logs; versions, aliases, triggers.

\b
A function is NAME (in package default), NAME:VERSION or NAME:ALIAS where a qualifier
is meant, PACKAGE/NAME, or its whole URN.""",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(versions, name="versions")
app.command("invoke")(invoke)
app.command("logs")(logs)
app.add_typer(aliases, name="alias")
app.add_typer(triggers, name="trigger")


def _exists(fgs: Fgs, fn: FunctionName) -> bool:
    try:
        fgs.client.get(fgs.function_path(fn, "/config"))
    except ApiError as exc:
        if exc.status == 404 and exc.code == _NOT_FOUND:
            return False
        raise
    return True


def _code_body(code: CodePackage) -> dict[str, Any]:
    return {"code_type": code.code_type, "code_filename": code.filename, "func_code": {"file": code.file_b64}}


def _shown(config: dict[str, Any], action: str) -> dict[str, Any]:
    return {"action": action, **{k: config.get(k) for k in _SHOWN}}


@app.command("deploy")
def deploy(
    source: Annotated[Path, typer.Argument(help="A directory (zipped for you), a .zip, or one .py file.")],
    name: Annotated[str, typer.Option("--name", "-n", help="The function: NAME or PACKAGE/NAME.")],
    runtime: Annotated[
        str | None, typer.Option(help=f"e.g. Python3.12.  [default: {DEFAULT_RUNTIME}]")
    ] = None,
    handler: Annotated[
        str | None, typer.Option(help="module.function.  [default: index.handler, or FILE's module]")
    ] = None,
    memory: Annotated[
        int | None, typer.Option(help=f"MB: 128, 256, 512, ... 4096.  [default: {DEFAULT_MEMORY_MB}]")
    ] = None,
    timeout: Annotated[
        int | None, typer.Option(help=f"Seconds, 3 to 259200.  [default: {DEFAULT_TIMEOUT_S}]")
    ] = None,
    env: Annotated[
        list[str] | None,
        typer.Option("--env", "-e", help="NAME=VALUE, repeatable; replaces the whole environment."),
    ] = None,
    agency: Annotated[
        str | None,
        typer.Option(help='IAM agency whose temporary keys the code gets from its context ("" for none).'),
    ] = None,
    description: Annotated[str | None, typer.Option(help="Free text.")] = None,
    profile: ProfileOpt = None,
    project: ProjectOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Create a function from code, or update the code (and any setting given) of an existing one.

    Settings not given are left as they are on update (the defaults shown here on create).
    A requirements.txt at the top of the code is installed by the server (wheels only).

    \b
    Examples:
      1. welkin fn deploy examples/functions/hello --name hello
      2. welkin fn deploy ./index.py --name echo --memory 256 --timeout 10
      3. welkin fn deploy ./api --name api --env STAGE=prod --env LOG_LEVEL=info
      4. welkin fn deploy build/code.zip --name tools/resize --handler main.handler -o json
      5. welkin fn deploy examples/functions/thumbnailer --name thumbs --agency fn-obs --memory 256

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx, e.g. a bad handler or too large a package);
      2 usage error (no such path, bad --env, not logged in); 3 cannot connect / server error.
    """
    with handled():
        code = package_code(source)
        fn = parse_function(name)
        if fn.qualifier:
            raise ConfigError(f"--name {name!r}: deploy changes latest; publish versions with `fn versions`")
        settings: dict[str, Any] = {
            "runtime": runtime,
            "handler": handler,
            "memory_size": memory,
            "timeout": timeout,
            "user_data": parse_env(env) if env is not None else None,
            "description": description,
            # The execution agency: what the function's own code acts as (FunctionGraph's app_xrole).
            "app_xrole": agency,
        }
        given = {k: v for k, v in settings.items() if v is not None}
        with open_fgs(profile, project) as fgs:
            if _exists(fgs, fn):
                fgs.client.put(fgs.function_path(fn, "/code"), _code_body(code))
                path = fgs.function_path(fn, "/config")
                config = fgs.client.put(path, given) if given else fgs.client.get(path)
                action = "updated"
            else:
                body = {
                    "func_name": fn.name,
                    "package": fn.package,
                    "runtime": DEFAULT_RUNTIME,
                    "handler": code.default_handler,
                    "memory_size": DEFAULT_MEMORY_MB,
                    "timeout": DEFAULT_TIMEOUT_S,
                    **given,
                    **_code_body(code),
                }
                config = fgs.client.post(f"{fgs.base}/functions", body)
                action = "created"
    emit_object(_shown(config, action), output)


@app.command("ls")
def list_functions(
    profile: ProfileOpt = None, project: ProjectOpt = None, output: OutputOpt = Format.table
) -> None:
    """List the functions of the project.

    \b
    Examples:
      1. welkin fn ls
      2. welkin fn ls --project local-1_dev -o json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx); 2 usage error (not logged in, no such
      project); 3 cannot connect / server error.
    """
    with handled(), open_fgs(profile, project) as fgs:
        found = list(fgs.pages(f"{fgs.base}/functions", "functions"))
    rows = [{**f, "name": display_name(f["package"], f["func_name"])} for f in found]
    emit_list([{c: r.get(c) for c in (*_LIST_COLUMNS, "func_urn")} for r in rows], _LIST_COLUMNS, output)


@app.command("rm")
def remove(
    function: Annotated[str, typer.Argument(help="NAME (with every version and alias) or NAME:VERSION.")],
    profile: ProfileOpt = None,
    project: ProjectOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Delete a function with its versions, aliases and triggers, or one published version.

    \b
    Examples:
      1. welkin fn rm hello
      2. welkin fn rm hello:3        (a version no alias points to)

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx, e.g. no such function, or a version an alias
      uses); 2 usage error (not logged in); 3 cannot connect / server error.
    """
    with handled():
        fn = parse_function(function)
        with open_fgs(profile, project) as fgs:
            urn = fgs.urn(fn)
            fgs.client.delete(fgs.function_path(fn))
    emit_done(f"Deleted {function}.", output, deleted=urn)
