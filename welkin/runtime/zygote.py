"""The fork server: one per runtime, started by the server as ``python -m welkin.runtime.zygote``.

It imports the runtime loop and the stdlib modules handlers commonly use once, so each instance
is a fork of an interpreter that is already warm. On its control socket (SOCK_SEQPACKET, its fd
number in argv, one JSON message per packet) it answers::

    <- {"type": "hello", "pid", "capabilities": {...}}             once, at start
    -> {"type": "spawn", "config": {...}}  + SCM_RIGHTS [instance socket, stdout, stderr]
    <- {"type": "spawned", "id", "pid"}  |  {"type": "spawn_failed", "id", "message"}
    -> {"type": "kill", "id"}
    <- {"type": "exited", "id", "pid", "exit_code", "signal", "oom"}

It keeps ``spares`` children forked ahead of time that have already done everything that does
not depend on the function (``sandbox.prepare``: the cgroup move, which waits for an RCU grace
period, the namespaces and the base of the root); a spawn hands one of them the function's
config and descriptors over its own socket, and forks a replacement afterwards, off the request
path. Without spares (or when they run out) the child does both phases itself.

When the control socket closes (the server stopped or died) it kills every instance, reaps them,
removes its cgroups and exits; it also dies with the server through PR_SET_PDEATHSIG.
"""

from __future__ import annotations

import array
import json
import os
import selectors
import signal
import socket
import sys
import traceback
from collections import deque
from dataclasses import dataclass
from typing import Any

from welkin.runtime import libc as sys_
from welkin.runtime import wire
from welkin.runtime.cgroups import CgroupBase
from welkin.runtime.context import FunctionInfo
from welkin.runtime.loop import HandlerLoop
from welkin.runtime.probe import enter_user_namespace, probe
from welkin.runtime.sandbox import (
    INSTANCE_FD,
    InstanceConfig,
    SandboxPlan,
    adopt_fds,
    assign,
    prepare,
    reset_signals,
)

MAX_MESSAGE = 1 << 20
# Imported here once so that no instance pays for them: what handlers commonly use.
WARM_MODULES = (
    "base64", "collections", "copy", "dataclasses", "datetime", "decimal", "functools", "hashlib",
    "hmac", "io", "itertools", "logging", "math", "random", "re", "string", "struct", "tempfile",
    "typing", "urllib.parse", "urllib.request", "uuid", "http.client", "email.utils",
)  # fmt: skip


def _receive(sock: socket.socket) -> tuple[dict[str, Any], list[int]] | None:
    """One JSON message and the descriptors passed with it; None at end of file."""
    fds = array.array("i")
    data, ancdata, _, _ = sock.recvmsg(MAX_MESSAGE, socket.CMSG_SPACE(3 * fds.itemsize))
    if not data:
        return None
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    return json.loads(data), list(fds)


def _child_main(
    plan: SandboxPlan, leaf: str, spare: socket.socket | None, spawn: tuple[dict[str, Any], list[int]] | None
) -> None:
    """A child's whole life: a spare (``spare`` set) or a direct spawn; never returns."""
    try:
        reset_signals()
        if spawn is None:
            assert spare is not None
            # A spare keeps only stdio and the socket its function will arrive on, prepares,
            # then waits.
            os.dup2(spare.fileno(), INSTANCE_FD)
            os.closerange(INSTANCE_FD + 1, 1 << 20)
            prepare(plan, leaf)
            received = _receive(socket.socket(fileno=INSTANCE_FD))
            if received is None:
                os._exit(0)
            config_json, fds = received
        else:
            config_json, fds = spawn
        adopt_fds(*fds)
        try:
            if spawn is not None:
                prepare(plan, leaf)
            config = InstanceConfig.from_json(config_json)
            sock = assign(plan, config, leaf)
        except BaseException as exc:
            # The instance socket is fd 3 by now: tell the server why the sandbox failed.
            error = {"code": wire.SANDBOX_ERROR, "type": type(exc).__name__, "message": str(exc),
                     "traceback": traceback.format_exc()}  # fmt: skip
            os.write(INSTANCE_FD, wire.encode({"type": "ready", "ok": False, "error": error}))
            raise
        loop = HandlerLoop(sock, FunctionInfo(**config.function), config.concurrency)
        loop.init(config.handler, config.initializer, config.initializer_timeout_s)
        loop.serve()
    finally:
        os._exit(70)


@dataclass
class _Child:
    pid: int
    leaf: str  # its cgroup leaf
    instance_id: str | None = None  # None while it is a spare
    spare_socket: socket.socket | None = None


