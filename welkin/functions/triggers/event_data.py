"""Each trigger type's ``event_data``: what is required, what is checked, what is kept.

Fields of FunctionGraph's APIG form that describe a gateway Welkin has no use for
(groups, environments, domains) are accepted and kept, so a client sees back what it
sent; a field no trigger type has is a 400.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from welkin.core import errors
from welkin.core.body import Body
from welkin.functions.triggers import schedule
from welkin.functions.triggers.models import TriggerType
from welkin.obs.notifications import EVENT_NAMES

HTTP_METHODS = frozenset({"ANY", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
MAX_USER_EVENT = 4096
_APIG_KEPT = ("group_id", "group_name", "env_name", "env_id", "sl_domain", "backend_type", "instance_id")
# FunctionGraph's short names for OBS events, next to the S3 names without "s3:".
_OBS_SHORT = {
    "ObjectCreated": "s3:ObjectCreated:*",
    "ObjectRemoved": "s3:ObjectRemoved:*",
    **{name.split(":")[1]: f"s3:{name}" for name in EVENT_NAMES},
}


def validate(kind: TriggerType, body: Body, function_name: str, now: datetime) -> dict[str, Any]:
    if kind is TriggerType.TIMER:
        data = _timer(body, now)
    elif kind is TriggerType.OBS:
        data = _obs(body)
    else:
        data = _http(body, function_name)
    body.done()
    return data


def _timer(body: Body, now: datetime) -> dict[str, Any]:
    schedule_type = body.str("schedule_type", 16)
    text = body.str("schedule", 256)
    if schedule.parse(schedule_type, text).next_after(now) is None:
        raise errors.InvalidArgument(f"The schedule {text!r} never fires (a date that does not exist?).")
    data: dict[str, Any] = {"schedule_type": schedule_type, "schedule": text}
    data["name"] = body.opt_str("name", 64) or ""
    data["user_event"] = body.opt_str("user_event", MAX_USER_EVENT) or ""
    return data


def _obs(body: Body) -> dict[str, Any]:
    bucket = body.str("bucket", 63)
    events = body.str_list("events")
    if not events:
        raise errors.InvalidArgument("event_data.events needs at least one event, such as ObjectCreated.")
    s3_events(events)
    data: dict[str, Any] = {"bucket": bucket, "events": events}
    data["prefix"] = body.opt_str("prefix", 1024) or ""
    data["suffix"] = body.opt_str("suffix", 1024) or ""
    name = body.opt_str("name", 64)
    if name:
        data["name"] = name
    return data


def s3_events(events: list[str]) -> tuple[str, ...]:
    """Events in any spelling FunctionGraph or S3 use, as S3 notification event names."""
    wanted: list[str] = []
    for event in events:
        bare = event.removeprefix("s3:").removeprefix("OBS:")
        if bare in _OBS_SHORT:
            name = _OBS_SHORT[bare]
        elif bare in EVENT_NAMES or bare in ("ObjectCreated:*", "ObjectRemoved:*"):
            name = f"s3:{bare}"
        else:
            raise errors.InvalidArgument(
                f"OBS trigger event {event!r} is not known: use ObjectCreated, ObjectRemoved, "
                "ObjectCreated:Put, s3:ObjectCreated:* and the like."
            )
        if name not in wanted:
            wanted.append(name)
    return tuple(wanted)


def _http(body: Body, function_name: str) -> dict[str, Any]:
    path = body.opt_str("path", 1024) or f"/{function_name}"
    if not path.startswith("/") or "//" in path or any(c in path for c in "?#{}"):
        raise errors.InvalidArgument(f"event_data.path {path!r} must be a plain path starting with /.")
    method = (body.opt_str("req_method", 16) or "ANY").upper()
    if method not in HTTP_METHODS:
        raise errors.InvalidArgument(
            f"event_data.req_method must be one of {', '.join(sorted(HTTP_METHODS))}."
        )
    match_mode = body.opt_str("match_mode", 16) or "NORMAL"
    if match_mode not in ("NORMAL", "SWA"):
        raise errors.InvalidArgument("event_data.match_mode must be NORMAL (exact) or SWA (prefix).")
    auth = body.opt_str("auth", 16) or "IAM"
    if auth not in ("NONE", "IAM"):
        raise errors.InvalidArgument(
            "event_data.auth must be NONE or IAM; APP authentication is not offered."
        )
    protocol = body.opt_str("protocol", 8) or "HTTPS"
    if protocol not in ("HTTP", "HTTPS"):
        raise errors.InvalidArgument("event_data.protocol must be HTTP or HTTPS.")
    api_type = body.opt_int("type", 1, 2) or 1
    data: dict[str, Any] = {
        "name": body.opt_str("name", 64) or f"API_{function_name}"[:64],
        "path": path.rstrip("/") or "/",
        "req_method": method,
        "match_mode": match_mode,
        "auth": auth,
        "protocol": protocol,
        "type": api_type,
    }
    for key in _APIG_KEPT:
        value = body.opt_str(key, 256)
        if value is not None:
            data[key] = value
    body.ignore("func_info")
    return data
