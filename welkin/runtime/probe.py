"""What this kernel lets the zygote enforce, found once at start-up by trying it.

The server logs the result as one line, so an operator sees what is and is not enforced.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import asdict, dataclass
from typing import Any

from welkin.runtime import libc as sys_
from welkin.runtime.cgroups import CgroupBase

_CHILD_CHECKS = (
    ("mount_namespace", sys_.CLONE_NEWNS),
    ("ipc_namespace", sys_.CLONE_NEWIPC),
    ("uts_namespace", sys_.CLONE_NEWUTS),
    ("net_namespace", sys_.CLONE_NEWNET),
)


@dataclass(frozen=True)
class Capabilities:
    user_namespace: bool  # not root on the host: the zygote made itself root of its own user ns
    pid_namespace: bool
    mount_namespace: bool  # and with it the minimal read-only root
    ipc_namespace: bool
    uts_namespace: bool
    net_namespace: bool
    uid_drop: bool  # each instance runs as its own unprivileged uid
    cgroup_version: int  # 0 where no memory controller is writable: RLIMIT_AS instead
    cgroup_controllers: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(data: dict[str, Any]) -> Capabilities:
        return Capabilities(**{**data, "cgroup_controllers": tuple(data["cgroup_controllers"])})

    def summary(self) -> str:
        """One log line: what is enforced and what is not."""
        names = {
            "pid_namespace": "pid namespace",
            "mount_namespace": "mount namespace with a read-only minimal root",
            "ipc_namespace": "ipc namespace",
            "uts_namespace": "uts namespace",
            "net_namespace": "network namespace (functions without network)",
            "uid_drop": "per-instance unprivileged uid",
        }
        flags = self.to_json()
        enforced = [text for key, text in names.items() if flags[key]]
        missing = [text for key, text in names.items() if not flags[key]]
        if self.cgroup_version:
            enforced.append(f"cgroup v{self.cgroup_version} ({', '.join(self.cgroup_controllers)})")
        else:
            missing.append("cgroup memory/pids/cpu limits (RLIMIT_AS instead)")
        enforced += ["rlimits", "closed inherited fds", "no_new_privs", "wall-clock timeout"]
        return f"enforced: {', '.join(enforced)}; NOT enforced: {', '.join(missing) or 'nothing'}"


def enter_user_namespace(lib: sys_.Libc) -> bool:
    """Where the zygote is not root, become root of a new user namespace mapping our own uid.

    That is the unprivileged way to the other namespaces; instances then all run as that one
    host uid (no uid of their own), which the summary line says.
    """
    uid, gid = os.getuid(), os.getgid()
    try:
        lib.unshare(sys_.CLONE_NEWUSER)
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"0 {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"0 {gid} 1")
    except OSError:
        return False
    return True


def _probe_pid_namespace(lib: sys_.Libc, own_pid_ns: int) -> bool:
    try:
        lib.unshare(sys_.CLONE_NEWPID)
    except OSError:
        return False
    pid = os.fork()
    if pid == 0:
        os._exit(0 if os.getpid() == 1 else 1)
    try:
        # The zygote must be able to return to its own namespace after each fork.
        lib.setns(own_pid_ns, sys_.CLONE_NEWPID)
        ok = True
    except OSError:
        ok = False
    _, status = os.waitpid(pid, 0)
    return ok and os.waitstatus_to_exitcode(status) == 0


def _probe_in_child(lib: sys_.Libc, root_dir: str) -> dict[str, bool]:
    """Try each namespace (and a tmpfs root) in a throw-away child; it answers in its exit code."""
    pid = os.fork()
    if pid == 0:
        bits = 0
        for index, (_, flag) in enumerate(_CHILD_CHECKS):
            with contextlib.suppress(OSError):  # refused: that bit stays 0
                lib.unshare(flag)
                if flag == sys_.CLONE_NEWNS:
                    lib.mount(None, "/", None, sys_.MS_REC | sys_.MS_PRIVATE, None)
                    lib.mount("tmpfs", root_dir, "tmpfs", 0, "size=64k")
                bits |= 1 << index
        os._exit(bits)
    _, status = os.waitpid(pid, 0)
    bits = os.waitstatus_to_exitcode(status)
    return {name: bool(bits & (1 << index)) for index, (name, _) in enumerate(_CHILD_CHECKS)}


def probe(
    lib: sys_.Libc, own_pid_ns: int, root_dir: str, user_namespace: bool, cgroup: CgroupBase | None
) -> Capabilities:
    return Capabilities(
        user_namespace=user_namespace,
        pid_namespace=_probe_pid_namespace(lib, own_pid_ns),
        uid_drop=os.geteuid() == 0 and not user_namespace,
        cgroup_version=cgroup.version if cgroup else 0,
        cgroup_controllers=cgroup.controllers if cgroup else (),
        **_probe_in_child(lib, root_dir),
    )
