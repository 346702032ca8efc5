"""The region's quota defaults come from settings; -1 (no limit) is allowed for quotas only."""

from __future__ import annotations

from pathlib import Path

import pytest

from welkin.billing.quotas import NO_LIMIT, Quota, QuotaDefaults
from welkin.config import SettingsError, load_settings


def test_defaults_follow_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WELKIN_QUOTA_BUCKETS", "5")
    monkeypatch.setenv("WELKIN_QUOTA_FUNCTIONS", "-1")
    monkeypatch.setenv("WELKIN_FUNCTIONS_ACCOUNT_CONCURRENCY", "12")
    defaults = QuotaDefaults.from_settings(load_settings({"data_dir": tmp_path}))
    assert defaults.of(Quota.BUCKETS) == 5
    assert defaults.of(Quota.FUNCTIONS) == NO_LIMIT
    assert defaults.of(Quota.CONCURRENT_INSTANCES) == 12
    assert defaults.of(Quota.CODE_BYTES) == 10 << 30
    assert defaults.of(Quota.STORED_BYTES) == NO_LIMIT


BAD = [("QUOTA_BUCKETS", "-2"), ("QUOTA_BUCKETS", "ten"), ("PORT", "-1")]


@pytest.mark.parametrize(("name", "value"), BAD)
def test_bad_values_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str
) -> None:
    monkeypatch.setenv(f"WELKIN_{name}", value)
    with pytest.raises(SettingsError, match=name.lower()):
        load_settings({"data_dir": tmp_path})
