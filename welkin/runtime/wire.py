"""The instance socket's framing, and the error codes an invocation can end with.

Every message, in either direction, is one frame::

    !II (head length, body length) | head: UTF-8 JSON object | body: raw bytes

The head carries the small typed fields; the body carries the event or the result as the bytes
they are, so a 6 MB event is never JSON-escaped. Results travel only here; stdout and stderr are
logs.

Server -> instance:  {"type": "invoke", "request_id", "remaining_ms", "access_key",
                      "secret_key", "security_token"} + event bytes
Instance -> server:  {"type": "ready", "ok": true, "init_ms"}  once, after init
                     {"type": "ready", "ok": false, "error": {...}}  init failed; the instance exits
                     {"type": "result", "request_id", "ok": true} + result bytes
                     {"type": "result", "request_id", "ok": false, "error": {...}}
An error is {"code", "type", "message", "traceback"}; ``code`` is one of the names below.
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

HEADER = struct.Struct("!II")
MAX_HEAD = 1 << 20

# Raised inside the instance.
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
USER_CODE_ERROR = "Runtime.UserCodeError"
INITIALIZER_ERROR = "Runtime.InitializerError"
RESULT_NOT_SERIALIZABLE = "Runtime.ResultNotSerializable"
# Decided by the server, which watches the instance from outside.
TIMEOUT = "Runtime.Timeout"
OUT_OF_MEMORY = "Runtime.OutOfMemory"
OUTPUT_TOO_LARGE = "Runtime.OutputTooLarge"
RESULT_TOO_LARGE = "Runtime.ResultTooLarge"
EXITED_UNEXPECTEDLY = "Runtime.ExitedUnexpectedly"
SANDBOX_ERROR = "Runtime.SandboxError"


def encode(head: dict[str, Any], body: bytes = b"") -> bytes:
    head_bytes = json.dumps(head, separators=(",", ":")).encode()
    return HEADER.pack(len(head_bytes), len(body)) + head_bytes + body


def decode_head(raw: bytes) -> dict[str, Any]:
    head = json.loads(raw)
    if not isinstance(head, dict):
        raise ValueError("frame head is not a JSON object")
    return head


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(min(size - len(chunks), 1 << 20))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def recv_message(sock: socket.socket) -> tuple[dict[str, Any], bytes] | None:
    """Read one frame with a blocking socket; None when the peer has closed it."""
    header = _recv_exactly(sock, HEADER.size)
    if header is None:
        return None
    head_len, body_len = HEADER.unpack(header)
    if head_len > MAX_HEAD:
        raise ValueError("frame head too large")
    raw = _recv_exactly(sock, head_len + body_len)
    if raw is None:
        return None
    return decode_head(raw[:head_len]), raw[head_len:]
