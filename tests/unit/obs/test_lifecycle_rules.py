"""Lifecycle configuration documents: parsing, validation, the JSON form and day rounding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from welkin.core import errors as core
from welkin.obs import errors, lifecycle_rules
from welkin.obs.lifecycle_rules import Rule, RuleFilter, after_days
from welkin.obs.s3api.xml import parse


def rules(body: str) -> list[Rule]:
    return lifecycle_rules.parse_configuration(
        parse(f"<LifecycleConfiguration>{body}</LifecycleConfiguration>".encode(), "LifecycleConfiguration")
    )


def test_a_full_rule_parses_and_survives_json() -> None:
    parsed = rules(
        "<Rule><ID>a</ID><Status>Enabled</Status>"
        "<Filter><And><Prefix>p/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter>"
        "<Expiration><Days>3</Days></Expiration>"
        "<NoncurrentVersionExpiration><NoncurrentDays>2</NoncurrentDays>"
        "<NewerNoncurrentVersions>5</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>"
    )
    assert parsed == [Rule("a", True, RuleFilter("p/", {"k": "v"}), 3, None, False, 2, 5, None)]
    assert lifecycle_rules.from_json(lifecycle_rules.to_json(parsed)) == parsed


def test_legacy_prefix_and_generated_id() -> None:
    (rule,) = rules(
        "<Rule><Prefix>x/</Prefix><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>"
    )
    assert rule.filter == RuleFilter("x/")
    assert not rule.enabled
    assert len(rule.id) == 32


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", errors.MalformedXML),
        ("<Rule><Status>Enabled</Status></Rule>", errors.MalformedXML),
        ("<Rule><Status>Yes</Status><Expiration><Days>1</Days></Expiration></Rule>", errors.MalformedXML),
        (
            "<Rule><Status>Enabled</Status><Expiration><Days>-1</Days></Expiration></Rule>",
            core.InvalidArgument,
        ),
        (
            "<Rule><Status>Enabled</Status><Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date>"
            "</Expiration></Rule>",
            errors.MalformedXML,
        ),
        (
            "<Rule><Status>Enabled</Status><Expiration><Date>soon</Date></Expiration></Rule>",
            core.InvalidArgument,
        ),
        (
            "<Rule><Status>Enabled</Status><Filter><Prefix>a</Prefix><Tag><Key>k</Key></Tag></Filter>"
            "<Expiration><Days>1</Days></Expiration></Rule>",
            errors.MalformedXML,
        ),
        (
            "<Rule><Status>Enabled</Status><NoncurrentVersionExpiration></NoncurrentVersionExpiration></Rule>",
            errors.MalformedXML,
        ),
        (
            "<Rule><Status>Enabled</Status><Filter><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan></Filter>"
            "<Expiration><Days>1</Days></Expiration></Rule>",
            core.InvalidArgument,
        ),
    ],
)
def test_invalid_documents_are_refused(body: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        rules(body)


def test_days_round_up_to_the_next_midnight_utc() -> None:
    assert after_days(datetime(2026, 1, 1, 0, 0, tzinfo=UTC), 1) == datetime(2026, 1, 2, tzinfo=UTC)
    assert after_days(datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC), 1) == datetime(2026, 1, 3, tzinfo=UTC)
