"""Console forms read as the FunctionGraph API reads its bodies, and the single-file editor."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from starlette.datastructures import FormData

from welkin.console.function_forms import (
    config_from,
    environment,
    environment_lines,
    single_source,
    trigger_from,
    with_source,
)
from welkin.core import errors
from welkin.functions.triggers.models import TriggerType


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_environment_lines_round_trip() -> None:
    text = "A=1\r\n\n# a comment\nB = x=y\n"
    assert json.loads(environment(text)) == {"A": "1", "B": " x=y"}
    assert environment("") == ""
    assert environment_lines(environment("A=1\nB=2")) == "A=1\nB=2"
    with pytest.raises(errors.InvalidArgument, match="line 2"):
        environment("A=1\nnot a pair")


def test_config_form_becomes_the_api_changes() -> None:
    form = FormData(
        [
            ("memory_size", "256"),
            ("timeout", "9"),
            ("environment", "K=v"),
            ("concurrency", "3"),
            ("agency", ""),
        ]
    )
    changes = config_from(form)
    assert (changes.memory_size, changes.timeout, changes.max_instance_num) == (256, 9, 3)
    assert json.loads(changes.user_data or "") == {"K": "v"}
    assert changes.app_xrole == ""
    assert changes.runtime is None
    with pytest.raises(errors.InvalidArgument, match="Timeout must be a whole number"):
        config_from(FormData([("timeout", "soon")]))


def test_trigger_forms() -> None:
    kind, data = trigger_from(
        FormData(
            [("type", "OBS"), ("bucket", "b"), ("events", "ObjectCreated, ObjectRemoved"), ("prefix", "in/")]
        )
    )
    assert kind is TriggerType.OBS
    assert data.str_list("events") == ["ObjectCreated", "ObjectRemoved"]
    assert data.opt_str("suffix") is None
    kind, data = trigger_from(FormData([("type", "TIMER"), ("schedule", "0 */5 * * * *")]))
    assert (kind, data.str("schedule_type")) == (TriggerType.TIMER, "Cron")
    kind, data = trigger_from(FormData([("type", "TIMER"), ("schedule", "5m")]))
    assert data.str("schedule_type") == "Rate"
    kind, data = trigger_from(FormData([("type", "HTTP"), ("auth", "NONE"), ("prefix_match", "1")]))
    assert kind is TriggerType.APIG
    assert (data.str("auth"), data.str("match_mode"), data.opt_str("path")) == ("NONE", "SWA", None)
    with pytest.raises(errors.InvalidArgument):
        trigger_from(FormData([("type", "SMN")]))


def test_one_source_file_is_editable_and_the_rest_is_kept() -> None:
    package = _zip({"index.py": b"x = 1\n", "requirements.txt": b"boto3\n", "README.md": b"hi"})
    assert single_source(package) == ("index.py", "x = 1\n")
    changed = zipfile.ZipFile(io.BytesIO(with_source(package, "index.py", "x = 2\r\n")))
    assert changed.read("index.py") == b"x = 2\n"
    assert changed.read("requirements.txt") == b"boto3\n"
    assert single_source(_zip({"a.py": b"", "b.py": b""})) is None
    assert single_source(_zip({"a.py": b"\xff\xfe"})) is None
    assert single_source(b"not a zip") is None
