"""What a freshly forked child does before any user code runs.

``SandboxPlan`` is computed once per zygote (which paths the interpreter needs, which kernel
features work). A child then runs two phases, in the order the comments number:

- ``prepare``: everything that does not depend on the function (the cgroup, the namespaces, the
  base of the new root). A spare instance does this ahead of time, off the request path.
- ``assign``: the function's part (limits, its code, no network if asked), then the points of
  no return: pivot_root, rlimits, the uid, no_new_privs.

The order matters: the cgroup is joined while still root, the filesystem is rebuilt while mounts
are still allowed, and privileges go last, after which nothing can be undone.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import sys
import sysconfig
from dataclasses import dataclass
from typing import Any

from welkin.runtime import libc as sys_
from welkin.runtime.cgroups import CgroupBase
from welkin.runtime.probe import Capabilities

CODE_ROOT = "/opt/function/code"
DEPS_ROOT = "/opt/function/deps"
INSTANCE_FD = 3
_DEVICES = ("null", "zero", "urandom", "random")
_SHARED_LIBS = ("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib")
_NETWORK_FILES = ("/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/ssl/certs")


@dataclass(frozen=True)
class InstanceConfig:
    """One spawn request, as the server sends it (see ``welkin.functions.zygotes``)."""

    instance_id: str
    uid: int
    code_dir: str
    deps_dir: str | None
    network: bool
    memory_mb: int
    cpu_millicores: int
    max_pids: int
    max_open_files: int
    environment: dict[str, str]
    handler: str
    initializer: str | None
    initializer_timeout_s: float
    concurrency: int
    function: dict[str, Any]

    @staticmethod
    def from_json(data: dict[str, Any]) -> InstanceConfig:
        return InstanceConfig(**data)


@dataclass(frozen=True)
class SandboxPlan:
    caps: Capabilities
    lib: sys_.Libc
    root_dir: str  # an empty directory; each child mounts its own tmpfs root over it
    cgroup: CgroupBase | None
    read_only: tuple[str, ...]  # host paths bound read-only at the same path inside
    symlinks: tuple[tuple[str, str], ...]  # (path, target), for merged-/usr hosts
    stdlib_path: tuple[str, ...]
    tmp_mb: int  # the size of every instance's /tmp (and its RLIMIT_FSIZE)

    @staticmethod
    def build(
        caps: Capabilities, lib: sys_.Libc, root_dir: str, cgroup: CgroupBase | None, tmp_mb: int
    ) -> SandboxPlan:
        runtime_dir = os.path.dirname(os.path.abspath(__file__))
        binds, links = [os.path.realpath(sys.base_prefix), runtime_dir], []
        for path in _SHARED_LIBS:
            if os.path.islink(path):
                links.append((path, os.readlink(path)))
            elif os.path.isdir(path):
                binds.append(path)
        stdlib = tuple(
            p for p in sys.path if p.startswith(sys.base_prefix) and not p.endswith("site-packages")
        )
        paths = sysconfig.get_paths()
        stdlib = stdlib or (paths["stdlib"], paths["platstdlib"])
        return SandboxPlan(caps, lib, root_dir, cgroup, tuple(binds), tuple(links), stdlib, tmp_mb)


def _bind(lib: sys_.Libc, source: str, target: str, flags: int = 0) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    lib.mount(source, target, None, sys_.MS_BIND | sys_.MS_REC, None)
    # A bind mount takes its read-only flag only from a remount.
    lib.mount(
        None, target, None, sys_.MS_BIND | sys_.MS_REMOUNT | sys_.MS_RDONLY | sys_.MS_NOSUID | flags, None
    )


def _build_base_root(plan: SandboxPlan) -> None:
    lib, root = plan.lib, plan.root_dir
    # (a) Nothing mounted from here on may propagate back to the host's mount table.
    lib.mount(None, "/", None, sys_.MS_REC | sys_.MS_PRIVATE, None)
    # (b) A tmpfs root of our own; it becomes read-only in (h) once its mount points exist.
    lib.mount("tmpfs", root, "tmpfs", sys_.MS_NOSUID, "size=1m,mode=0755")
    # (c) A private /tmp whose size is capped by tmpfs itself. Mounted before the binds below:
    # when Welkin itself is installed under /tmp, its runtime is bound inside this tmpfs
    # instead of being hidden by it.
    tmp = root + "/tmp"  # noqa: S108 - the sandbox's own, a fresh tmpfs
    os.makedirs(tmp)
    lib.mount("tmpfs", tmp, "tmpfs", sys_.MS_NOSUID | sys_.MS_NODEV, f"size={plan.tmp_mb}m,mode=1777")
    # (d) Only what the interpreter needs, read-only: its prefix (stdlib), shared libraries and
    # welkin/runtime alone. The data dir, the database and the rest of welkin are not there.
    for path in plan.read_only:
        _bind(lib, path, root + path, sys_.MS_NODEV)
    for path, target in plan.symlinks:
        os.symlink(target, root + path)
    # (e) A minimal /dev: four character devices bound from the host, nothing else.
    for name in _DEVICES:
        _bind(lib, f"/dev/{name}", f"{root}/dev/{name}")
    for name, fd in (("stdin", 0), ("stdout", 1), ("stderr", 2)):
        os.symlink(f"/proc/self/fd/{fd}", f"{root}/dev/{name}")
    os.symlink("/proc/self/fd", f"{root}/dev/fd")
    os.makedirs(root + "/proc")


def _finish_root(plan: SandboxPlan, config: InstanceConfig) -> None:
    lib, root = plan.lib, plan.root_dir
    # (f) The function's code and dependency layer at fixed paths, read-only.
    _bind(lib, config.code_dir, root + CODE_ROOT, sys_.MS_NODEV)
    if config.deps_dir:
        _bind(lib, config.deps_dir, root + DEPS_ROOT, sys_.MS_NODEV)
    if config.network:
        for path in _NETWORK_FILES:
            if os.path.exists(path):
                _bind(lib, os.path.realpath(path), root + path, sys_.MS_NODEV)
    # (g) Swap roots and drop the old one entirely: pivot_root(".", ".") stacks the old root on
    # top of the new one, and the lazy unmount detaches it, so no path leads back to the host.
    os.chdir(root)
    lib.pivot_root(".", ".")
    lib.umount2(".", sys_.MNT_DETACH)
    os.chdir("/")
    # (h) A /proc of our own pid namespace (only our processes), then freeze the root.
    if plan.caps.pid_namespace:
        lib.mount("proc", "/proc", "proc", sys_.MS_NOSUID | sys_.MS_NODEV | sys_.MS_NOEXEC, None)
    lib.mount(None, "/", None, sys_.MS_REMOUNT | sys_.MS_RDONLY | sys_.MS_NOSUID, None)


def reset_signals() -> None:
    """Step 1: plain signal dispositions; the zygote's mean nothing in an instance."""
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)


