"""The runtimes this machine offers, named as FunctionGraph names them (``Python3.11``, ...).

``Python3.11`` (or whichever version Welkin itself runs on) is always there: it is Welkin's own
interpreter. Any other CPython 3 found on PATH as ``python3.N`` is offered too, once it has
proved it runs (a pyenv shim for a version that is not selected does not).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from welkin.functions.errors import InvalidRuntime

MIN_MINOR = 10  # welkin.runtime is written for 3.10 and later
_PROBE = "import platform, sys; print(platform.python_implementation(), *sys.version_info[:2])"


@dataclass(frozen=True)
class Interpreter:
    name: str  # "Python3.12"
    executable: str
    version: tuple[int, int]


def _own() -> Interpreter:
    major, minor = sys.version_info[:2]
    return Interpreter(f"Python{major}.{minor}", sys.executable, (major, minor))


def _check(executable: str) -> Interpreter | None:
    try:
        out = subprocess.run(  # noqa: S603 - an interpreter found on PATH, with a fixed script
            [executable, "-I", "-c", _PROBE], capture_output=True, text=True, timeout=10, check=True
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    if len(out) != 3 or out[0] != "CPython":
        return None
    version = (int(out[1]), int(out[2]))
    return Interpreter(f"Python{version[0]}.{version[1]}", executable, version)


class RuntimeCatalog:
    def __init__(self, interpreters: Sequence[Interpreter]) -> None:
        """The first interpreter is the default: the one the zygote probe runs on at start-up."""
        self._by_name = {interpreter.name: interpreter for interpreter in interpreters}
        self.default = interpreters[0].name

    @staticmethod
    def detect(path: str | None = None) -> RuntimeCatalog:
        """Welkin's own interpreter plus every working ``python3.N`` on ``path`` (default PATH)."""
        own = _own()
        search = path if path is not None else os.environ.get("PATH", "")
        candidates = {
            minor: executable
            for minor in range(MIN_MINOR, 30)
            if (3, minor) != own.version and (executable := shutil.which(f"python3.{minor}", path=search))
        }
        # Probed together: each probe starts an interpreter, often through a pyenv shim (a shell
        # script), and one after another they held start-up back by a quarter second apiece.
        with ThreadPoolExecutor(max_workers=max(1, len(candidates))) as probes:
            checked = dict(zip(candidates, probes.map(_check, candidates.values()), strict=True))
        found = [own]
        found += [
            interpreter
            for minor, interpreter in checked.items()
            if interpreter is not None and interpreter.version == (3, minor)
        ]
        return RuntimeCatalog(found)

    @property
    def names(self) -> list[str]:
        return sorted(self._by_name, key=lambda name: self._by_name[name].version)

    def resolve(self, name: str) -> Interpreter:
        interpreter = self._by_name.get(name)
        if interpreter is None:
            raise InvalidRuntime(
                f"Runtime {name!r} is not available here; this Welkin offers: {', '.join(self.names)}."
            )
        return interpreter

    def interpreter(self, name: str) -> Path:
        return Path(self.resolve(name).executable)

    def check(self, name: str) -> str:
        """``name`` itself, once it is known to be offered here."""
        self.resolve(name)
        return name
