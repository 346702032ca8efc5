"""Settings from welkin.toml and WELKIN_* variables: yes/no settings take the usual words."""

from __future__ import annotations

from pathlib import Path

import pytest

from welkin.config import SettingsError, load_settings


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("off", False),
        ("OFF", False),
        ("false", False),
        ("No", False),
        ("0", False),
        (" on ", True),
        ("True", True),
        ("yes", True),
        ("1", True),
    ],
)
def test_metering_from_the_environment(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("WELKIN_METERING", raw)
    assert load_settings().metering is expected


def test_metering_is_on_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WELKIN_METERING", raising=False)
    assert load_settings().metering is True


def test_metering_from_welkin_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("WELKIN_METERING", raising=False)
    (tmp_path / "welkin.toml").write_text("metering = false\n")
    assert load_settings({"data_dir": tmp_path}).metering is False


@pytest.mark.parametrize("raw", ["", "maybe", "2", "offf"])
def test_other_words_are_refused_naming_the_setting(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("WELKIN_METERING", raw)
    with pytest.raises(SettingsError, match=r"metering must be true or false.*WELKIN_METERING"):
        load_settings()
