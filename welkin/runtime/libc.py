"""The few Linux syscalls the sandbox needs that Python 3.11's ``os`` lacks, through ctypes."""

from __future__ import annotations

import ctypes
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

MNT_DETACH = 2

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38

_SYS_PIVOT_ROOT = 155  # x86_64; aarch64 is 41
_SYS_SETNS = 308  # x86_64; aarch64 is 268


class Libc:
    """libc loaded once (in the zygote, before any fork), so children pay nothing for it."""

    def __init__(self) -> None:
        self._lib = ctypes.CDLL(None, use_errno=True)
        machine = os.uname().machine
        self._pivot_root_nr = 41 if machine == "aarch64" else _SYS_PIVOT_ROOT
        self._setns_nr = 268 if machine == "aarch64" else _SYS_SETNS

    def _check(self, result: int, what: str) -> None:
        if result != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"{what}: {os.strerror(errno)}")

    def unshare(self, flags: int) -> None:
        self._check(self._lib.unshare(ctypes.c_int(flags)), "unshare")

    def setns(self, fd: int, nstype: int) -> None:
        self._check(self._lib.syscall(self._setns_nr, ctypes.c_int(fd), ctypes.c_int(nstype)), "setns")

    def mount(
        self, source: str | None, target: str, fstype: str | None, flags: int, data: str | None
    ) -> None:
        def enc(value: str | None) -> bytes | None:
            return None if value is None else os.fsencode(value)

        result = self._lib.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data))
        self._check(result, f"mount {target}")

    def umount2(self, target: str, flags: int) -> None:
        self._check(self._lib.umount2(os.fsencode(target), ctypes.c_int(flags)), f"umount {target}")

    def pivot_root(self, new_root: str, put_old: str) -> None:
        result = self._lib.syscall(self._pivot_root_nr, os.fsencode(new_root), os.fsencode(put_old))
        self._check(result, "pivot_root")

    def prctl(self, option: int, arg: int) -> None:
        result = self._lib.prctl(
            ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)
        )
        self._check(result, f"prctl {option}")
