"""What ``welkin fn deploy`` uploads: a directory zipped, a zip as it is, or one source file.

Zips are made reproducibly (sorted names, a fixed timestamp), so deploying the same
tree twice uploads the same bytes and the server reports the same digest.
"""

from __future__ import annotations

import base64
import io
import json
import os
import stat
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from welkin.cli.config import ConfigError

DEFAULT_HANDLER = "index.handler"
# Never part of a function: build leftovers and version control.
_SKIPPED_DIRS = frozenset({"__pycache__", ".git", ".hg", ".svn", ".venv", ".mypy_cache", ".ruff_cache"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo")
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class CodePackage:
    code_type: str  # FunctionGraph's: "zip" or "inline" (one file)
    file_b64: str
    filename: str
    default_handler: str
    size: int


def _zip_dir(root: Path) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_DIRS)
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if name.endswith(_SKIPPED_SUFFIXES) or not path.is_file():
                    continue
                entry = zipfile.ZipInfo(path.relative_to(root).as_posix(), _EPOCH)
                executable = path.stat().st_mode & stat.S_IXUSR
                entry.external_attr = (0o100755 if executable else 0o100644) << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, path.read_bytes())
    return out.getvalue()


def package_code(source: Path) -> CodePackage:
    """The package for a directory (zipped), a ``.zip`` file, or a single source file."""
    if source.is_dir():
        data = _zip_dir(source)
        if len(data) <= 22:  # an empty zip is its 22-byte end record alone
            raise ConfigError(f"{source}: the directory holds no files")
        return CodePackage("zip", _b64(data), "code.zip", DEFAULT_HANDLER, len(data))
    if not source.is_file():
        raise ConfigError(f"{source}: no such file or directory")
    data = source.read_bytes()
    if zipfile.is_zipfile(source):
        return CodePackage("zip", _b64(data), source.name, DEFAULT_HANDLER, len(data))
    if source.suffix != ".py":
        raise ConfigError(f"{source}: deploy a directory, a .zip or a .py file")
    return CodePackage("inline", _b64(data), source.name, f"{source.stem}.handler", len(data))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def parse_env(pairs: list[str]) -> str:
    """``K=V`` pairs as FunctionGraph's ``user_data``: a JSON object of strings."""
    env: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ConfigError(f"--env {pair!r}: write NAME=VALUE")
        env[name] = value
    return json.dumps(env, sort_keys=True)


def read_payload(text: str | None) -> bytes:
    """The event: JSON given inline, ``@FILE``, or ``@-`` for stdin; checked to be JSON."""
    if text is None:
        return b"{}"
    if text.startswith("@"):
        where = text[1:]
        try:
            data = sys.stdin.buffer.read() if where == "-" else Path(where).read_bytes()
        except OSError as exc:
            raise ConfigError(f"--payload {text}: {exc.strerror or exc}") from None
    else:
        data = text.encode()
    try:
        json.loads(data)
    except ValueError as exc:
        raise ConfigError(f"--payload is not JSON: {exc}") from None
    return data
