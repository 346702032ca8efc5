"""How the billing page writes a line's quantity."""

from __future__ import annotations

from decimal import Decimal

import pytest

from welkin.console.billing_figures import shown_quantity


@pytest.mark.parametrize(
    ("quantity", "shown"),
    [
        ("2", "2"),
        ("2.000", "2"),
        ("0.083", "0.083"),
        ("0.01953306607902050018310546875", "0.019533"),  # bytes out, in GB
        ("1.5000000", "1.5"),
        ("0.0000000001", "<0.000001"),
        ("123456789", "123456789"),
    ],
)
def test_quantities_read_to_six_places_at_most(quantity: str, shown: str) -> None:
    assert shown_quantity(Decimal(quantity)) == shown
