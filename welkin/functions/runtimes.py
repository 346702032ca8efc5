"""The Python runtimes this machine offers, named as FunctionGraph names them.

``Python3.X`` is the interpreter Welkin runs on, plus every ``python3.X`` found on
PATH. Found once, at start-up: a runtime that appears later needs a restart.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from welkin.functions.errors import InvalidRuntime

_PYTHON_ON_PATH = re.compile(r"python3\.(\d{1,2})")


def discover(path: str | None = None) -> Mapping[str, Path]:
    """Runtime name -> interpreter; the running one first, then PATH order (first found wins)."""
    found: dict[str, Path] = {f"Python{sys.version_info[0]}.{sys.version_info[1]}": Path(sys.executable)}
    for directory in (path if path is not None else os.environ.get("PATH", "")).split(os.pathsep):
        try:
            names = sorted(os.listdir(directory or "."))
        except OSError:
            continue
        for name in names:
            match = _PYTHON_ON_PATH.fullmatch(name)
            candidate = Path(directory) / name
            if match and os.access(candidate, os.X_OK) and candidate.is_file():
                found.setdefault(f"Python3.{match.group(1)}", candidate)
    return MappingProxyType(dict(sorted(found.items(), key=lambda item: _minor(item[0]))))


def _minor(name: str) -> int:
    return int(name.rsplit(".", 1)[1])


class Runtimes:
    def __init__(self, available: Mapping[str, Path]) -> None:
        self.available = available

    def interpreter(self, runtime: str) -> Path:
        found = self.available.get(runtime)
        if found is None:
            offered = ", ".join(self.available) or "none"
            raise InvalidRuntime(f"Runtime {runtime!r} is not available here; this Welkin offers: {offered}.")
        return found

    def check(self, runtime: str) -> str:
        self.interpreter(runtime)
        return runtime
