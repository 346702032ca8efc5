"""``welkin fn invoke`` and ``welkin fn logs``: run a function, read what its invocations logged.

Exit codes add one to the CLI's usual set: 4 means the function ran and failed (its error
object is printed as its result), so a script can tell "refused" from "ran and raised".
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import typer

from welkin.cli.fn_package import read_payload
from welkin.cli.fn_session import Fgs, ProjectOpt, open_fgs, parse_function
from welkin.cli.output import Format, OutputOpt, ProfileOpt, emit_list, handled

FUNCTION_FAILED = 4
# Longer than any synchronous invocation FunctionGraph allows (900 s), so the server decides.
_INVOKE_TIMEOUT_S = 960
_FOLLOW_EVERY_S = 1.0
_LOG_COLUMNS = ("time", "request_id", "version", "source", "status", "duration", "error_code")

FunctionArg = Annotated[str, typer.Argument(help="NAME, NAME:VERSION, NAME:ALIAS or a URN.")]


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def invoke(
    function: FunctionArg,
    payload: Annotated[
        str | None,
        typer.Option("--payload", "-p", help="The event: JSON, @FILE, or @- for stdin.  [default: {}]"),
    ] = None,
    run_async: Annotated[
        bool, typer.Option("--async", help="Queue it and print the request id; do not wait.")
    ] = False,
    log: Annotated[bool, typer.Option("--log", help="Print the invocation's log tail on stderr.")] = False,
    profile: ProfileOpt = None,
    project: ProjectOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Invoke a function with an event and print what it returned (its result as JSON).

    \b
    Examples:
      1. welkin fn invoke hello
      2. welkin fn invoke hello:prod --payload '{"name": "Ada"}' --log
      3. welkin fn invoke resize --payload @event.json -o json
      4. echo '{"n": 1}' | welkin fn invoke counter --payload @- --async

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx, e.g. no such function, 429 too many
      requests); 2 usage error (payload not JSON, not logged in); 3 cannot connect / server
      error; 4 the function ran and failed (its error is printed).
    """
    failed = False
    with handled():
        fn = parse_function(function)
        event = read_payload(payload)
        headers = {"Content-Type": "application/json"}
        with open_fgs(profile, project, _INVOKE_TIMEOUT_S) as fgs:
            if run_async:
                answer = fgs.client.request(
                    "POST", fgs.function_path(fn, "/invocations-async"), headers=headers, content=event
                ).json()
                _print_async(answer, output)
                return
            if log:
                headers["X-Cff-Log-Type"] = "tail"
            response = fgs.client.request(
                "POST", fgs.function_path(fn, "/invocations"), headers=headers, content=event
            )
        body = response.json()
        summary = _parsed(response.headers.get("x-cff-invoke-summary", "{}"))
        failed = response.headers.get("x-is-func-err") == "true" or body.get("status") != 200
        _print_result(body, summary if isinstance(summary, dict) else {}, failed, log, output)
    if failed:
        raise typer.Exit(FUNCTION_FAILED)


def _print_async(answer: dict[str, Any], output: Format) -> None:
    if output is Format.json:
        typer.echo(json.dumps({"request_id": answer.get("request_id")}, sort_keys=True))
    else:
        typer.echo(f"Queued: request id {answer.get('request_id')}")


def _print_result(
    body: dict[str, Any], summary: dict[str, Any], failed: bool, log: bool, output: Format
) -> None:
    result = _parsed(str(body.get("result", "")))
    if output is Format.json:
        shown = {
            "request_id": body.get("request_id"),
            "status": "failed" if failed else "success",
            "result": result,
            "duration_ms": summary.get("duration"),
            "cold_start": summary.get("coldStart"),
        }
        if log:
            shown["log"] = body.get("log", "")
        typer.echo(json.dumps(shown, indent=2, sort_keys=True))
        return
    if log:
        typer.echo(str(body.get("log", "")).rstrip("\n"), err=True)
    typer.echo(json.dumps(result, indent=2) if not isinstance(result, str) else result)
    cold = " (cold start)" if summary.get("coldStart") else ""
    took = summary.get("duration")
    took_text = f" in {took} ms" if took is not None else ""
    typer.echo(f"request id {body.get('request_id')}{took_text}{cold}", err=True)


def _fetch(fgs: Fgs, path: str, limit: int, after: int, request_id: str | None) -> dict[str, Any]:
    params = {"limit": str(limit), "after": str(after)}
    if request_id:
        params["request_id"] = request_id
    answer: dict[str, Any] = fgs.client.get(path, params)
    return answer


def _show_entries(entries: list[dict[str, Any]], output: Format, stream: bool) -> None:
    if output is Format.json:
        if stream:  # one JSON object per line, so a follower's output can be piped on
            for entry in entries:
                typer.echo(json.dumps(entry, sort_keys=True))
        else:
            emit_list(entries, _LOG_COLUMNS, output)
        return
    for entry in entries:
        error = f" {entry['error_code']}" if entry.get("error_code") else ""
        typer.echo(
            f"--- {entry['time']} {entry['request_id']} {entry['version']} {entry['source']} "
            f"{entry['status']}{error} {entry['duration']} ms"
        )
        text = str(entry.get("log") or "")
        if text:
            typer.echo(text.rstrip("\n"))


def logs(
    function: FunctionArg,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new invocations.")] = False,
    limit: Annotated[int, typer.Option(help="How many recent invocations, at most 200.")] = 20,
    request_id: Annotated[str | None, typer.Option(help="Only this invocation.")] = None,
    profile: ProfileOpt = None,
    project: ProjectOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Print what recent invocations logged (stdout, stderr, getLogger()), oldest first.

    The server keeps each function's last invocations (200, for 7 days, by default), across restarts.

    \b
    Examples:
      1. welkin fn logs hello
      2. welkin fn logs hello --follow
      3. welkin fn logs hello --request-id 6f1c... -o json
      4. welkin fn logs thumbnailer -f -o json | jq .log       (JSON lines when following)

    \b
    Exit codes: 0 ok; 1 refused by the server (4xx, e.g. no such function); 2 usage error (not
      logged in); 3 cannot connect / server error. Ctrl-C ends --follow with 0.
    """
    with handled():
        fn = parse_function(function)
        with open_fgs(profile, project) as fgs:
            path = fgs.function_path(fn, "/welkin-logs")
            answer = _fetch(fgs, path, limit, 0, request_id)
            _show_entries(answer["logs"], output, follow)
            after = int(answer.get("next") or 0)
            try:
                while follow:
                    time.sleep(_FOLLOW_EVERY_S)
                    answer = _fetch(fgs, path, 200, after, request_id)
                    _show_entries(answer["logs"], output, True)
                    after = int(answer.get("next") or after)
            except KeyboardInterrupt:
                return
