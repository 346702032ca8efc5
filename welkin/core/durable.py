"""Durable files, the one way every service makes them.

Bytes go to a temporary name on the same file system, are written whole and fsynced, then
renamed into place, and the directory is fsynced so that the rename itself survives a crash.
A crash at any point leaves either no file at the target or the whole one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

StrPath = str | os.PathLike[str]


def write_fully(fd: int, data: bytes | bytearray | memoryview) -> None:
    """Write all of ``data``: ``os.write`` may take less than it is given."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def fsync_dir(path: StrPath) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(
    tmp: StrPath, target: StrPath, pieces: Iterable[bytes | bytearray], mode: int = 0o600
) -> None:
    """Write ``pieces`` to the new file ``tmp``, fsync it, rename it to ``target``, fsync its directory."""
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        for piece in pieces:
            write_fully(fd, piece)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, target)
    fsync_dir(os.path.dirname(os.fspath(target)) or ".")