def adopt_fds(instance: int, stdout: int, stderr: int) -> None:
    """Step 2: stdio become the server's log pipes and the instance socket is fd 3; every other
    descriptor the zygote held (its control socket, its selector, other instances' pipes in
    flight) is closed, before anything can leak one into user code. close_range(2) makes the
    closing one syscall."""
    devnull = os.open("/dev/null", os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(stdout, 1)
    os.dup2(stderr, 2)
    os.dup2(instance, INSTANCE_FD)
    os.closerange(INSTANCE_FD + 1, 1 << 20)


def prepare(plan: SandboxPlan, leaf: str) -> None:
    """Steps 3-5, which do not depend on the function (run by spares ahead of time)."""
    caps, lib = plan.caps, plan.lib
    # 3. The cgroup, joined while still root and before the instance allocates anything.
    if plan.cgroup is not None:
        plan.cgroup.join(leaf)
    # 4. Namespaces. The pid namespace was entered by the zygote's fork (this process is pid 1
    # in it); mount, ipc and uts are unshared here, net in ``assign`` if the function wants none.
    flags = 0
    for wanted, flag in (
        (caps.mount_namespace, sys_.CLONE_NEWNS),
        (caps.ipc_namespace, sys_.CLONE_NEWIPC),
        (caps.uts_namespace, sys_.CLONE_NEWUTS),
    ):
        if wanted:
            flags |= flag
    if flags:
        lib.unshare(flags)
    if caps.uts_namespace:
        socket.sethostname("welkin-fn")
    # 5. The function-independent part of the new root (without a mount namespace the instance
    # sees the host's filesystem, which the start-up line has said).
    if caps.mount_namespace:
        _build_base_root(plan)


def assign(plan: SandboxPlan, config: InstanceConfig, leaf: str) -> socket.socket:
    """Steps 6-12: make the prepared process this function's instance; returns its socket."""
    caps, lib = plan.caps, plan.lib
    # 6. This function's limits on the cgroup joined in step 3.
    if plan.cgroup is not None:
        plan.cgroup.limit(leaf, config.memory_mb << 20, config.max_pids, config.cpu_millicores)
    # 7. No network at all (only a loopback that is down) where the function asks for none.
    if caps.net_namespace and not config.network:
        lib.unshare(sys_.CLONE_NEWNET)
    # 8. Code, dependencies, pivot_root, /proc, read-only root.
    if caps.mount_namespace:
        _finish_root(plan, config)
        code, deps = CODE_ROOT, DEPS_ROOT if config.deps_dir else None
    else:
        code, deps = config.code_dir, config.deps_dir
    # 9. Resource limits, set while root so the hard limits can be lowered for good.
    limits = [
        (resource.RLIMIT_NPROC, config.max_pids),
        (resource.RLIMIT_NOFILE, config.max_open_files),
        (resource.RLIMIT_FSIZE, plan.tmp_mb << 20),
        (resource.RLIMIT_CORE, 0),
    ]
    if plan.cgroup is None:
        # Address space is a poor stand-in for resident memory, but it is what is left.
        limits.append((resource.RLIMIT_AS, (config.memory_mb + 64) << 20))
    for limit, value in limits:
        resource.setrlimit(limit, (value, value))
    # 10. Drop privileges: supplementary groups, then gid, then uid (after which the others
    # cannot be changed). The uid is the instance's own, so RLIMIT_NPROC counts only it.
    if caps.uid_drop:
        os.setgroups([])
        os.setresgid(config.uid, config.uid, config.uid)
        os.setresuid(config.uid, config.uid, config.uid)
    # 11. After the uid change, which clears it: die with the zygote. And no setuid binary or
    # file capability can ever give privileges back.
    lib.prctl(sys_.PR_SET_PDEATHSIG, signal.SIGKILL)
    lib.prctl(sys_.PR_SET_NO_NEW_PRIVS, 1)
    # 12. The documented static environment only; the server's own is gone.
    os.environ.clear()
    os.environ.update(config.environment)
    os.chdir(code)
    sys.path[:] = [code, *([deps] if deps else []), *plan.stdlib_path]
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    return socket.socket(fileno=INSTANCE_FD)
