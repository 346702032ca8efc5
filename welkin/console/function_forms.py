"""Console forms turned into what the FunctionGraph API's request bodies say, and the paths
of the functions pages.

Fields are gathered into the API's JSON shape and parsed by the API's own helpers
(``config_changes``, the trigger ``event_data`` validation), so the console accepts and
refuses exactly what the API does. Also: environment text, and the one source file of a
single-file function for the browser editor.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from welkin.core import errors
from welkin.core.body import Body
from welkin.functions.configuration import ConfigChanges
from welkin.functions.fgsapi.functions import config_changes
from welkin.functions.triggers.models import TriggerType
from welkin.functions.urns import FunctionRef

TRIGGER_TYPES = {"HTTP": TriggerType.APIG, "OBS": TriggerType.OBS, "TIMER": TriggerType.TIMER}
MAX_SOURCE_BYTES = 1 << 20  # what the browser editor shows and takes back


def function_url(package: str, name: str) -> str:
    return f"/console/functions/{quote(package, safe='')}/{quote(name, safe='')}"


def ref_of(request: Request) -> FunctionRef:
    """The function a ``/console/functions/{package}/{name}...`` path names (its latest)."""
    return FunctionRef(request.path_params["package"], request.path_params["name"], None)


@dataclass(frozen=True)
class Section:
    """Part of a page the user may not read: shown as a note instead of failing the page."""

    value: Any
    denied: str = ""


async def section(call: Awaitable[Any]) -> Section:
    try:
        return Section(await call)
    except errors.AccessDenied as exc:
        return Section(None, exc.message)


def text(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else default


def whole_number(form: FormData, name: str, label: str) -> int | None:
    given = text(form, name)
    if not given:
        return None
    try:
        return int(given)
    except ValueError:
        raise errors.InvalidArgument(f"{label} must be a whole number.") from None


def upload(form: FormData, name: str) -> UploadFile | None:
    value = form.get(name)
    if isinstance(value, UploadFile) and value.filename:
        return value
    return None


def environment(lines: str) -> str:
    """``KEY=VALUE`` lines as ``user_data`` (JSON object text); "" when there are none."""
    found = environment_map(lines)
    return json.dumps(found) if found else ""


def environment_map(lines: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for number, line in enumerate(lines.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise errors.InvalidArgument(f"Environment line {number} is not KEY=VALUE.")
        found[key.strip()] = value
    return found


def environment_lines(user_data: str) -> str:
    try:
        data = json.loads(user_data) if user_data else {}
    except ValueError:
        return ""
    return "\n".join(f"{k}={v}" for k, v in data.items()) if isinstance(data, dict) else ""


def config_from(form: FormData) -> ConfigChanges:
    """The configuration form (memory, timeout, environment, concurrency) as the API's changes."""
    body: dict[str, Any] = {}
    for field, label in (("memory_size", "Memory"), ("timeout", "Timeout")):
        value = whole_number(form, field, label)
        if value is not None:
            body[field] = value
    if "environment" in form:
        body["user_data"] = environment(text(form, "environment"))
    strategy = {}
    for field, label in (("concurrency", "Maximum instances"), ("concurrent_num", "Requests per instance")):
        value = whole_number(form, field, label)
        if value is not None:
            strategy[field] = value
    if strategy:
        body["strategy_config"] = strategy
    if "agency" in form:
        body["app_xrole"] = text(form, "agency")
    parsed = Body(body)
    changes = config_changes(parsed)
    parsed.done()
    return changes


def trigger_from(form: FormData) -> tuple[TriggerType, Body]:
    """The trigger form as a type and the API's ``event_data`` (validated by the service)."""
    kind = TRIGGER_TYPES.get(text(form, "type"))
    if kind is None:
        raise errors.InvalidArgument("Choose a trigger type: HTTP, OBS or TIMER.")
    data: dict[str, Any]
    if kind is TriggerType.OBS:
        events = [e for e in text(form, "events").replace(",", " ").split() if e]
        data = {"bucket": text(form, "bucket"), "events": events}
        data.update({k: text(form, k) for k in ("prefix", "suffix") if text(form, k)})
    elif kind is TriggerType.TIMER:
        schedule = text(form, "schedule")
        data = {"schedule_type": "Cron" if len(schedule.split()) > 1 else "Rate", "schedule": schedule}
        if text(form, "user_event"):
            data["user_event"] = text(form, "user_event")
    else:
        data = {
            "path": text(form, "path") or None,
            "req_method": text(form, "method") or "ANY",
            "auth": text(form, "auth") or "IAM",
            "match_mode": "SWA" if text(form, "prefix_match") else "NORMAL",
        }
        data = {k: v for k, v in data.items() if v is not None}
    return kind, Body(data, "event_data")


def single_source(package: bytes) -> tuple[str, str] | None:
    """The one ``.py`` file of a package and its text, or None when there are several, it is
    not UTF-8, or it is too large to edit in a page."""
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            sources = [i for i in archive.infolist() if i.filename.endswith(".py") and not i.is_dir()]
            if len(sources) != 1 or sources[0].file_size > MAX_SOURCE_BYTES:
                return None
            data = archive.read(sources[0])
    except zipfile.BadZipFile:
        return None
    try:
        return sources[0].filename, data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def with_source(package: bytes, filename: str, source: str) -> bytes:
    """The package with ``filename`` replaced by ``source``; its other files kept."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as old,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as new,
    ):
        for info in old.infolist():
            if info.filename == filename:
                new.writestr(info, source.replace("\r\n", "\n").encode())
            else:
                new.writestr(info, old.read(info))
    return buffer.getvalue()
