"""Paths that ``welkin obs`` takes: ``ALIAS/BUCKET/KEY`` in object storage, else a local path.

The rule: an argument is remote when the text before its first ``/`` (or the whole argument)
is the name of a profile in the config file, and it does not start with ``./``, ``../``
or ``/``. Anything else is a local path; write ``./default`` for a local file or directory
named like a profile.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


class PathError(Exception):
    """An argument is not the kind of path the command needs (a usage error, exit 2)."""


@dataclass(frozen=True)
class RemotePath:
    alias: str
    bucket: str = ""
    key: str = ""

    def __str__(self) -> str:
        return "/".join(part for part in (self.alias, self.bucket, self.key) if part) or self.alias

    @property
    def is_prefix(self) -> bool:
        """True when the key names a "directory": empty or ending in ``/``."""
        return not self.key or self.key.endswith("/")

    def child(self, relative: str) -> RemotePath:
        """The object ``relative`` below this path taken as a directory."""
        base = self.key if self.is_prefix else self.key + "/"
        return RemotePath(self.alias, self.bucket, base + relative)

    def dir_prefix(self) -> str:
        """The key prefix that a recursive command walks: the key, ending in ``/`` unless empty."""
        return self.key if self.is_prefix else self.key + "/"


@dataclass(frozen=True)
class LocalPath:
    path: Path

    def __str__(self) -> str:
        return str(self.path)


ObsPath = RemotePath | LocalPath


def parse(text: str, aliases: Collection[str]) -> ObsPath:
    if text.startswith(("./", "../", "/")) or text in (".", ".."):
        return LocalPath(Path(text))
    alias, _, rest = text.partition("/")
    if alias not in aliases:
        return LocalPath(Path(text))
    bucket, _, key = rest.partition("/")
    return RemotePath(alias, bucket, key)


def remote(text: str, aliases: Collection[str], need_bucket: bool = True) -> RemotePath:
    """``text`` as a remote path, or PathError saying why it is not one."""
    parsed = parse(text, aliases)
    if isinstance(parsed, LocalPath):
        alias = text.partition("/")[0]
        known = ", ".join(sorted(aliases)) or "none: run `welkin login`"
        raise PathError(f"{text!r} is not a remote path: no profile named {alias!r} (profiles: {known})")
    if need_bucket and not parsed.bucket:
        raise PathError(f"{text!r} names no bucket: write ALIAS/BUCKET[/KEY]")
    return parsed


def safe_relative(key: str, prefix: str) -> str:
    """The part of ``key`` below ``prefix`` as a relative path; refuses keys that climb out."""
    relative = key[len(prefix) :].lstrip("/")
    parts = PurePosixPath(relative).parts
    if not parts or ".." in parts:
        raise PathError(f"refusing object key {key!r}: it does not map to a path below the target")
    return relative
