"""Where profiles live, and that the file holding secrets is private."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from welkin.cli import config


def test_path_honours_welkin_config_then_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("WELKIN_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config.config_path() == tmp_path / "xdg" / "welkin" / "config.toml"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config.config_path() == tmp_path / "home" / ".config" / "welkin" / "config.toml"
    monkeypatch.setenv("WELKIN_CONFIG", str(tmp_path / "explicit.toml"))
    assert config.config_path() == tmp_path / "explicit.toml"


def test_profiles_round_trip_with_mode_0600(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WELKIN_CONFIG", str(tmp_path / "d" / "config.toml"))
    monkeypatch.delenv("WELKIN_PROFILE", raising=False)
    odd = config.Profile(endpoint="http://x", account='a"b\\c', access_key="AK", secret_key="s\nk")
    path = config.save_profile(odd)
    config.save_profile(config.Profile(token="t", token_expires_at="2000-01-01T00:00:00.000000Z"), "old")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.load_profile() == odd
    assert config.load_profile("old").token_expired()
    with pytest.raises(config.ConfigError):
        config.load_profile("missing")
