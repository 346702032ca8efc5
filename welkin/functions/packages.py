"""Code packages: checking a zip before anything is stored, and unpacking it safely.

A package is refused, with the entry named, when it is not a zip, is encrypted, has
an absolute or ``..`` name, a symbolic link leading out of the package, duplicate
names, too many entries, or unpacks to more than the configured size (judged by the
bytes actually inflated, not by what the headers claim). A single source file is
wrapped into a zip with fixed timestamps, so the same file always gives the same digest.
"""

from __future__ import annotations

import io
import os
import posixpath
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from welkin.functions.errors import InvalidCode

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1 << 16


@dataclass(frozen=True)
class PackageLimits:
    max_unpacked_bytes: int
    max_entries: int = 20_000


def looks_like_zip(data: bytes) -> bool:
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def single_file_package(filename: str, data: bytes) -> bytes:
    """A zip holding ``data`` as ``filename`` (a plain name, no directories)."""
    if not filename or "/" in filename or "\\" in filename or filename in (".", "..") or "\0" in filename:
        raise InvalidCode(f"code_filename {filename!r} must be a plain file name such as index.py.")
    info = zipfile.ZipInfo(filename, _FIXED_TIME)
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(info, data)
    return out.getvalue()


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _safe_name(name: str) -> str:
    """The entry's path relative to the package root, or InvalidCode."""
    if "\0" in name or "\\" in name:
        raise InvalidCode(f"Zip entry {name!r} has a backslash or NUL in its name.")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise InvalidCode(f"Zip entry {name!r} has an absolute name.")
    normal = posixpath.normpath(name)
    if normal == ".." or normal.startswith("../") or "/../" in f"/{name}/":
        raise InvalidCode(f"Zip entry {name!r} leads out of the package (..).")
    return normal


def check_zip(data: bytes, limits: PackageLimits) -> int:
    """Validate a package without unpacking it; returns the total size its headers declare."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise InvalidCode(f"The code package is not a valid zip file: {exc}.") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise InvalidCode(f"The code package has {len(infos)} entries; at most {limits.max_entries}.")
        seen: set[str] = set()
        declared = 0
        for info in infos:
            name = _safe_name(info.filename)
            if name in seen and not info.is_dir():
                raise InvalidCode(f"Zip entry {info.filename!r} appears twice.")
            seen.add(name)
            if info.flag_bits & 0x1:
                raise InvalidCode(f"Zip entry {info.filename!r} is encrypted.")
            if _is_symlink(info):
                target = archive.read(info).decode("utf-8", "replace")
                joined = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
                if target.startswith("/") or joined == ".." or joined.startswith("../"):
                    raise InvalidCode(f"Zip entry {info.filename!r} is a link out of the package ({target}).")
            declared += info.file_size
            if declared > limits.max_unpacked_bytes:
                raise InvalidCode(f"The code package unpacks to more than {limits.max_unpacked_bytes} bytes.")
    return declared


def unpack(data: bytes, target: Path, limits: PackageLimits) -> int:
    """Unpack a checked package into the empty directory ``target``; returns bytes written.

    Counts inflated bytes as it goes, so a package whose headers under-declare its
    sizes is stopped at the limit all the same.
    """
    try:
        return _unpack(data, target, limits)
    except OSError as exc:
        raise InvalidCode(f"The code package cannot be unpacked: {exc.strerror} ({exc.filename}).") from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        # Damage the headers did not show: a bad CRC, truncated or corrupt compressed data.
        raise InvalidCode(f"The code package is damaged: {exc}.") from None


def _unpack(data: bytes, target: Path, limits: PackageLimits) -> int:
    root = os.path.realpath(target)

    def inside(path: Path) -> bool:
        # Resolves the links already made, so a chain of links cannot lead out either.
        real = os.path.realpath(path)
        return real == root or real.startswith(root + os.sep)

    written = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            name = _safe_name(info.filename)
            path = target / name
            if not inside(path.parent):
                raise InvalidCode(f"Zip entry {info.filename!r} lies behind a link out of the package.")
            if info.is_dir():
                path.mkdir(parents=True, exist_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if _is_symlink(info):
                link = archive.read(info).decode("utf-8", "replace")
                if not inside(path.parent / link):
                    raise InvalidCode(f"Zip entry {info.filename!r} is a link out of the package ({link}).")
                os.symlink(link, path)
                continue
            mode = 0o555 if (info.external_attr >> 16) & 0o111 else 0o444
            with archive.open(info) as source, open(path, "xb") as sink:
                while chunk := source.read(_CHUNK):
                    written += len(chunk)
                    if written > limits.max_unpacked_bytes:
                        raise InvalidCode(
                            f"The code package unpacks to more than {limits.max_unpacked_bytes} bytes."
                        )
                    sink.write(chunk)
            os.chmod(path, mode)
    return written


def seal_read_only(root: Path) -> None:
    """Take write permission off every directory below ``root`` (files are already read-only).

    ``root`` itself stays writable until it has been moved into place: moving a
    directory to another parent needs write permission on it.
    """
    for dirpath, _dirnames, _filenames in os.walk(root, topdown=False):
        if Path(dirpath) != root:
            os.chmod(dirpath, 0o555)  # noqa: S103 - read-only code, readable by sandboxes


def unseal(root: Path) -> None:
    """Give write permission back to the directories, so the tree can be removed."""
    if not root.exists():
        return
    os.chmod(root, 0o700)
    for dirpath, dirnames, _filenames in os.walk(root):
        for name in dirnames:
            child = Path(dirpath) / name
            if not child.is_symlink():
                os.chmod(child, 0o700)
