"""The server's side of a zygote (``welkin.runtime.zygote``): start it, ask it to spawn and kill
instances, and learn how they ended.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import json
import logging
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import welkin
from welkin.functions.runtimes import Interpreter
from welkin.runtime.probe import Capabilities

log = logging.getLogger(__name__)
MAX_MESSAGE = 1 << 20
START_TIMEOUT_S = 30.0


class ZygoteGone(Exception):
    """The zygote died or was stopped; its instances died with it."""


@dataclass(frozen=True)
class ExitStatus:
    exit_code: int | None
    signal: int | None
    oom: bool  # the kernel's OOM killer acted in the instance's cgroup

    def describe(self) -> str:
        if self.signal is not None:
            return f"killed by signal {self.signal}"
        return f"exited with status {self.exit_code}"


_ZYGOTE_DIED = ExitStatus(exit_code=None, signal=9, oom=False)


class Zygote:
    """One running fork server. Create with ``await Zygote.start(...)``."""

    def __init__(
        self, interpreter: Interpreter, process: subprocess.Popen[bytes], control: socket.socket
    ) -> None:
        self.interpreter = interpreter
        self.capabilities: Capabilities | None = None
        self._process = process
        self._control = control
        self._spawns: dict[str, asyncio.Future[int]] = {}
        self._exits: dict[str, asyncio.Future[ExitStatus]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._hello: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    @staticmethod
    async def start(interpreter: Interpreter, root_dir: Path, tmp_mb: int, spares: int) -> Zygote:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        package_root = str(Path(welkin.__file__).parent.parent)
        # A minimal environment: the server's own (database URLs, secrets) never reaches it.
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": package_root}
        argv = [interpreter.executable, "-s", "-m", "welkin.runtime.zygote"]
        argv += [str(root_dir), str(theirs.fileno()), str(tmp_mb), str(spares)]
        # Popen, not asyncio's subprocesses: the zygote is watched through its control socket,
        # and a fork+exec takes about a millisecond, once per runtime.
        process = subprocess.Popen(  # noqa: S603, ASYNC220 - our own interpreter and module
            argv, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env, cwd=package_root
        )
        theirs.close()
        ours.setblocking(False)
        zygote = Zygote(interpreter, process, ours)
        zygote._reader = asyncio.create_task(zygote._read())
        try:
            hello = await asyncio.wait_for(asyncio.shield(zygote._hello), START_TIMEOUT_S)
        except (TimeoutError, ZygoteGone):
            await zygote.stop()
            raise ZygoteGone(f"the {interpreter.name} zygote did not start") from None
        zygote.capabilities = Capabilities.from_json(hello["capabilities"])
        return zygote

    @property
    def alive(self) -> bool:
        return self._reader is not None and not self._reader.done()

    async def _send(self, message: dict[str, Any], fds: list[int] | None = None) -> None:
        data = json.dumps(message).encode()
        ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        loop = asyncio.get_running_loop()
        while True:
            try:
                self._control.sendmsg([data], ancillary)
                return
            except BlockingIOError:
                ready = loop.create_future()
                loop.add_writer(self._control, ready.set_result, None)
                try:
                    await ready
                finally:
                    loop.remove_writer(self._control)
            except OSError as exc:
                raise ZygoteGone(str(exc)) from exc

    async def spawn(
        self, instance_id: str, config: dict[str, Any], fds: list[int]
    ) -> tuple[int, asyncio.Future[ExitStatus]]:
        """Fork an instance with these (instance socket, stdout, stderr) fds: its host pid, and
        a future that resolves when it has been reaped."""
        if not self.alive:
            raise ZygoteGone("zygote is not running")
        loop = asyncio.get_running_loop()
        spawned = self._spawns[instance_id] = loop.create_future()
        exited = self._exits[instance_id] = loop.create_future()
        await self._send({"type": "spawn", "config": config}, fds)
        return await spawned, exited

    async def kill(self, instance_id: str) -> None:
        if self.alive and instance_id in self._exits:
            with contextlib.suppress(ZygoteGone):
                await self._send({"type": "kill", "id": instance_id})

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                data = await loop.sock_recv(self._control, MAX_MESSAGE)
                if not data:
                    break
                self._dispatch(json.loads(data))
        except OSError as exc:
            log.warning("zygote %s: control socket failed: %s", self.interpreter.name, exc)
        finally:
            self._fail_all()

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "hello":
            self._hello.set_result(message)
        elif kind == "spawned":
            _resolve(self._spawns.pop(message["id"]), message["pid"])
        elif kind == "spawn_failed":
            future = self._spawns.pop(message["id"])
            self._exits.pop(message["id"], None)
            if not future.done():
                future.set_exception(ZygoteGone(f"fork failed: {message['message']}"))
        elif kind == "exited":
            status = ExitStatus(message["exit_code"], message["signal"], message["oom"])
            _resolve(self._exits.pop(message["id"]), status)

    def _fail_all(self) -> None:
        # Every instance had PR_SET_PDEATHSIG on the zygote: when it is gone, so are they.
        if not self._hello.done():
            self._hello.set_exception(ZygoteGone("zygote exited"))
            self._hello.exception()
        for future in self._spawns.values():
            if not future.done():
                future.set_exception(ZygoteGone("zygote exited"))
                future.exception()
        for exit_future in self._exits.values():
            _resolve(exit_future, _ZYGOTE_DIED)
        self._spawns.clear()
        self._exits.clear()

    async def stop(self) -> None:
        """Close the control socket; the zygote kills and reaps its instances, then exits."""
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self._control.close()
        self._fail_all()
        try:
            await asyncio.to_thread(self._process.wait, 10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            await asyncio.to_thread(self._process.wait)


def _resolve(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)
