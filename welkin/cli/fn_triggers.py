"""``welkin fn trigger``: what runs a function besides a direct invoke: HTTP, OBS events, timers."""

from __future__ import annotations

import enum
from typing import Annotated, Any
from urllib.parse import quote

import typer

from welkin.cli.config import ConfigError
from welkin.cli.fn_session import Fgs, FunctionName, ProjectOpt, open_fgs, parse_function
from welkin.cli.output import (
    Format,
    NotFoundByName,
    OutputOpt,
    ProfileOpt,
    emit_done,
    emit_list,
    emit_object,
    handled,
)

triggers = typer.Typer(
    help="Triggers: HTTP routes on Welkin's port, OBS bucket events, timers.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

_COLUMNS = ("trigger_id", "type", "status", "what")
FunctionArg = Annotated[str, typer.Argument(help="The function: NAME, NAME:ALIAS, NAME:VERSION or a URN.")]


class Kind(enum.StrEnum):
    http = "http"
    obs = "obs"
    timer = "timer"


class Auth(enum.StrEnum):
    none = "none"
    iam = "iam"


_TYPE_CODES = {Kind.http: "APIG", Kind.obs: "OBS", Kind.timer: "TIMER"}


def _triggers_path(fgs: Fgs, fn: FunctionName) -> str:
    return f"{fgs.base}/triggers/{quote(fgs.urn(fn), safe='')}"


def _what(trigger: dict[str, Any]) -> str:
    """One line saying what fires the trigger."""
    data = trigger.get("event_data") or {}
    code = trigger.get("trigger_type_code")
    if code == "TIMER":
        return f"{data.get('schedule_type')} {data.get('schedule')}"
    if code == "OBS":
        where = "/".join(p for p in (data.get("bucket"), data.get("prefix")) if p)
        suffix = f" *{data['suffix']}" if data.get("suffix") else ""
        return f"{','.join(data.get('events') or [])} on {where}{suffix}"
    prefix = " (and below)" if data.get("match_mode") == "SWA" else ""
    return f"{data.get('req_method')} {data.get('invoke_url')}{prefix} auth {data.get('auth')}"


def _row(trigger: dict[str, Any]) -> dict[str, Any]:
    return {
        "trigger_id": trigger.get("trigger_id"),
        "type": trigger.get("trigger_type_code"),
        "status": trigger.get("trigger_status"),
        "what": _what(trigger),
        "event_data": trigger.get("event_data"),
    }


def _event_data(
    kind: Kind,
    fn: FunctionName,
    http: tuple[str | None, str, bool, Auth],
    obs: tuple[str | None, list[str], str, str],
    timer: tuple[str | None, str | None, str],
) -> dict[str, Any]:
    if kind is Kind.http:
        path, method, prefix, auth = http
        return {
            "path": path or f"/{fn.name}",
            "req_method": method.upper(),
            "match_mode": "SWA" if prefix else "NORMAL",
            "auth": auth.value.upper(),
            "protocol": "HTTP",
        }
    if kind is Kind.obs:
        bucket, events, key_prefix, suffix = obs
        if not bucket:
            raise ConfigError("an obs trigger needs --bucket")
        return {"bucket": bucket, "events": events, "prefix": key_prefix, "suffix": suffix}
    cron, rate, user_event = timer
    if bool(cron) == bool(rate):
        raise ConfigError("a timer trigger needs one of --cron or --rate")
    schedule_type, schedule = ("Cron", cron) if cron else ("Rate", rate)
    return {"schedule_type": schedule_type, "schedule": schedule, "user_event": user_event}


@triggers.command("add")
def add(
    function: FunctionArg,
    kind: Annotated[Kind, typer.Argument(help="http, obs or timer.")],
    path: Annotated[str | None, typer.Option(help="http: the route.  [default: /NAME]")] = None,
    method: Annotated[str, typer.Option(help="http: GET, POST, ... or ANY.")] = "ANY",
    prefix_match: Annotated[
        bool, typer.Option("--prefix-match", help="http: also serve every path below --path.")
    ] = False,
    auth: Annotated[Auth, typer.Option(help="http: none (public) or iam (signed or token).")] = Auth.iam,
    bucket: Annotated[str | None, typer.Option(help="obs: the bucket whose events fire it.")] = None,
    event: Annotated[
        list[str] | None,
        typer.Option(
            "--event", help="obs: ObjectCreated, ObjectRemoved, ObjectCreated:Put, ... (repeatable)."
        ),
    ] = None,
    key_prefix: Annotated[str, typer.Option("--key-prefix", help="obs: only keys starting so.")] = "",
    key_suffix: Annotated[str, typer.Option("--key-suffix", help="obs: only keys ending so.")] = "",
    cron: Annotated[
        str | None,
        typer.Option(help="timer: 'sec min hour day month weekday' (UTC), or @hourly, @every 10m."),
    ] = None,
    rate: Annotated[str | None, typer.Option(help="timer: a fixed period: 5m, 2h, 1d.")] = None,
    user_event: Annotated[str, typer.Option(help="timer: text handed to the function as user_event.")] = "",
    disabled: Annotated[bool, typer.Option("--disabled", help="Create it switched off.")] = False,
    profile: ProfileOpt = None,
    project: ProjectOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Add a trigger to a function (or to one of its aliases or versions).

    HTTP triggers answer at http://WELKIN/_apig/PROJECT_ID/PATH (printed as invoke_url).
    An OBS trigger must not fire on what the function itself writes: give --key-prefix
    and write elsewhere (Welkin also stops a function re-triggering itself in a loop).

    \b
    Examples:
      1. welkin fn trigger add api http --path /api --prefix-match --auth none
      2. welkin fn trigger add thumbnailer obs --bucket photos --event ObjectCreated --key-prefix uploads/
      3. welkin fn trigger add counter timer --rate 5m --user-event '{"source": "cron"}'
      4. welkin fn trigger add report:prod timer --cron "0 0 6 * * MON-FRI"

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx, e.g. a bad schedule, no such bucket, the path
      is taken); 2 usage error (missing --bucket, --cron or --rate); 3 cannot connect / server error.
    """
    with handled():
        fn = parse_function(function)
        data = _event_data(
            kind,
            fn,
            (path, method, prefix_match, auth),
            (bucket, event or ["ObjectCreated"], key_prefix, key_suffix),
            (cron, rate, user_event),
        )
        body = {
            "trigger_type_code": _TYPE_CODES[kind],
            "trigger_status": "DISABLED" if disabled else "ACTIVE",
            "event_data": data,
        }
        with open_fgs(profile, project) as fgs:
            made = fgs.client.post(_triggers_path(fgs, fn), body)
    row = _row(made)
    data = row["event_data"]
    shown = {k: row[k] for k in _COLUMNS}
    if "invoke_url" in data:
        shown["invoke_url"] = data["invoke_url"]
    emit_object({**shown, "event_data": data} if output is Format.json else shown, output)


def _list(fgs: Fgs, fn: FunctionName) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = fgs.client.get(_triggers_path(fgs, fn))
    return found


@triggers.command("ls")
def list_triggers(
    function: FunctionArg,
    profile: ProfileOpt = None,
    project: ProjectOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """List a function's triggers and what fires each.

    \b
    Examples:
      1. welkin fn trigger ls thumbnailer
      2. welkin fn trigger ls api -o json

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx, e.g. no such function); 2 usage error (not
      logged in); 3 cannot connect / server error.
    """
    with handled():
        fn = parse_function(function)
        with open_fgs(profile, project) as fgs:
            found = _list(fgs, fn)
    emit_list([_row(t) for t in found], _COLUMNS, output)


@triggers.command("rm")
def remove(
    function: FunctionArg,
    trigger_id: Annotated[str, typer.Argument(help="The trigger's id (see `trigger ls`).")],
    profile: ProfileOpt = None,
    project: ProjectOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Remove a trigger.

    \b
    Examples:
      1. welkin fn trigger rm thumbnailer 3f6c2a0e-...

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx) or no such trigger; 2 usage error (not logged
      in); 3 cannot connect / server error.
    """
    with handled():
        fn = parse_function(function)
        with open_fgs(profile, project) as fgs:
            # The API names a trigger by its type as well as its id; find the type first.
            match = [t for t in _list(fgs, fn) if t.get("trigger_id") == trigger_id]
            if not match:
                raise NotFoundByName(f"{function} has no trigger {trigger_id!r}")
            code = match[0]["trigger_type_code"]
            fgs.client.delete(f"{_triggers_path(fgs, fn)}/{code}/{trigger_id}")
    emit_done(f"Removed trigger {trigger_id} of {function}.", output, trigger_id=trigger_id)
