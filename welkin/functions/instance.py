"""One function instance: a sandboxed process forked by a zygote, seen from the server.

The instance answers on its own socket (``welkin.runtime.wire`` frames); its stdout and stderr
are two pipes read here into the current invocation's bounded ``LogCapture``. Everything that
ends an instance from outside (a timeout, too much output, too large a result) is a kill
through the zygote with a reason; how the process ended (OOM, a signal, an exit) decides the
error its pending requests get when no reason was set.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from welkin.functions.logs import LogCapture
from welkin.functions.spec import InstanceSpec, InvocationError, PoolSettings
from welkin.functions.zygotes import ExitStatus, Zygote, ZygoteGone
from welkin.runtime import wire
from welkin.runtime.sandbox import CODE_ROOT, DEPS_ROOT

_READ_CHUNK = 1 << 16
_EXIT_WAIT_S = 5.0


class InstanceFailure(Exception):
    """The instance could not start, or ended while requests were in flight."""

    def __init__(self, error: InvocationError, log: LogCapture | None = None) -> None:
        super().__init__(f"{error.code}: {error.message}")
        self.error = error
        self.log = log


@dataclass(frozen=True)
class Outcome:
    """One invocation as the instance saw it; the pool adds what it knows (cold start, ...)."""

    error: InvocationError | None
    body: bytes
    body_encoding: str
    log: LogCapture
    duration_ms: float


def _error(data: dict[str, Any]) -> InvocationError:
    return InvocationError(
        code=str(data.get("code", wire.EXITED_UNEXPECTEDLY)),
        message=str(data.get("message", "")),
        type=str(data.get("type", "")),
        traceback=str(data.get("traceback", "")),
    )


class Instance:
    def __init__(
        self,
        instance_id: str,
        spec: InstanceSpec,
        settings: PoolSettings,
        zygote: Zygote,
        uid: int,
        on_exit: Callable[[Instance], None],
    ) -> None:
        self.id = instance_id
        self.spec = spec
        self.uid = uid
        self.pid = 0
        self.in_flight = 0
        self._settings = settings
        self._zygote = zygote
        self._on_exit = on_exit
        self._pending: dict[str, tuple[asyncio.Future[tuple[dict[str, Any], bytes]], LogCapture]] = {}
        self._ready: asyncio.Future[dict[str, Any]] | None = None
        self._captures: list[LogCapture] = []
        self._init_log: LogCapture | None = LogCapture(settings.log_keep_bytes)
        self._kill_reason: InvocationError | None = None
        self._pipes: list[int] = []
        self._writer: asyncio.StreamWriter | None = None
        self._exited: asyncio.Future[ExitStatus] | None = None
        self._reader: asyncio.Task[None] | None = None
        self.alive = False

    # -- start-up ---------------------------------------------------------------------------

    def _config(self) -> dict[str, Any]:
        spec, settings = self.spec, self._settings
        caps = self._zygote.capabilities
        sandboxed = caps is not None and caps.mount_namespace
        code_root = CODE_ROOT if sandboxed else str(spec.code_dir)
        environment = {
            **spec.environment,
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp",  # noqa: S108 - the sandbox's private /tmp
            "LANG": "C.UTF-8",
            "WELKIN_ENDPOINT": settings.endpoint,
            "OBS_ENDPOINT": settings.endpoint,
            "RUNTIME_PROJECT_ID": spec.project_id,
            "RUNTIME_PACKAGE": spec.package,
            "RUNTIME_FUNC_NAME": spec.name,
            "RUNTIME_FUNC_VERSION": spec.version,
            "RUNTIME_HANDLER": spec.handler,
            "RUNTIME_TIMEOUT": str(int(spec.timeout_s)),
            "RUNTIME_MEMORY": str(spec.memory_mb),
            "RUNTIME_CPU": str(spec.cpu_millicores),
            "RUNTIME_CODE_ROOT": code_root,
        }
        if spec.deps_dir is not None:
            environment["RUNTIME_DEPS_ROOT"] = DEPS_ROOT if sandboxed else str(spec.deps_dir)
        return {
            "instance_id": self.id,
            "uid": self.uid,
            "code_dir": str(spec.code_dir),
            "deps_dir": str(spec.deps_dir) if spec.deps_dir else None,
            "network": spec.network,
            "memory_mb": spec.memory_mb,
            "cpu_millicores": spec.cpu_millicores,
            "max_pids": settings.max_pids,
            "max_open_files": settings.max_open_files,
            "environment": environment,
            "handler": spec.handler,
            "initializer": spec.initializer,
            "initializer_timeout_s": spec.initializer_timeout_s,
            "concurrency": spec.concurrency,
            "function": {
                "urn": spec.function_urn,
                "name": spec.name,
                "version": spec.version,
                "package": spec.package,
                "project_id": spec.project_id,
                "memory_mb": spec.memory_mb,
                "cpu_millicores": spec.cpu_millicores,
                "timeout_s": spec.timeout_s,
                "user_data": dict(spec.environment),
            },
        }

    async def start(self) -> float:
        """Fork, sandbox, import and initialise; the init duration in ms (spawn to ready)."""
        started = time.monotonic()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            self.pid, self._exited = await self._zygote.spawn(
                self.id, self._config(), [theirs.fileno(), out_w, err_w]
            )
        except ZygoteGone as exc:
            for fd in (out_r, err_r):
                os.close(fd)
            ours.close()
            self._on_exit(self)
            raise InstanceFailure(InvocationError(wire.SANDBOX_ERROR, str(exc))) from exc
        finally:
            theirs.close()
            os.close(out_w)
            os.close(err_w)
        self.alive = True
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        assert self._init_log is not None
        self._captures = [self._init_log]
        for fd in (out_r, err_r):
            os.set_blocking(fd, False)
            loop.add_reader(fd, self._read_output, fd)
            self._pipes.append(fd)
        reader, self._writer = await asyncio.open_unix_connection(sock=ours, limit=1 << 20)
        self._reader = asyncio.create_task(self._read_frames(reader))
        spec = self.spec
        if spec.initializer:
            budget = spec.initializer_timeout_s
            late = InvocationError(
                wire.INITIALIZER_ERROR, f"the initializer did not finish within {budget:g}s"
            )
        else:
            budget = self._settings.init_timeout_s
            late = InvocationError(wire.TIMEOUT, f"the handler module did not import within {budget:g}s")
        try:
            head = await asyncio.wait_for(asyncio.shield(self._ready), budget)
        except TimeoutError:
            await self.kill(late)
            raise InstanceFailure(late, self._take_init_log()) from None
        except InstanceFailure as failure:
            raise InstanceFailure(failure.error, self._take_init_log()) from None
        if not head.get("ok"):
            error = _error(head.get("error", {}))
            await self.kill(error)
            raise InstanceFailure(error, self._take_init_log())
        self._captures = []
        return (time.monotonic() - started) * 1000

    def _take_init_log(self) -> LogCapture:
        self._drain()
        log, self._init_log = self._init_log, None
        return log or LogCapture(self._settings.log_keep_bytes)

    # -- invocations ------------------------------------------------------------------------

    async def invoke(self, request_id: str, event: bytes, credentials: tuple[str, str, str]) -> Outcome:
        """Send one request and wait for its result, its timeout, or the instance's end."""
        capture = self._init_log or LogCapture(self._settings.log_keep_bytes)
        self._init_log = None  # the first invocation's log begins with what init printed
        future: asyncio.Future[tuple[dict[str, Any], bytes]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = (future, capture)
        self._captures.append(capture)
        timeout = self.spec.timeout_s
        head = {
            "type": "invoke",
            "request_id": request_id,
            "remaining_ms": int(timeout * 1000),
            "access_key": credentials[0],
            "secret_key": credentials[1],
            "security_token": credentials[2],
        }
        started = time.monotonic()
        error: InvocationError | None = None
        reply_head: dict[str, Any] = {}
        body = b""
        try:
            assert self._writer is not None
            self._writer.write(wire.encode(head, event))
            async with asyncio.timeout(timeout):
                await self._writer.drain()
                reply_head, body = await asyncio.shield(future)
            if self._kill_reason is not None:
                error = self._kill_reason  # ended by the platform; what it answered after is moot
            elif not reply_head.get("ok"):
                error = _error(reply_head.get("error", {}))
        except TimeoutError:
            error = InvocationError(wire.TIMEOUT, f"the function did not finish within {timeout:g}s")
            await self.kill(error)
        except InstanceFailure as failure:
            error = failure.error
        except (ConnectionError, RuntimeError):
            error = await self._death_error()
        finally:
            self._pending.pop(request_id, None)
            self._captures.remove(capture)
        duration = (time.monotonic() - started) * 1000
        return Outcome(error, body, str(reply_head.get("encoding", "json")), capture, duration)

    # -- output and frames ------------------------------------------------------------------

    def _read_output(self, fd: int) -> bool:
        """Read one chunk of output; False when there was nothing (more) to read."""
        try:
            chunk = os.read(fd, _READ_CHUNK)
        except BlockingIOError:
            return False
        except OSError:
            chunk = b""
        if not chunk:
            self._close_pipe(fd)
            return False
        for capture in self._captures:
            capture.append(chunk)
            if capture.total > self._settings.output_cap_bytes and self._kill_reason is None:
                cap = self._settings.output_cap_bytes >> 20
                # Decided here, not when the kill task runs: the pipe closes below at once, and
                # a handler that then fails to write must not pass for the cause.
                self._kill_reason = InvocationError(
                    wire.OUTPUT_TOO_LARGE, f"the function wrote more than {cap} MiB of logs"
                )
                asyncio.get_running_loop().create_task(self.kill(self._kill_reason))
        if self._kill_reason is not None:
            # Stop reading a flood from an instance being killed; it dies regardless.
            self._close_pipe(fd)
        return True

    def _drain(self) -> None:
        """Read what is already in the pipes: the runtime flushes its output before it sends
        a result, so this is the rest of that invocation's log."""
        for fd in list(self._pipes):
            # At most 4 MiB here; the event loop's reader callback takes any rest.
            for _ in range(64):
                if fd not in self._pipes or not self._read_output(fd):
                    break

    def _close_pipe(self, fd: int) -> None:
        if fd in self._pipes:
            self._pipes.remove(fd)
            asyncio.get_running_loop().remove_reader(fd)
            os.close(fd)

    async def _read_frames(self, reader: asyncio.StreamReader) -> None:
        # The instance's end (EOF, reset, a garbled frame) ends the loop; _ended says why.
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, ValueError):
            while True:
                head_len, body_len = wire.HEADER.unpack(await reader.readexactly(wire.HEADER.size))
                if head_len > wire.MAX_HEAD or body_len > self._settings.result_max_bytes:
                    limit = self._settings.result_max_bytes >> 20
                    reason = InvocationError(wire.RESULT_TOO_LARGE, f"the result is larger than {limit} MiB")
                    await self.kill(reason)
                    break
                raw = await reader.readexactly(head_len + body_len)
                head = wire.decode_head(raw[:head_len])
                self._drain()
                if head.get("type") == "ready" and self._ready is not None:
                    _resolve(self._ready, head)
                elif head.get("type") == "result":
                    pending = self._pending.get(str(head.get("request_id")))
                    if pending is not None:
                        _resolve(pending[0], (head, raw[head_len:]))
        await self._ended()

    async def _death_error(self) -> InvocationError:
        if self._kill_reason is not None:
            return self._kill_reason
        status = ExitStatus(None, None, False)
        if self._exited is not None:
            with contextlib.suppress(TimeoutError):
                status = await asyncio.wait_for(asyncio.shield(self._exited), _EXIT_WAIT_S)
        if self._kill_reason is not None:
            return self._kill_reason
        if status.oom:
            return InvocationError(
                wire.OUT_OF_MEMORY, f"the function exceeded its memory limit of {self.spec.memory_mb} MB"
            )
        return InvocationError(wire.EXITED_UNEXPECTEDLY, f"the instance {status.describe()}")

    async def _ended(self) -> None:
        """The socket closed: the process is ending. Fail what is pending, then tidy up."""
        error = await self._death_error()
        self.alive = False
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(InstanceFailure(error))
            self._ready.exception()
        for future, _ in self._pending.values():
            if not future.done():
                future.set_exception(InstanceFailure(error))
                future.exception()
        if self._exited is not None:
            await self._zygote.kill(self.id)
            await self._exited
        self._drain()
        for fd in list(self._pipes):
            self._close_pipe(fd)
        if self._writer is not None:
            self._writer.close()
        self._on_exit(self)

    @property
    def usable(self) -> bool:
        return self.alive and self._kill_reason is None

    async def kill(self, reason: InvocationError) -> None:
        """End the instance; its pending requests get ``reason``."""
        if self._kill_reason is None:
            self._kill_reason = reason
        await self._zygote.kill(self.id)

    async def wait_closed(self) -> None:
        if self._reader is not None:
            await asyncio.shield(self._reader)


def _resolve(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)
