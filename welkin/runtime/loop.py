"""The handler loop, in the style of AWS Lambda's runtime client and OpenWhisk's launcher.

Init once (import ``module.function`` from the handler string, run the optional initializer),
report ``ready``, then loop: read a request frame, call ``handler(event, context)``, write a
result frame. Errors carry a stable code from ``wire``; tracebacks lose the runtime's own frames
so the user sees only their code.
"""

from __future__ import annotations

import importlib
import json
import os
import queue
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from welkin.runtime import wire
from welkin.runtime.context import Context, FunctionInfo

_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))


class InitError(Exception):
    def __init__(self, error: dict[str, str]) -> None:
        super().__init__(error["message"])
        self.error = error


def _user_traceback(exc: BaseException) -> str:
    """The traceback without the runtime's frames or importlib's machinery."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith(_RUNTIME_DIR) and not frame.filename.startswith("<frozen importlib")
    ]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.StackSummary.from_list(frames).format()
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)


def _error(code: str, exc: BaseException, message: str | None = None) -> dict[str, str]:
    return {
        "code": code,
        "type": type(exc).__name__,
        "message": message if message is not None else str(exc),
        "traceback": _user_traceback(exc),
    }


def _resolve(qualified: str, what: str) -> Callable[..., Any]:
    """Import ``module.function``; the two ways this fails have their own codes."""
    module_name, _, attr = qualified.rpartition(".")
    if not module_name or not attr:
        raise InitError(
            {
                "code": wire.HANDLER_NOT_FOUND,
                "type": "ValueError",
                "message": f"{what} {qualified!r} is not of the form module.function",
                "traceback": "",
            }
        )
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise InitError(
            _error(wire.IMPORT_MODULE_ERROR, exc, f"cannot import module {module_name!r}: {exc}")
        ) from exc
    function = getattr(module, attr, None)
    if not callable(function):
        raise InitError(
            {
                "code": wire.HANDLER_NOT_FOUND,
                "type": "AttributeError",
                "message": f"{what} {qualified!r}: module {module_name!r} has no function {attr!r}",
                "traceback": "",
            }
        )
    return function  # type: ignore[no-any-return]


def _encode_result(value: Any) -> tuple[str, bytes]:
    if isinstance(value, bytes | bytearray | memoryview):
        return "bytes", bytes(value)
    return "json", json.dumps(value).encode()


def _decode_event(body: bytes) -> Any:
    if not body:
        return {}
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


class HandlerLoop:
    def __init__(self, sock: socket.socket, info: FunctionInfo, concurrency: int) -> None:
        self._sock = sock
        self._info = info
        self._concurrency = concurrency
        self._send_lock = threading.Lock()
        self._pid = os.getpid()
        self._handler: Callable[..., Any] | None = None

    def _send(self, head: dict[str, Any], body: bytes = b"") -> None:
        # Flush first: the server treats what is in the pipes when the result arrives as this
        # invocation's log, so the log must be written before the result is.
        sys.stdout.flush()
        sys.stderr.flush()
        frame = wire.encode(head, body)
        with self._send_lock:
            self._sock.sendall(frame)

    def init(self, handler: str, initializer: str | None, initializer_timeout_s: float) -> None:
        started = time.monotonic()
        try:
            self._handler = _resolve(handler, "handler")
            if initializer:
                init = _resolve(initializer, "initializer")
                context = Context(self._info, "", started + initializer_timeout_s, ("", "", ""))
                try:
                    init(context)
                except Exception as exc:
                    raise InitError(_error(wire.INITIALIZER_ERROR, exc)) from exc
        except InitError as exc:
            self._send({"type": "ready", "ok": False, "error": exc.error})
            os._exit(0)
        self._send({"type": "ready", "ok": True, "init_ms": (time.monotonic() - started) * 1000})

    def _invoke(self, head: dict[str, Any], body: bytes) -> None:
        request_id = str(head["request_id"])
        deadline = time.monotonic() + float(head["remaining_ms"]) / 1000
        credentials = (str(head["access_key"]), str(head["secret_key"]), str(head["security_token"]))
        context = Context(self._info, request_id, deadline, credentials)
        reply: dict[str, Any] = {"type": "result", "request_id": request_id}
        out = b""
        fatal = False
        assert self._handler is not None
        try:
            value = self._handler(_decode_event(body), context)
            try:
                reply["encoding"], out = _encode_result(value)
                reply["ok"] = True
            except (TypeError, ValueError) as exc:
                reply.update(ok=False, error=_error(wire.RESULT_NOT_SERIALIZABLE, exc))
        except MemoryError as exc:
            # The heap may be in any state now: report, then end the instance.
            reply.update(ok=False, error=_error(wire.OUT_OF_MEMORY, exc, "the function ran out of memory"))
            fatal = True
        except BaseException as exc:
            reply.update(ok=False, error=_error(wire.USER_CODE_ERROR, exc))
            fatal = isinstance(exc, SystemExit | KeyboardInterrupt)
        if os.getpid() != self._pid:
            # A process the user forked returned out of the handler: it must never answer on the
            # instance's socket, which it shares.
            os._exit(0)
        self._send(reply, out)
        if fatal:
            os._exit(1)

    def _reap_orphans(self) -> None:
        # As pid 1 of its namespace the instance inherits every orphan the user leaves behind.
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return

    def serve(self) -> None:
        """Serve until the server closes the socket; never returns."""
        work: queue.Queue[tuple[dict[str, Any], bytes]] = queue.Queue()
        if self._concurrency > 1:
            for _ in range(self._concurrency):
                threading.Thread(target=self._worker, args=(work,), daemon=True).start()
        while True:
            message = wire.recv_message(self._sock)
            if message is None:
                os._exit(0)
            head, body = message
            if head.get("type") != "invoke":
                continue
            if self._concurrency > 1:
                work.put((head, body))
                continue
            self._invoke(head, body)
            if self._pid == 1:
                self._reap_orphans()

    def _worker(self, work: queue.Queue[tuple[dict[str, Any], bytes]]) -> None:
        while True:
            head, body = work.get()
            self._invoke(head, body)
