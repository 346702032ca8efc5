"""The code a function can start from: the repository's examples, packaged with the console.

``function_templates/<name>/`` is where ``examples/functions/<name>/`` lives (the examples are
links to it), so the console offers exactly what the READMEs' readers deploy. A function made
from one gets its ``.py`` files and its ``requirements.txt`` as a zip built in memory, plus the
settings its README asks for.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from importlib import resources

from welkin.core import errors

CODE_FILES = (".py", "requirements.txt")


@dataclass(frozen=True)
class Starter:
    name: str  # the directory under function_templates/, and the form's value
    title: str
    memory_size: int = 128
    timeout: int = 30
    needs_agency: bool = False  # its code calls OBS with the agency's temporary keys
    required_env: tuple[str, ...] = ()
    timer: str | None = None  # a Rate schedule its README adds a timer trigger with
    timer_event: str = ""


STARTERS = (
    Starter("hello", "Hello: greet whoever the event names"),
    Starter("http-api", "HTTP API: a JSON API behind an HTTP trigger"),
    Starter("thumbnailer", "OBS thumbnailer: JPEG thumbnails of uploads", 256, 60, needs_agency=True),
    Starter(
        "timer-counter",
        "Timer: counts its runs in an OBS object",
        needs_agency=True,
        required_env=("BUCKET",),
        timer="1m",
        timer_event="nightly-report",
    ),
)
BY_NAME = {s.name: s for s in STARTERS}


def starter(name: str) -> Starter:
    found = BY_NAME.get(name)
    if found is None:
        raise errors.InvalidArgument(f"There is no function template {name!r}.")
    return found


def source_files(name: str) -> dict[str, bytes]:
    """Every file of the template as packaged (README included), by name."""
    folder = resources.files("welkin.console").joinpath("function_templates", name)
    return {entry.name: entry.read_bytes() for entry in folder.iterdir() if entry.is_file()}


def code_package(name: str) -> bytes:
    """The template's code as the zip a function is created with."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for filename, data in sorted(source_files(starter(name).name).items()):
            if filename.endswith(CODE_FILES):
                archive.writestr(zipfile.ZipInfo(filename, (1980, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()
