"""Limits as ``welkin account quota set`` reads them."""

from __future__ import annotations

import pytest

from welkin.cli.account_quotas import BadValue, parse_limit


@pytest.mark.parametrize(
    ("text", "sizes", "expected"),
    [
        ("5", False, 5),
        ("0", False, 0),
        ("unlimited", False, -1),
        ("-1", True, -1),
        ("default", True, None),
        ("10GiB", True, 10 << 30),
        ("500MB", True, 500_000_000),
        ("1.5 TB", True, 1_500_000_000_000),
        ("2kib", True, 2048),
        ("123", True, 123),
    ],
)
def test_limits(text: str, sizes: bool, expected: int | None) -> None:
    assert parse_limit(text, sizes) == expected


BAD = [("5GiB", False), ("1.5", False), ("lots", True), ("10XB", True), ("-2", False), ("", True)]


@pytest.mark.parametrize(("text", "sizes"), BAD)
def test_bad_limits(text: str, sizes: bool) -> None:
    with pytest.raises(BadValue):
        parse_limit(text, sizes)
