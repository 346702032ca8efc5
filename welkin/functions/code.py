"""Code packages on disk, each stored once by its SHA-256.

Layout under ``root`` (DATA_DIR/functions)::

    packages/<sha256>.zip   the package as received (or as wrapped from a single file)
    code/<sha256>/          the package unpacked, read-only: what a sandbox mounts
    tmp/                    work in progress; emptied at start-up

A package is written to tmp, fsynced, renamed into place and its directory fsynced;
it is unpacked into a tmp directory that is renamed into place once complete, so a
crash leaves either nothing or a whole package. Both are immutable once there.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import shutil
from pathlib import Path

from welkin.core.durable import fsync_dir, write_durably
from welkin.functions.models import CodeRevision
from welkin.functions.packages import PackageLimits, check_zip, seal_read_only, unpack, unseal


class CodeStore:
    def __init__(self, root: Path, limits: PackageLimits) -> None:
        self.limits = limits
        self._packages = root / "packages"
        self._code = root / "code"
        self._tmp = root / "tmp"
        for path in (self._packages, self._code, self._tmp):
            path.mkdir(parents=True, exist_ok=True)

    def clear_tmp(self) -> None:
        for leftover in self._tmp.iterdir():
            if leftover.is_dir() and not leftover.is_symlink():
                unseal(leftover)
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)

    def stored(self) -> set[str]:
        return {p.name.removesuffix(".zip") for p in self._packages.iterdir()} | {
            p.name for p in self._code.iterdir()
        }

    def remove(self, sha256: str) -> None:
        """Drop a revision no function uses any more (start-up only: nothing is uploading)."""
        self.package_path(sha256).unlink(missing_ok=True)
        code_dir = self.code_dir(sha256)
        if code_dir.exists():
            unseal(code_dir)
            shutil.rmtree(code_dir, ignore_errors=True)

    def package_path(self, sha256: str) -> Path:
        return self._packages / f"{sha256}.zip"

    def code_dir(self, sha256: str) -> Path:
        return self._code / sha256

    async def add(self, package: bytes) -> CodeRevision:
        """Check, store and unpack a zip package; InvalidCode (nothing kept) when it is unusable."""
        return await asyncio.to_thread(self._add, package)

    async def read(self, sha256: str) -> bytes:
        return await asyncio.to_thread(self.package_path(sha256).read_bytes)

    def _add(self, package: bytes) -> CodeRevision:
        declared = check_zip(package, self.limits)
        sha256 = hashlib.sha256(package).hexdigest()
        sha512 = hashlib.sha512(package).hexdigest()
        code_dir = self.code_dir(sha256)
        if not code_dir.exists():
            self._unpack(package, code_dir)
        if not self.package_path(sha256).exists():
            self._write(package, self.package_path(sha256))
        # zipfile stops every entry at its declared size (a bad CRC otherwise), so the
        # declared total is what is on disk.
        return CodeRevision(sha256, sha512, len(package), declared)

    def _write(self, data: bytes, target: Path) -> None:
        tmp = self._tmp / f"{target.name}.{secrets.token_hex(8)}"
        write_durably(tmp, target, [data], mode=0o444)

    def _unpack(self, package: bytes, code_dir: Path) -> None:
        work = self._tmp / f"{code_dir.name}.{secrets.token_hex(8)}"
        work.mkdir()
        try:
            unpack(package, work, self.limits)
            seal_read_only(work)
            try:
                os.rename(work, code_dir)
            except OSError:
                if not code_dir.exists():
                    raise
                # Another request unpacked the same package first: keep theirs.
                return
            os.chmod(code_dir, 0o555)  # noqa: S103 - read-only code, readable by sandboxes
            fsync_dir(code_dir.parent)
        finally:
            if work.exists():
                unseal(work)
                shutil.rmtree(work, ignore_errors=True)
