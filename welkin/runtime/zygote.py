"""The fork server: one per runtime, started by the server as ``python -m welkin.runtime.zygote``.

It imports the runtime loop and the stdlib modules handlers commonly use once, so each instance
is a fork of an interpreter that is already warm. On its control socket (SOCK_SEQPACKET, its fd
number in argv, one JSON message per packet) it answers::

    <- {"type": "hello", "pid", "capabilities": {...}}             once, at start
    -> {"type": "spawn", "config": {...}}  + SCM_RIGHTS [instance socket, stdout, stderr]
    <- {"type": "spawned", "id", "pid"}  |  {"type": "spawn_failed", "id", "message"}
    -> {"type": "kill", "id"}
    <- {"type": "exited", "id", "pid", "exit_code", "signal", "oom"}

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
from typing import Any

from welkin.runtime import libc as sys_
from welkin.runtime import wire
from welkin.runtime.cgroups import CgroupBase
from welkin.runtime.context import FunctionInfo
from welkin.runtime.loop import HandlerLoop
from welkin.runtime.probe import enter_user_namespace, probe
from welkin.runtime.sandbox import INSTANCE_FD, InstanceConfig, SandboxPlan, adopt_fds, enter

MAX_MESSAGE = 1 << 20
# Imported here once so that no instance pays for them: what handlers commonly use.
WARM_MODULES = (
    "base64", "collections", "copy", "dataclasses", "datetime", "decimal", "functools", "hashlib",
    "hmac", "io", "itertools", "logging", "math", "random", "re", "string", "struct", "tempfile",
    "typing", "urllib.parse", "urllib.request", "uuid", "http.client", "email.utils",
)  # fmt: skip


def _run_instance(plan: SandboxPlan, config: InstanceConfig, fds: list[int]) -> None:
    """The child's whole life; it must never return into the zygote's loop."""
    code = 70
    try:
        adopt_fds(*fds)
        try:
            sock = enter(plan, config)
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
        os._exit(code)


class Zygote:
    def __init__(self, control: socket.socket, plan: SandboxPlan, own_pid_ns: int) -> None:
        self._control = control
        self._plan = plan
        self._own_pid_ns = own_pid_ns
        self._selector = selectors.DefaultSelector()
        self._children: dict[int, tuple[str, int]] = {}  # pidfd -> (instance id, pid)
        self._pids: dict[str, int] = {}

    def _send(self, message: dict[str, Any]) -> None:
        self._control.send(json.dumps(message).encode())

    def serve(self) -> None:
        self._selector.register(self._control, selectors.EVENT_READ)
        while True:
            for key, _ in self._selector.select():
                if key.fileobj is self._control:
                    if not self._on_control():
                        self._shutdown()
                        return
                else:
                    self._on_exit(key.fd)

    def _on_control(self) -> bool:
        fds = array.array("i")
        try:
            data, ancdata, _, _ = self._control.recvmsg(MAX_MESSAGE, socket.CMSG_SPACE(3 * fds.itemsize))
        except ConnectionResetError:
            return False
        if not data:
            return False
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
        message = json.loads(data)
        if message["type"] == "spawn":
            self._spawn(InstanceConfig.from_json(message["config"]), list(fds))
        elif message["type"] == "kill":
            pid = self._pids.get(message["id"])
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
        return True

    def _spawn(self, config: InstanceConfig, fds: list[int]) -> None:
        lib, pid_ns = self._plan.lib, self._plan.caps.pid_namespace
        try:
            # The child of the next fork is pid 1 of a fresh pid namespace: it cannot see or
            # signal any process but its own, and when it dies the kernel kills all it forked.
            if pid_ns:
                lib.unshare(sys_.CLONE_NEWPID)
            try:
                pid = os.fork()
                if pid == 0:
                    _run_instance(self._plan, config, fds)
            finally:
                if pid_ns:
                    lib.setns(self._own_pid_ns, sys_.CLONE_NEWPID)
        except OSError as exc:
            self._send({"type": "spawn_failed", "id": config.instance_id, "message": str(exc)})
            return
        finally:
            for fd in fds:
                os.close(fd)
        pidfd = os.pidfd_open(pid)
        self._children[pidfd] = (config.instance_id, pid)
        self._pids[config.instance_id] = pid
        self._selector.register(pidfd, selectors.EVENT_READ)
        self._send({"type": "spawned", "id": config.instance_id, "pid": pid})

    def _on_exit(self, pidfd: int) -> None:
        self._selector.unregister(pidfd)
        os.close(pidfd)
        instance_id, pid = self._children.pop(pidfd)
        del self._pids[instance_id]
        _, status = os.waitpid(pid, 0)
        oom = self._plan.cgroup.release(instance_id) if self._plan.cgroup else False
        self._send(
            {
                "type": "exited",
                "id": instance_id,
                "pid": pid,
                "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                "oom": oom,
            }
        )

    def _shutdown(self) -> None:
        for _, pid in self._children.values():
            os.kill(pid, signal.SIGKILL)
        for pidfd, (instance_id, pid) in list(self._children.items()):
            os.waitpid(pid, 0)
            os.close(pidfd)
            if self._plan.cgroup:
                self._plan.cgroup.release(instance_id)
        if self._plan.cgroup:
            self._plan.cgroup.remove()


def main(argv: list[str]) -> None:
    root_dir, control_fd = argv[1], int(argv[2])
    lib = sys_.Libc()
    # Die with the server; the server also closes the control socket, which ends us cleanly.
    lib.prctl(sys_.PR_SET_PDEATHSIG, signal.SIGKILL)
    user_namespace = os.geteuid() != 0 and enter_user_namespace(lib)
    for name in WARM_MODULES:
        __import__(name)
    own_pid_ns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    cgroup = CgroupBase.create(f"welkin-zygote-{os.getpid()}")
    caps = probe(lib, own_pid_ns, root_dir, user_namespace, cgroup)
    plan = SandboxPlan.build(caps, lib, root_dir, cgroup)
    control = socket.socket(fileno=control_fd)
    control.send(json.dumps({"type": "hello", "pid": os.getpid(), "capabilities": caps.to_json()}).encode())
    try:
        Zygote(control, plan, own_pid_ns).serve()
    finally:
        if cgroup:
            cgroup.remove()


if __name__ == "__main__":
    main(sys.argv)
