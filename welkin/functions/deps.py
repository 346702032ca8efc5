"""Dependencies: a ``requirements.txt`` at the top of a code package, installed once.

Each (code revision, Python version) gets one read-only layer directory,
``deps/<sha256>-py3.X``, made by ``pip install --target`` and shared by every
instance of every function using that code: the sandbox puts it on ``sys.path``
after the code itself. With ``functions_wheel_dir`` set, pip installs offline from
that directory only. A requirement that cannot be installed is refused when the code
is uploaded, with pip's own last words.

pip runs outside any sandbox, so it is given nothing that could run user code or
read the server's files: wheels only (no ``setup.py`` is ever run), and a requirements
file of plain requirement specifiers (``name[extra] >=1.0 ; marker``): no pip options
(``-r``, ``-e``, ``--index-url``...), no paths and no URLs. pip is Welkin's own, told
the runtime's Python version, so the wheels chosen fit the runtime.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import sys
from pathlib import Path

from welkin.functions.errors import InvalidCode
from welkin.functions.packages import seal_read_only, unseal

REQUIREMENTS = "requirements.txt"
MAX_REQUIREMENTS_BYTES = 64 << 10
_OUTPUT_TAIL = 1500
_VERSION = r"[A-Za-z0-9.*+!_-]+"
_CLAUSE = rf"(?:===|==|>=|<=|~=|!=|<|>)\s*{_VERSION}"
_REQUIREMENT = re.compile(
    rf"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"  # the project name
    rf"(?:\s*\[\s*[A-Za-z0-9._-]+(?:\s*,\s*[A-Za-z0-9._-]+)*\s*\])?"  # extras
    rf"(?:\s*\(?\s*{_CLAUSE}(?:\s*,\s*{_CLAUSE})*\s*\)?)?"  # version clauses
    rf"\s*(?:;[^@]*)?"  # an environment marker
)


def check_requirements(text: str) -> None:
    """Refuse anything in a requirements file but plain requirement specifiers."""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = re.sub(r"(^|\s)#.*", "", line).strip()
        if stripped and not _REQUIREMENT.fullmatch(stripped):
            raise InvalidCode(
                f"{REQUIREMENTS} line {number} ({stripped[:80]!r}) is not a plain requirement such as "
                "'requests>=2.31': pip options, paths and URLs are not accepted."
            )


class DependencyInstaller:
    def __init__(self, root: Path, wheel_dir: Path | None, timeout: float = 600) -> None:
        self._layers = root / "deps"
        self._tmp = root / "tmp"
        self._wheel_dir = wheel_dir
        self._timeout = timeout
        self._locks: dict[str, asyncio.Lock] = {}
        self._layers.mkdir(parents=True, exist_ok=True)

    def remove_unused(self, in_use: set[str]) -> int:
        """Drop the layers of code revisions no longer in ``in_use``; returns how many."""
        removed = 0
        for layer in self._layers.iterdir():
            if layer.name.split("-py", 1)[0] not in in_use:
                unseal(layer)
                shutil.rmtree(layer, ignore_errors=True)
                removed += 1
        return removed

    def layer(self, code_dir: Path, sha256: str, runtime: str) -> Path | None:
        """Where the layer of this code for ``runtime`` lives; None when it has no requirements."""
        if not (code_dir / REQUIREMENTS).is_file():
            return None
        return self._layers / f"{sha256}-py{runtime.removeprefix('Python')}"

    async def ensure(self, code_dir: Path, sha256: str, runtime: str) -> Path | None:
        """The layer, installed first if it is not there yet."""
        target = self.layer(code_dir, sha256, runtime)
        if target is None or target.exists():
            return target
        lock = self._locks.setdefault(target.name, asyncio.Lock())
        async with lock:
            if not target.exists():
                await self._install(code_dir / REQUIREMENTS, runtime, target)
        self._locks.pop(target.name, None)
        return target

    async def _install(self, requirements: Path, runtime: str, target: Path) -> None:
        check_requirements(await asyncio.to_thread(_read_requirements, requirements))
        work = self._tmp / f"{target.name}.{secrets.token_hex(8)}"
        version = runtime.removeprefix("Python")
        args = [sys.executable, "-m", "pip", "install", "--target", str(work), "-r", str(requirements)]
        args += ["--disable-pip-version-check", "--no-input", "--no-warn-script-location", "--quiet"]
        args += ["--python-version", version, "--only-binary", ":all:"]
        if self._wheel_dir is not None:
            args += ["--no-index", "--find-links", str(self._wheel_dir)]
        env = {**os.environ, "PIP_NO_CACHE_DIR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            process = await asyncio.create_subprocess_exec(
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=env,
            )
            try:
                output, _ = await asyncio.wait_for(process.communicate(), self._timeout)
            except TimeoutError:
                process.kill()
                await process.wait()
                raise InvalidCode(
                    f"Installing {REQUIREMENTS} took longer than {self._timeout:.0f} s."
                ) from None
            if process.returncode != 0:
                said = output.decode("utf-8", "replace").strip()[-_OUTPUT_TAIL:]
                raise InvalidCode(f"{REQUIREMENTS} could not be installed: {said}")
            work.mkdir(exist_ok=True)  # an empty requirements file installs nothing
            await asyncio.to_thread(self._publish, work, target)
        finally:
            if work.exists():
                unseal(work)
                shutil.rmtree(work, ignore_errors=True)

    @staticmethod
    def _publish(work: Path, target: Path) -> None:
        for dirpath, _dirnames, filenames in os.walk(work):
            for name in filenames:
                path = Path(dirpath) / name
                if not path.is_symlink():
                    path.chmod(0o555 if os.access(path, os.X_OK) else 0o444)
        seal_read_only(work)
        os.rename(work, target)
        target.chmod(0o555)


def _read_requirements(path: Path) -> str:
    if path.stat().st_size > MAX_REQUIREMENTS_BYTES:
        raise InvalidCode(f"{REQUIREMENTS} may be at most {MAX_REQUIREMENTS_BYTES} bytes.")
    return path.read_text("utf-8", "replace")
