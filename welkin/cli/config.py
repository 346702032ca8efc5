"""CLI profiles in ``config.toml``: where Welkin is and how to authenticate to it.

The file lives at ``$WELKIN_CONFIG``, else ``$XDG_CONFIG_HOME/welkin/config.toml``, else
``~/.config/welkin/config.toml``; it is written with mode 0600 since it holds secrets.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_ENDPOINT = "http://127.0.0.1:8470"
DEFAULT_PROFILE = "default"


class ConfigError(Exception):
    """The configuration is missing or unusable (a usage error, exit 2)."""


@dataclass
class Profile:
    endpoint: str = DEFAULT_ENDPOINT
    account: str = ""
    account_id: str = ""
    user: str = ""
    user_id: str = ""
    access_key: str = ""
    secret_key: str = ""
    token: str = ""
    token_expires_at: str = ""
    region: str = ""

    def token_expired(self, now: datetime | None = None) -> bool:
        if not self.token_expires_at:
            return False
        expires = datetime.fromisoformat(self.token_expires_at.replace("Z", "+00:00"))
        return (now or datetime.now(UTC)) >= expires


def config_path() -> Path:
    explicit = os.environ.get("WELKIN_CONFIG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "welkin" / "config.toml"


def profile_name(explicit: str | None) -> str:
    return explicit or os.environ.get("WELKIN_PROFILE") or DEFAULT_PROFILE


def _read() -> dict[str, dict[str, str]]:
    path = config_path()
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    profiles = data.get("profiles", {})
    known = {f.name for f in fields(Profile)}
    return {
        name: {k: str(v) for k, v in table.items() if k in known}
        for name, table in profiles.items()
        if isinstance(table, dict)
    }


def load_profile(name: str | None = None) -> Profile:
    """The named profile; ConfigError when there is none (run ``welkin login`` first)."""
    chosen = profile_name(name)
    table = _read().get(chosen)
    if table is None:
        raise ConfigError(f"no profile {chosen!r} in {config_path()}: run `welkin login` first")
    return Profile(**table)


def profile_names() -> list[str]:
    """Every profile in the config file; ``welkin obs`` uses them as path aliases."""
    return sorted(_read())


def find_profile(name: str | None = None) -> Profile | None:
    table = _read().get(profile_name(name))
    return Profile(**table) if table is not None else None


def _toml(profiles: dict[str, dict[str, str]]) -> str:
    # JSON strings with ASCII escapes are valid TOML basic strings.
    lines = ["# Written by `welkin login`. Holds secrets: keep it mode 0600.", ""]
    for name, table in sorted(profiles.items()):
        lines.append(f"[profiles.{json.dumps(name)}]")
        lines.extend(f"{key} = {json.dumps(value)}" for key, value in table.items() if value)
        lines.append("")
    return "\n".join(lines)


def save_profile(profile: Profile, name: str | None = None) -> Path:
    """Store ``profile`` under its name, replacing what was there; returns the file's path."""
    profiles = _read()
    profiles[profile_name(name)] = asdict(profile)
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(_toml(profiles))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path
