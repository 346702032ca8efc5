"""The price catalog: the shipped defaults, versions in force from a time on, tiers, and a
clear refusal for every mistake an operator can make in the file."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from welkin.billing.catalog import CatalogError, PriceCatalog

NOV = datetime(2026, 11, 30, tzinfo=UTC)


def entry(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "usage_type": "fgs_requests",
        "service_type": "hws.service.type.functiongraph",
        "resource_type": "hws.resource.type.function",
        "unit": "request",
        "per": 1_000_000,
        "price": "0.20",
        "effective_from": datetime(2026, 1, 1, tzinfo=UTC),
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


def doc(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"currency": "USD", "price": list(entries)}


def catalog(*entries: dict[str, Any], currency: str = "USD") -> PriceCatalog:
    return PriceCatalog.parse({"currency": currency, "price": list(entries)})


def test_the_shipped_catalog_prices_every_metered_usage_type() -> None:
    shipped = PriceCatalog.default()
    assert shipped.usage_types == [
        "fgs_duration",
        "fgs_requests",
        "obs_requests_read",
        "obs_requests_write",
        "obs_storage_standard",
        "obs_traffic_out",
    ]
    requests = shipped.price_at("fgs_requests", NOV)
    assert (requests.free_per_month, requests.currency) == (Decimal(1_000_000), "USD")
    # FunctionGraph's own example: 1.2 million chargeable requests at $0.20 per million.
    assert requests.amount(Decimal(2_200_000) - requests.free_per_month) == Decimal("0.24")
    duration = shipped.price_at("fgs_duration", NOV)
    assert duration.free_per_month == Decimal(400_000)
    assert duration.amount(Decimal(100_000)) == Decimal("1.667")
    # A GB-month of standard storage, as 720 GB-hours, is its monthly price to 10 places.
    storage = shipped.price_at("obs_storage_standard", NOV)
    assert storage.amount(Decimal(720)).quantize(Decimal("0.0001")) == Decimal("0.0250")
    assert shipped.price_at("obs_requests_write", NOV).amount(Decimal(10_000)) == Decimal("0.05")


def test_a_new_price_applies_from_its_time_on_and_past_usage_keeps_the_old_one() -> None:
    rise = datetime(2026, 12, 1, tzinfo=UTC)
    prices = catalog(entry(), entry(price="0.25", effective_from=rise))
    assert prices.price_at("fgs_requests", NOV).amount(Decimal(1_000_000)) == Decimal("0.20")
    assert prices.price_at("fgs_requests", rise).amount(Decimal(1_000_000)) == Decimal("0.25")
    assert len(prices.versions("fgs_requests")) == 2
    with pytest.raises(LookupError, match="no price for fgs_requests"):
        prices.price_at("fgs_requests", datetime(2025, 12, 31, tzinfo=UTC))
    with pytest.raises(LookupError):
        prices.price_at("gpu_hours", NOV)


def test_tiers_price_each_band_of_the_month_by_its_own_rate() -> None:
    tiers = [{"up_to": 100, "price": "1"}, {"up_to": 300, "price": "0.5"}, {"price": "0.1"}]
    version = catalog(entry(price=None, per=1, tiers=tiers)).price_at("fgs_requests", NOV)
    assert version.amount(Decimal(50)) == Decimal(50)
    assert version.amount(Decimal(150)) == Decimal(100) + Decimal(25)
    assert version.amount(Decimal(1000)) == Decimal(100) + Decimal(100) + Decimal(70)
    # Later in the month, usage starts where the month's chargeable quantity already is.
    assert version.amount(Decimal(100), already=Decimal(250)) == Decimal(25) + Decimal(5)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"currency": "dollars", "price": [entry()]}, "three-letter code"),
        ({"currency": "USD", "price": []}, "at least one"),
        ({"currency": "USD", "price": [entry()], "discount": 5}, "unknown top-level"),
        (doc(entry(price=0.2)), "decimal string"),
        (doc(entry(price="cheap")), "not a decimal"),
        (doc(entry(price="-1")), "zero or more"),
        (doc(entry(unit="hours")), "unit must be one of"),
        (doc(entry(per=0)), "per must be"),
        (doc(entry(colour="red")), "unknown field"),
        (doc(entry(usage_type=None)), "usage_type is required"),
        (doc(entry(tiers=[{"price": "1"}])), "either price or tiers"),
        (doc(entry(price=None)), "either price or tiers"),
        (doc(entry(price=None, tiers=[{"up_to": 5, "price": "1"}])), "the last"),
        (doc(entry(price=None, tiers=[{"up_to": 5, "price": "1"}, {}])), "up_to ="),
        (doc(entry(effective_from="2026-01-01")), "date-time with its offset"),
        (doc(entry(effective_from=datetime(2026, 1, 1))), "with its offset"),
        (doc(entry(), entry()), "two prices from"),
        (doc(entry(), entry(unit="GB", effective_from=NOV)), "must keep"),
        (doc(entry(free_per_month=-5)), "zero or more"),
    ],
)
def test_mistakes_are_refused_with_what_is_wrong(document: dict[str, Any], message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        PriceCatalog.parse(document)


def test_tiers_must_grow() -> None:
    tiers = [{"up_to": 5, "price": "1"}, {"up_to": 3, "price": "1"}, {"price": "1"}]
    with pytest.raises(CatalogError, match="must grow"):
        catalog(entry(price=None, tiers=tiers))


def test_an_operators_file_is_read_and_a_broken_one_named(tmp_path: Path) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(
        'currency = "EUR"\n[[price]]\nusage_type = "obs_traffic_out"\nservice_type = "hws.service.type.obs"\n'
        'resource_type = "hws.resource.type.obs"\nunit = "GB"\nprice = "0.09"\n'
        "effective_from = 2026-06-01T02:00:00+02:00\n"
    )
    version = PriceCatalog.load(path).price_at("obs_traffic_out", NOV)
    assert (version.currency, version.effective_from) == ("EUR", datetime(2026, 6, 1, tzinfo=UTC))
    path.write_text("currency = \n")
    with pytest.raises(CatalogError, match="is not TOML"):
        PriceCatalog.load(path)
    with pytest.raises(CatalogError, match="cannot read"):
        PriceCatalog.load(tmp_path / "missing.toml")


def test_a_catalog_says_its_one_currency() -> None:
    assert PriceCatalog.default().currency == "USD"
    assert catalog(entry(), currency="EUR").currency == "EUR"
