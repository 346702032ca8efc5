"""The pool's interface values: what to run, one request to it, and what came of it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from welkin.core.errors import InvalidArgument


@dataclass(frozen=True)
class InstanceSpec:
    """Everything that shapes an instance. Instances are reused only for an equal spec, so a
    changed configuration or code directory gets fresh instances.

    ``code_dir`` and ``deps_dir`` are mounted read-only into the sandbox, where the instance runs
    as an unprivileged uid: they must be readable by others (directories o+rx, files o+r).
    ``deps_dir`` is put on ``sys.path`` after the code (a ``pip install --target`` layout).
    """

    function_urn: str  # urn:fss:{region}:{project_id}:function:{package}:{name}[:{version}]
    version: str
    runtime: str  # "Python3.11", ...
    code_dir: Path
    handler: str  # "index.handler"
    deps_dir: Path | None = None
    initializer: str | None = None  # "index.init", run once per instance
    initializer_timeout_s: float = 30.0
    memory_mb: int = 128
    timeout_s: float = 3.0
    environment: dict[str, str] = field(default_factory=dict)  # user_data
    network: bool = True
    concurrency: int = 1  # requests one instance serves at a time
    max_instances: int = 100

    def __post_init__(self) -> None:
        parts = self.function_urn.split(":")
        if len(parts) < 7 or parts[:2] != ["urn", "fss"] or parts[4] != "function":
            raise InvalidArgument(f"not a function URN: {self.function_urn!r}")
        if self.memory_mb < 64 or self.timeout_s <= 0 or self.concurrency < 1 or self.max_instances < 1:
            raise InvalidArgument("memory_mb >= 64, timeout_s > 0, concurrency >= 1, max_instances >= 1")

    @property
    def project_id(self) -> str:
        return self.function_urn.split(":")[3]

    @property
    def package(self) -> str:
        return self.function_urn.split(":")[5]

    @property
    def name(self) -> str:
        return self.function_urn.split(":")[6]

    @property
    def cpu_millicores(self) -> int:
        # CPU grows with memory as on FunctionGraph, but never below one core: a quota under one
        # core would throttle every cold start's imports. Never above the machine either.
        return min((os.cpu_count() or 1) * 1000, max(1000, self.memory_mb * 1000 // 1024))


@dataclass(frozen=True)
class Invocation:
    request_id: str
    event: bytes  # JSON, as the client sent it
    access_key: str = ""  # temporary credentials from the function's agency
    secret_key: str = ""
    security_token: str = ""


@dataclass(frozen=True)
class InvocationError:
    code: str  # a stable Runtime.* code (welkin.runtime.wire)
    message: str
    type: str = ""  # the user's exception type, for Runtime.UserCodeError
    traceback: str = ""  # the user's frames only


@dataclass(frozen=True)
class InvocationResult:
    request_id: str
    error: InvocationError | None  # None: the handler returned
    body: bytes  # the handler's return value: JSON, or raw bytes (body_encoding "bytes")
    body_encoding: str
    log: bytes  # stdout and stderr (and the init's, on a cold start), the last log_keep_bytes
    log_truncated: bool
    duration_ms: float  # request sent to result received
    init_duration_ms: float | None  # spawn to ready, on a cold start
    cold_start: bool
    billed_memory_mb: int
    instance_id: str
    pid: int  # the instance's pid on the host; the same pid on a warm start

    @property
    def ok(self) -> bool:
        return self.error is None

    def log_tail(self, size: int = 4096) -> bytes:
        """What X-Cff-Log-Type: tail returns."""
        return self.log[-size:]


@dataclass(frozen=True)
class PoolSettings:
    work_dir: Path  # private to the pool; holds the sandboxes' (empty) root mount point
    keep_alive_s: float = 600.0  # an idle instance is reaped after this long
    queue_wait_s: float = 1.0  # how long a request waits for a free instance before 429
    max_total_instances: int = 512
    init_timeout_s: float = 30.0  # for importing the handler when there is no initializer
    log_keep_bytes: int = 4 << 20  # per invocation, the tail kept
    output_cap_bytes: int = 64 << 20  # per invocation; beyond it the instance is killed
    result_max_bytes: int = 6 << 20
    tmp_mb: int = 512
    # Per runtime, children forked and half-sandboxed ahead of time, so a cold start skips the
    # cgroup move (an RCU grace period, milliseconds) and most of the mounts.
    spare_instances: int = 2
    max_pids: int = 64  # processes and threads per instance
    max_open_files: int = 1024
    uid_base: int = 200_000  # instance uids are uid_base .. uid_base + max_total_instances - 1
    endpoint: str = ""  # Welkin's URL as seen from inside a sandbox (WELKIN_ENDPOINT)
    region: str = "local-1"