class Zygote:
    def __init__(self, control: socket.socket, plan: SandboxPlan, own_pid_ns: int, spares: int) -> None:
        self._control = control
        self._plan = plan
        self._own_pid_ns = own_pid_ns
        self._spare_target = spares
        self._selector = selectors.DefaultSelector()
        self._children: dict[int, _Child] = {}  # pidfd -> child
        self._instances: dict[str, _Child] = {}
        self._spares: deque[_Child] = deque()
        self._forks = 0

    def _send(self, message: dict[str, Any]) -> None:
        self._control.send(json.dumps(message).encode())

    def serve(self) -> None:
        self._selector.register(self._control, selectors.EVENT_READ)
        for _ in range(self._spare_target):
            self._add_spare()
        while True:
            for key, _ in self._selector.select():
                if key.fileobj is self._control:
                    if not self._on_control():
                        self._shutdown()
                        return
                else:
                    self._on_exit(key.fd)

    def _on_control(self) -> bool:
        try:
            received = _receive(self._control)
        except ConnectionResetError:
            return False
        if received is None:
            return False
        message, fds = received
        if message["type"] == "spawn":
            self._spawn(message["config"], fds)
        elif message["type"] == "kill":
            child = self._instances.get(message["id"])
            if child is not None:
                os.kill(child.pid, signal.SIGKILL)
        return True

    def _fork(self, spare: socket.socket | None, spawn: tuple[dict[str, Any], list[int]] | None) -> _Child:
        lib, pid_ns = self._plan.lib, self._plan.caps.pid_namespace
        self._forks += 1
        leaf = f"i{self._forks}"
        # The child of the next fork is pid 1 of a fresh pid namespace: it cannot see or signal
        # any process but its own, and when it dies the kernel kills all it forked.
        if pid_ns:
            lib.unshare(sys_.CLONE_NEWPID)
        try:
            pid = os.fork()
            if pid == 0:
                _child_main(self._plan, leaf, spare, spawn)
        finally:
            if pid_ns:
                lib.setns(self._own_pid_ns, sys_.CLONE_NEWPID)
        child = _Child(pid, leaf)
        pidfd = os.pidfd_open(pid)
        self._children[pidfd] = child
        self._selector.register(pidfd, selectors.EVENT_READ)
        return child

    def _add_spare(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            child = self._fork(theirs, None)
        except OSError as exc:
            ours.close()
            sys.stderr.write(f"welkin zygote: cannot fork a spare instance: {exc}\n")
            return
        finally:
            theirs.close()
        child.spare_socket = ours
        self._spares.append(child)

    def _spawn(self, config: dict[str, Any], fds: list[int]) -> None:
        instance_id = str(config["instance_id"])
        child: _Child | None = None
        try:
            while self._spares and child is None:
                spare = self._spares.popleft()
                assert spare.spare_socket is not None
                try:
                    spare.spare_socket.sendmsg(
                        [json.dumps(config).encode()],
                        [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))],
                    )
                    child = spare
                except OSError:
                    pass  # a spare that died; its exit is reaped like any other
                spare.spare_socket.close()
                spare.spare_socket = None
            if child is None:
                child = self._fork(None, (config, fds))
        except OSError as exc:
            self._send({"type": "spawn_failed", "id": instance_id, "message": str(exc)})
            return
        finally:
            for fd in fds:
                os.close(fd)
        child.instance_id = instance_id
        self._instances[instance_id] = child
        self._send({"type": "spawned", "id": instance_id, "pid": child.pid})
        if len(self._spares) < self._spare_target:
            self._add_spare()

    def _on_exit(self, pidfd: int) -> None:
        self._selector.unregister(pidfd)
        os.close(pidfd)
        child = self._children.pop(pidfd)
        _, status = os.waitpid(child.pid, 0)
        oom = self._plan.cgroup.release(child.leaf) if self._plan.cgroup else False
        if child.instance_id is None:
            # A spare died before it was used (its reason is on stderr); do not fork another in
            # a loop: spawns fall back to forking directly.
            if child in self._spares:
                self._spares.remove(child)
            if child.spare_socket is not None:
                child.spare_socket.close()
            return
        del self._instances[child.instance_id]
        self._send(
            {
                "type": "exited",
                "id": child.instance_id,
                "pid": child.pid,
                "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                "oom": oom,
            }
        )

    def _shutdown(self) -> None:
        for child in self._children.values():
            os.kill(child.pid, signal.SIGKILL)
        for pidfd, child in list(self._children.items()):
            os.waitpid(child.pid, 0)
            os.close(pidfd)
            if self._plan.cgroup:
                self._plan.cgroup.release(child.leaf)


def main(argv: list[str]) -> None:
    root_dir, control_fd, tmp_mb, spares = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    lib = sys_.Libc()
    # Die with the server; the server also closes the control socket, which ends us cleanly.
    lib.prctl(sys_.PR_SET_PDEATHSIG, signal.SIGKILL)
    user_namespace = os.geteuid() != 0 and enter_user_namespace(lib)
    for name in WARM_MODULES:
        __import__(name)
    own_pid_ns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    cgroup = CgroupBase.create("welkin-zygote-")
    caps = probe(lib, own_pid_ns, root_dir, user_namespace, cgroup)
    plan = SandboxPlan.build(caps, lib, root_dir, cgroup, tmp_mb)
    control = socket.socket(fileno=control_fd)
    control.send(json.dumps({"type": "hello", "pid": os.getpid(), "capabilities": caps.to_json()}).encode())
    try:
        Zygote(control, plan, own_pid_ns, spares).serve()
    finally:
        if cgroup:
            cgroup.remove()


if __name__ == "__main__":
    main(sys.argv)
