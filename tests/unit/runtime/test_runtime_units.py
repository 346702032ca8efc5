"""The runtime's pure parts: framing, bounded log capture, the context, the start-up line."""

from __future__ import annotations

import socket
import time

from welkin.functions.logs import LogCapture
from welkin.runtime import wire
from welkin.runtime.context import Context, FunctionInfo
from welkin.runtime.probe import Capabilities


def test_frames_round_trip_over_a_socket() -> None:
    left, right = socket.socketpair()
    with left, right:
        left.sendall(wire.encode({"type": "invoke", "n": 1}, b"\x00body") + wire.encode({"type": "x"}))
        assert wire.recv_message(right) == ({"type": "invoke", "n": 1}, b"\x00body")
        assert wire.recv_message(right) == ({"type": "x"}, b"")
        left.close()
        assert wire.recv_message(right) is None


def test_log_capture_keeps_the_tail_and_counts_everything() -> None:
    capture = LogCapture(keep=10)
    for index in range(100):
        capture.append(f"{index:02d}|".encode())
    assert capture.total == 300
    assert capture.truncated
    assert len(capture.value()) == 10
    assert capture.value().endswith(b"99|")


def test_context_getters() -> None:
    info = FunctionInfo("urn:fss:r:p:function:pkg:f:1", "f", "1", "pkg", "p", 128, 1000, 3.0, {"k": "v"})
    context = Context(info, "req-1", time.monotonic() + 2, ("ak", "sk", "tok"))
    assert context.getRequestID() == context.aws_request_id == "req-1"
    assert 1500 < context.getRemainingTimeInMilliSeconds() <= 2000
    assert (context.getAccessKey(), context.getSecretKey(), context.getSecurityToken()) == ("ak", "sk", "tok")
    assert context.getUserData("k") == "v"
    assert context.getUserData("x") is None
    assert context.getUserData("x", "d") == "d"
    assert context.invoked_function_arn == info.urn
    assert context.memory_limit_in_mb == "128"


def test_the_start_up_line_names_what_is_not_enforced() -> None:
    caps = Capabilities(False, True, True, True, True, False, False, 0, ())
    line = caps.summary()
    enforced, missing = line.split("; NOT enforced: ")
    assert "pid namespace" in enforced
    assert "network namespace" in missing
    assert "per-instance unprivileged uid" in missing
    assert "RLIMIT_AS" in missing
    assert Capabilities.from_json(caps.to_json()) == caps
