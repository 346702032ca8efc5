"""Per-instance cgroups: a memory limit, a process cap and a CPU quota.

The zygote finds a writable hierarchy once (``CgroupBase.create``): cgroup v2 where its memory
controller can be delegated, else v1's memory/pids/cpu hierarchies. It makes one base group per
zygote under its own cgroup, so whatever limits the host put on Welkin still apply. A child
joins its own leaf (``join``, then ``limit``) before it drops root; the zygote reads whether the
kernel OOM-killed it and removes the leaf when it reaps the child (``release``).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

_V1_CONTROLLERS = ("memory", "pids", "cpu")
CPU_PERIOD_US = 100_000


def _write(path: str, value: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _mounts() -> list[tuple[str, str, set[str]]]:
    """(mount point, fs type, super options) of every cgroup mount."""
    found = []
    with open("/proc/self/mountinfo") as mountinfo:
        for line in mountinfo:
            fields = line.split()
            sep = fields.index("-")
            fstype, options = fields[sep + 1], set(fields[sep + 3].split(","))
            if fstype in ("cgroup", "cgroup2"):
                found.append((fields[4], fstype, options))
    return found


def _own_paths() -> dict[str, str]:
    """Controller (or "" for v2) -> this process's cgroup path."""
    paths = {}
    with open("/proc/self/cgroup") as cgroup:
        for line in cgroup:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                paths[controller] = path
    return paths


@dataclass(frozen=True)
class CgroupBase:
    version: int
    # Controller -> this zygote's base directory; for v2 one directory under the key "".
    bases: dict[str, str]

    @property
    def controllers(self) -> tuple[str, ...]:
        if self.version == 2:
            with open(os.path.join(self.bases[""], "cgroup.subtree_control")) as control:
                return tuple(sorted(set(control.read().split()) & set(_V1_CONTROLLERS)))
        return tuple(sorted(self.bases))

    @staticmethod
    def create(prefix: str) -> CgroupBase | None:
        """This zygote's base group ``{prefix}{pid}``, or None where no memory controller is
        writable. Groups left by zygotes that were killed (no clean-up) are removed first."""
        name = f"{prefix}{os.getpid()}"
        mounts = _mounts()
        own = _own_paths()
        for mount, fstype, _ in mounts:
            if fstype == "cgroup2" and "" in own:
                base = _create_v2(os.path.join(mount, own[""].lstrip("/")), name)
                if base is not None:
                    return base
        bases = {}
        for mount, fstype, options in mounts:
            for controller in _V1_CONTROLLERS:
                if fstype == "cgroup" and controller in options and controller in own:
                    parent = os.path.join(mount, own[controller].lstrip("/"))
                    _remove_stale(parent, prefix)
                    path = os.path.join(parent, name)
                    try:
                        os.makedirs(path, exist_ok=True)
                    except OSError:
                        continue
                    bases[controller] = path
        if "memory" not in bases:
            for path in bases.values():
                _rmdir(path)
            return None
        return CgroupBase(1, bases)

    def join(self, leaf_name: str) -> None:
        """Put the calling process in a fresh leaf (in the child, as root, before any limit).

        Moving a process between cgroups waits for an RCU grace period (milliseconds, and
        variable), which is why spare instances do this before they are needed.
        """
        for base in self.bases.values():
            leaf = os.path.join(base, leaf_name)
            os.mkdir(leaf)
            # "0" means the writer itself, which is all a process in a new pid namespace can say.
            _write(os.path.join(leaf, "cgroup.procs"), "0")

    def limit(self, leaf_name: str, memory_bytes: int, max_pids: int, cpu_millicores: int) -> None:
        """Set the leaf's limits; cheap, so it is done when the instance's function is known."""
        quota = f"{cpu_millicores * CPU_PERIOD_US // 1000}"
        if self.version == 2:
            leaf = os.path.join(self.bases[""], leaf_name)
            controllers = self.controllers
            _write(os.path.join(leaf, "memory.max"), str(memory_bytes))
            _try_write(os.path.join(leaf, "memory.swap.max"), "0")
            if "pids" in controllers:
                _write(os.path.join(leaf, "pids.max"), str(max_pids))
            if "cpu" in controllers:
                _write(os.path.join(leaf, "cpu.max"), f"{quota} {CPU_PERIOD_US}")
            return
        for controller, base in self.bases.items():
            leaf = os.path.join(base, leaf_name)
            if controller == "memory":
                _write(os.path.join(leaf, "memory.limit_in_bytes"), str(memory_bytes))
                # Without this, a host with swap would let the instance swap past its limit.
                _try_write(os.path.join(leaf, "memory.memsw.limit_in_bytes"), str(memory_bytes))
            elif controller == "pids":
                _write(os.path.join(leaf, "pids.max"), str(max_pids))
            elif controller == "cpu":
                _write(os.path.join(leaf, "cpu.cfs_period_us"), str(CPU_PERIOD_US))
                _write(os.path.join(leaf, "cpu.cfs_quota_us"), quota)

    def release(self, instance_id: str) -> bool:
        """Remove the leaf of a reaped child; True when the kernel OOM-killed something in it."""
        if self.version == 2:
            leaf = os.path.join(self.bases[""], instance_id)
            oom = _counter(os.path.join(leaf, "memory.events"), "oom_kill") > 0
            _rmdir(leaf)
            return oom
        oom = False
        for controller, base in self.bases.items():
            leaf = os.path.join(base, instance_id)
            if controller == "memory":
                oom = _counter(os.path.join(leaf, "memory.oom_control"), "oom_kill") > 0
            _rmdir(leaf)
        return oom

    def remove(self) -> None:
        for base in self.bases.values():
            if os.path.isdir(base):
                for leaf in os.listdir(base):
                    if os.path.isdir(os.path.join(base, leaf)):
                        _rmdir(os.path.join(base, leaf))
            _rmdir(base)


def _remove_stale(parent: str, prefix: str) -> None:
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        pid = name[len(prefix) :]
        if name.startswith(prefix) and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            CgroupBase(1, {"": os.path.join(parent, name)}).remove()


def _create_v2(own: str, name: str) -> CgroupBase | None:
    _remove_stale(own, name[: name.rindex("-") + 1])
    try:
        with open(os.path.join(own, "cgroup.controllers")) as available:
            if "memory" not in available.read().split():
                return None
        base = os.path.join(own, name)
        os.makedirs(base, exist_ok=True)
        for controller in _V1_CONTROLLERS:
            try:
                # Fails with EBUSY where our own group holds processes and is not the root ("no
                # internal processes"); then v1 or RLIMIT_AS is what is left.
                _write(os.path.join(own, "cgroup.subtree_control"), f"+{controller}")
                _write(os.path.join(base, "cgroup.subtree_control"), f"+{controller}")
            except OSError:
                if controller == "memory":
                    _rmdir(base)
                    return None
    except OSError:
        return None
    return CgroupBase(2, {"": base})


def _try_write(path: str, value: str) -> None:
    with contextlib.suppress(OSError):
        _write(path, value)


def _counter(path: str, key: str) -> int:
    with contextlib.suppress(OSError), open(path) as stats:
        for line in stats:
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    return 0


def _rmdir(path: str) -> None:
    with contextlib.suppress(OSError):
        os.rmdir(path)
