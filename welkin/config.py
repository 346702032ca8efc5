"""Welkin's one settings object.

Values come, in increasing precedence, from the defaults below, an optional
``welkin.toml`` in the data directory, ``WELKIN_*`` environment variables, and
the command line. Nothing else reads the environment for configuration.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_PORT = 8470
DEFAULT_REGION = "local-1"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path(".welkin")
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    region: str = DEFAULT_REGION
    # Metadata store; empty means SQLite in the data directory.
    database_url: str = ""
    # How far a signed request's clock may be from ours.
    max_clock_skew_seconds: int = 900
    token_lifetime_seconds: int = 24 * 3600
    max_json_body_bytes: int = 1 << 20
    log_level: str = "info"
    availability_zones: tuple[str, ...] = field(default=())
    # Host names under which buckets are addressed virtual-host style (bucket.localhost:8470).
    s3_domains: tuple[str, ...] = ("localhost",)
    # FunctionGraph code packages: the largest zip accepted, and what it may unpack to.
    functions_max_code_bytes: int = 50 << 20
    functions_max_unpacked_bytes: int = 512 << 20
    # A directory of wheels to install functions' requirements.txt from, offline; empty: pip's index.
    functions_wheel_dir: str = ""
    # Function instances: idle ones are stopped after the keep-alive; at most this many in the region.
    functions_keep_alive_seconds: int = 600
    functions_max_instances: int = 400
    # Invocations one account may have running at once, all its functions together.
    functions_account_concurrency: int = 400
    # The first retry of a failed asynchronous invocation waits this long, then twice as long each time.
    functions_async_retry_ms: int = 1000
    # Invocation logs kept in the metadata store: the last this many per function, none older than this.
    functions_logs_per_function: int = 200
    functions_logs_retention_days: int = 7
    # Per-minute invocation metrics kept this long (a month, for the monthly statistics, and a day over).
    functions_metrics_retention_days: int = 32
    # The price catalog (TOML, docs/billing.md); empty: the shipped defaults.
    price_catalog: str = ""
    # OBS storage is billed with each object counted as at least this many bytes (Huawei's 64 KB).
    obs_min_billable_object_bytes: int = 65536
    # How often budgets are checked against the month's cost so far.
    billing_budget_interval_seconds: int = 60
    # A month (UTC) closes this long after its end: usage still on its way is counted first.
    billing_close_grace_seconds: int = 3600
    # Each account's quotas unless the operator sets its own (welkin account quota set); -1: no
    # limit. Concurrent instances default to functions_account_concurrency. Functions and code
    # size follow FunctionGraph's published account quotas, buckets OBS's.
    quota_functions: int = 400
    quota_code_bytes: int = 10 << 30
    quota_buckets: int = 100
    quota_stored_bytes: int = -1
    # Off: no usage is recorded (no OBS requests or storage, no invocations); billing still
    # serves what was metered before. For a region nobody is billed for (docs/billing.md).
    metering: bool = True

    @property
    def zones(self) -> tuple[str, ...]:
        return self.availability_zones or (f"{self.region}a", f"{self.region}b")

    @property
    def metadata_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'welkin.db').resolve()}"

    @property
    def public_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"


_FIELD_TYPES = {f.name: f.type for f in fields(Settings)}
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


class SettingsError(ValueError):
    """A setting that cannot be used; the message names it and where it came from."""


def _coerce(name: str, raw: object) -> object:
    kind = _FIELD_TYPES[name]
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word not in _TRUE | _FALSE:
            raise SettingsError(
                f"{name} must be true or false (or yes/no, on/off, 1/0), not {raw!r} "
                f"(WELKIN_{name.upper()} or welkin.toml)."
            )
        return word in _TRUE
    if kind == "int":
        text = str(raw).strip()
        # A quota may also be -1, for no limit.
        if not (text.isdigit() or (name.startswith("quota_") and text == "-1")):
            raise SettingsError(
                f"{name} must be a whole number, not {raw!r} (WELKIN_{name.upper()} or welkin.toml)."
            )
        return int(text)
    if kind == "Path":
        return Path(str(raw))
    if kind.startswith("tuple"):
        items = raw if isinstance(raw, list) else str(raw).split(",")
        return tuple(str(z).strip() for z in items if str(z).strip())
    return str(raw)


def load_settings(overrides: dict[str, object] | None = None) -> Settings:
    """Defaults, then DATA_DIR/welkin.toml, then WELKIN_* variables, then ``overrides``."""
    values: dict[str, object] = {}
    env = {
        name: os.environ[f"WELKIN_{name.upper()}"]
        for name in _FIELD_TYPES
        if f"WELKIN_{name.upper()}" in os.environ
    }
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    data_dir = Path(str(given.get("data_dir") or env.get("data_dir") or Settings.data_dir))
    toml_path = data_dir / "welkin.toml"
    if toml_path.is_file():
        try:
            with toml_path.open("rb") as fh:
                file_values = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{toml_path} is not valid TOML: {exc}") from None
        unknown = set(file_values) - set(_FIELD_TYPES)
        if unknown:
            raise SettingsError(f"{toml_path}: unknown settings {', '.join(sorted(unknown))}")
        values.update(file_values)
    values.update(env)
    values.update(given)
    coerced: dict[str, Any] = {k: _coerce(k, v) for k, v in values.items()}
    return replace(Settings(), **coerced)
