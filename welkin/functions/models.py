"""FunctionGraph's domain values: plain frozen dataclasses, no database or HTTP types."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

LATEST = "latest"


class CodeType(enum.Enum):
    """How the code of a revision arrived (``code_type`` on the wire)."""

    INLINE = "inline"
    ZIP = "zip"
    OBS = "obs"


@dataclass(frozen=True)
class CodeRevision:
    """One code package, stored once by its SHA-256 whatever function uses it."""

    sha256: str
    sha512: str  # FunctionGraph's ``digest``
    size: int
    unpacked_size: int


@dataclass(frozen=True)
class FunctionConfig:
    """Everything a version snapshots: the code reference and the configuration."""

    runtime: str
    handler: str
    memory_size: int
    timeout: int
    user_data: str  # JSON object text, "" when none
    encrypted_user_data: str  # sealed by the data dir keyring, "" when none
    initializer_handler: str
    initializer_timeout: int
    max_instance_num: int  # -1: unlimited, 0: disabled
    concurrent_num: int  # requests one instance serves at a time
    disable_public_network: bool  # no network at all: its own namespace, loopback down
    xrole: str
    app_xrole: str
    description: str
    code_type: CodeType
    code_url: str
    code_filename: str
    code: CodeRevision
    last_modified: datetime


@dataclass(frozen=True)
class Function:
    """A function and its mutable head (``latest``)."""

    id: str
    account_id: str
    project_id: str
    package: str
    name: str
    created_at: datetime
    config: FunctionConfig


@dataclass(frozen=True)
class FunctionVersion:
    """An immutable, published snapshot of a function's code and configuration."""

    function_id: str
    name: str
    seq: int
    description: str
    config: FunctionConfig
    created_at: datetime


@dataclass(frozen=True)
class Alias:
    """A name for a version; ``weights`` sends that share (percent) of calls to other versions."""

    function_id: str
    name: str
    version: str
    description: str
    weights: tuple[tuple[str, int], ...]
    last_modified: datetime


@dataclass(frozen=True)
class FunctionVersionSpec:
    """Everything an instance of one function version needs, resolved from a reference.

    ``code_dir`` is a read-only directory holding the unpacked code package (the
    sandbox mounts it as the function's code); ``environment`` is ``user_data`` with
    ``encrypted_user_data`` decrypted over it. ``version`` is the version actually
    chosen (``latest`` or a published one), ``alias`` the alias that chose it, if any.
    ``dependencies_dir`` is the read-only layer its ``requirements.txt`` was installed
    into (to follow ``code_dir`` on ``sys.path``), None when it has none.
    """

    function_urn: str
    account_id: str
    project_id: str
    package: str
    function_name: str
    version: str
    alias: str | None
    runtime: str
    interpreter: Path
    code_dir: Path
    code_sha256: str
    dependencies_dir: Path | None
    handler: str
    initializer_handler: str | None
    initializer_timeout: int
    memory_size: int
    timeout: int
    environment: Mapping[str, str]
    max_instance_num: int
    concurrent_num: int
    network: bool
    agency: str
    last_modified: datetime
