"""The price catalog: what each usage type costs, from when, with its tiers and monthly free tier.

    catalog = PriceCatalog.load(path)                 # an operator's TOML, or
    catalog = PriceCatalog.default()                  # the shipped catalog.toml
    price = catalog.price_at("fgs_requests", at)      # the version in force at ``at``
    price.amount(Decimal(2_200_000))                  # tiers applied, free tier not

Each ``[[price]]`` entry is one version of one usage type, in force from its
``effective_from`` until the next version of the same type: changing a price is adding a
version from a stated time on, so usage before it keeps the price it had. Prices are decimal
strings (``"0.20"``): binary floats would make invoices disagree with their own arithmetic.
``price`` is per ``per`` units (0.20 per 1,000,000 requests). Tiers, when given, split a
month's chargeable quantity into bands, each with its own price per ``per``, the last one
open-ended. The free tier is what an account may use each month before it pays.

Every mistake in the file is refused with the entry and the field named, never half-loaded.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

UNITS = ("request", "GB-second", "GB-hour", "GB")
_ENTRY_FIELDS = frozenset(
    {
        "usage_type",
        "service_type",
        "resource_type",
        "unit",
        "per",
        "price",
        "tiers",
        "free_per_month",
        "effective_from",
    }
)


class CatalogError(ValueError):
    """The catalog file is wrong; the message names the entry and the field."""


@dataclass(frozen=True)
class Tier:
    up_to: Decimal | None  # the band ends at this monthly quantity; None: no end
    price: Decimal  # per ``PriceVersion.per`` units


@dataclass(frozen=True)
class PriceVersion:
    usage_type: str  # Welkin's code, e.g. "fgs_requests"
    service_type: str  # Huawei's, e.g. "hws.service.type.functiongraph"
    resource_type: str  # Huawei's, e.g. "hws.resource.type.function"
    unit: str  # one of UNITS
    per: int  # the price is for this many units
    tiers: tuple[Tier, ...]  # one tier without an end when the price is flat
    free_per_month: Decimal
    effective_from: datetime  # UTC
    currency: str

    def amount(self, quantity: Decimal, already: Decimal = Decimal(0)) -> Decimal:
        """What ``quantity`` more units cost after ``already`` chargeable units this month,
        exact (rounding is the invoice's business)."""
        total = Decimal(0)
        start, end = already, already + quantity
        low = Decimal(0)
        for tier in self.tiers:
            high = tier.up_to
            overlap_low = max(start, low)
            overlap_high = end if high is None else min(end, high)
            if overlap_high > overlap_low:
                total += (overlap_high - overlap_low) * tier.price / self.per
            if high is None or high >= end:
                break
            low = high
        return total


class PriceCatalog:
    def __init__(self, versions: list[PriceVersion]) -> None:
        self._by_type: dict[str, list[PriceVersion]] = {}
        for version in sorted(versions, key=lambda v: v.effective_from):
            self._by_type.setdefault(version.usage_type, []).append(version)

    @classmethod
    def load(cls, path: Path) -> PriceCatalog:
        try:
            document = tomllib.loads(path.read_text())
        except (OSError, UnicodeDecodeError) as exc:
            raise CatalogError(f"cannot read the price catalog {path}: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise CatalogError(f"{path} is not TOML: {exc}") from None
        return cls.parse(document)

    @classmethod
    def default(cls) -> PriceCatalog:
        text = resources.files("welkin.billing").joinpath("catalog.toml").read_text()
        return cls.parse(tomllib.loads(text))

    @classmethod
    def parse(cls, document: dict[str, Any]) -> PriceCatalog:
        unknown = sorted(set(document) - {"currency", "price"})
        if unknown:
            raise CatalogError(f"unknown top-level field(s): {', '.join(unknown)}")
        currency = document.get("currency")
        if not isinstance(currency, str) or len(currency) != 3 or not currency.isupper():
            raise CatalogError('currency must be a three-letter code such as "USD"')
        entries = document.get("price")
        if not isinstance(entries, list) or not entries:
            raise CatalogError("the catalog needs at least one [[price]] entry")
        versions = [_version(i + 1, entry, currency) for i, entry in enumerate(entries)]
        seen: set[tuple[str, datetime]] = set()
        for version in versions:
            key = (version.usage_type, version.effective_from)
            if key in seen:
                raise CatalogError(
                    f"{version.usage_type} has two prices from {version.effective_from.isoformat()}"
                )
            seen.add(key)
        kinds: dict[str, set[tuple[str, str, str]]] = {}
        for v in versions:
            kinds.setdefault(v.usage_type, set()).add((v.service_type, v.resource_type, v.unit))
        for usage_type, codes in kinds.items():
            if len(codes) > 1:
                raise CatalogError(
                    f"every version of {usage_type} must keep its service type, resource type and unit"
                )
        return cls(versions)

    @property
    def currency(self) -> str:
        """The one currency of every price (a catalog has at least one)."""
        return next(iter(self._by_type.values()))[0].currency

    @property
    def usage_types(self) -> list[str]:
        return sorted(self._by_type)

    def versions(self, usage_type: str) -> list[PriceVersion]:
        return list(self._by_type.get(usage_type, []))

    def price_at(self, usage_type: str, at: datetime) -> PriceVersion:
        """The version of ``usage_type`` in force at ``at`` (UTC)."""
        found = None
        for version in self._by_type.get(usage_type, []):
            if version.effective_from <= at:
                found = version
        if found is None:
            raise LookupError(f"no price for {usage_type} at {at.isoformat()}")
        return found


def _version(number: int, entry: object, currency: str) -> PriceVersion:
    where = f"price entry {number}"
    if not isinstance(entry, dict):
        raise CatalogError(f"{where} must be a table")
    unknown = sorted(set(entry) - _ENTRY_FIELDS)
    if unknown:
        raise CatalogError(f"{where}: unknown field(s) {', '.join(unknown)}")
    usage_type = _text(entry, "usage_type", where)
    where = f"price entry {number} ({usage_type})"
    unit = _text(entry, "unit", where)
    if unit not in UNITS:
        raise CatalogError(f"{where}: unit must be one of {', '.join(UNITS)}, not {unit!r}")
    per = entry.get("per", 1)
    if not isinstance(per, int) or isinstance(per, bool) or per < 1:
        raise CatalogError(f"{where}: per must be a whole number of units, 1 or more")
    if ("price" in entry) == ("tiers" in entry):
        raise CatalogError(f"{where}: give either price or tiers")
    if "price" in entry:
        tiers: tuple[Tier, ...] = (Tier(None, _money(entry["price"], f"{where}: price")),)
    else:
        tiers = _tiers(entry["tiers"], where)
    return PriceVersion(
        usage_type=usage_type,
        service_type=_text(entry, "service_type", where),
        resource_type=_text(entry, "resource_type", where),
        unit=unit,
        per=per,
        tiers=tiers,
        free_per_month=_quantity(entry.get("free_per_month", 0), f"{where}: free_per_month"),
        effective_from=_instant(entry.get("effective_from"), where),
        currency=currency,
    )


def _tiers(raw: object, where: str) -> tuple[Tier, ...]:
    if not isinstance(raw, list) or not raw:
        raise CatalogError(f"{where}: tiers must be a non-empty list of {{up_to, price}}")
    tiers: list[Tier] = []
    for i, tier in enumerate(raw, 1):
        here = f"{where}: tier {i}"
        if not isinstance(tier, dict) or set(tier) - {"up_to", "price"} or "price" not in tier:
            raise CatalogError(f'{here} must be {{up_to = <quantity>, price = "<decimal>"}}')
        last = i == len(raw)
        if last != ("up_to" not in tier):
            raise CatalogError(f"{here}: every tier but the last ends with up_to; the last has none")
        up_to = None if last else _quantity(tier["up_to"], f"{here}: up_to")
        if up_to is not None and tiers and tiers[-1].up_to is not None and up_to <= tiers[-1].up_to:
            raise CatalogError(f"{here}: up_to must grow from tier to tier")
        tiers.append(Tier(up_to, _money(tier["price"], f"{here}: price")))
    return tuple(tiers)


def _text(entry: dict[str, Any], field: str, where: str) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{where}: {field} is required, as text")
    return value


def _money(raw: object, where: str) -> Decimal:
    if not isinstance(raw, str):
        raise CatalogError(f'{where} must be a decimal string such as "0.20", so that it is exact')
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise CatalogError(f"{where}: {raw!r} is not a decimal number") from None
    if not value.is_finite() or value < 0:
        raise CatalogError(f"{where} must be zero or more")
    return value


def _quantity(raw: object, where: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise CatalogError(f"{where} must be a whole number or a decimal string")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise CatalogError(f"{where}: {raw!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise CatalogError(f"{where} must be zero or more")
    return value


def _instant(raw: object, where: str) -> datetime:
    if not isinstance(raw, datetime) or raw.utcoffset() is None:
        raise CatalogError(
            f"{where}: effective_from must be a TOML date-time with its offset, such as 2026-01-01T00:00:00Z"
        )
    return raw.astimezone(UTC)
