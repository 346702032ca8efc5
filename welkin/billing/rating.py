"""Rating: a month of one account's hourly usage, priced by the catalog, as invoice lines.

    invoice = rate_month("2026-11", account_id, hourly_rows, PriceCatalog.default())
    invoice.lines        # per service, resource type, usage type, resource, region, price, tier
    invoice.total        # the sum of the lines, to 8 decimal places
    invoice.billed       # the total rounded to cents, as Huawei bills it

Pure: no clock, no store. Usage arrives in integer base units (requests; MB·ms of function
duration; byte-hours of storage; bytes of traffic) and is turned into the catalog's units here,
with Decimal, so totals are exact whatever order the rows were summed in.

Within a month and usage type, rows are taken in time order (then region, then resource, so
the result is reproducible): each first uses what is left of the month's free tier, then pays
at the tier the month's chargeable quantity has reached, at the price in force during its hour.
A line's amount is its exact charge rounded once to 8 decimal places; the invoice's total is
the sum of its lines, billed rounded to 2 (half up), the difference kept as ``truncated``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from welkin.billing.budgets import month_bounds
from welkin.billing.catalog import PriceCatalog, PriceVersion

EIGHT_PLACES = Decimal("0.00000001")
CENTS = Decimal("0.01")
GIB = 1 << 30
# How many metered base units make one unit of the catalog.
BASE_UNITS = {
    "request": Decimal(1),
    "GB-second": Decimal(1024 * 1000),  # MB·ms: memory in MB over 1024, duration in ms over 1000
    "GB-hour": Decimal(GIB),  # byte-hours
    "GB": Decimal(GIB),  # bytes
}


@dataclass(frozen=True)
class HourlyUsage:
    account_id: str
    hour: datetime  # UTC, the start of the hour
    service_type: str
    resource_type: str
    resource_id: str
    region: str
    usage_type: str
    quantity: int  # base units (see BASE_UNITS)


@dataclass(frozen=True)
class LineKey:
    service_type: str
    resource_type: str
    usage_type: str
    resource_id: str
    region: str
    price_from: datetime  # the price version's effective_from
    tier: int  # 0 for a flat price


@dataclass(frozen=True)
class InvoiceLine:
    key: LineKey
    unit: str
    per: int
    unit_price: Decimal  # per ``per`` units
    quantity: Decimal  # in ``unit``, free tier included
    free_applied: Decimal  # of ``quantity``
    amount: Decimal  # 8 decimal places
    # None for the invoice's own month; "YYYY-MM" for an adjustment: late usage of that
    # closed month (welkin.billing.adjustments).
    adjusts: str | None = None


@dataclass(frozen=True)
class Invoice:
    month: str  # "YYYY-MM", UTC
    account_id: str
    currency: str
    lines: tuple[InvoiceLine, ...]
    total: Decimal  # 8 decimal places
    billed: Decimal  # 2 decimal places
    truncated: Decimal  # total - billed


@dataclass
class _Line:
    """One line's sums in the metered base units, turned into the catalog's units once."""

    version: PriceVersion
    quantity: Decimal = Decimal(0)
    free: Decimal = Decimal(0)
    payable: Decimal = Decimal(0)


def month_of(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m")


class Allocation(NamedTuple):
    """What one hourly row comes to: its free share and its chargeable shares by tier.

    Kept in the metered base units, exact; the catalog's units are worked out on demand. A
    tuple, not a dataclass: a month makes one per hourly row, and building those was a
    third of rating it."""

    row: HourlyUsage
    version: PriceVersion
    free_base: Decimal  # of the row's quantity, taken from the month's free tier
    free_used_base: Decimal  # of the month's free tier for this usage type, this row's share included
    shares: tuple[tuple[int, Decimal], ...]  # (tier, chargeable base units in it)

    @property
    def quantity(self) -> Decimal:
        return Decimal(self.row.quantity) / BASE_UNITS[self.version.unit]

    @property
    def free(self) -> Decimal:
        return self.free_base / BASE_UNITS[self.version.unit]

    @property
    def free_used(self) -> Decimal:
        return self.free_used_base / BASE_UNITS[self.version.unit]

    @property
    def charges(self) -> tuple[tuple[int, Decimal, Decimal], ...]:
        """(tier, quantity in it, its exact charge)."""
        base = BASE_UNITS[self.version.unit]
        return tuple(
            (tier, share / base, share / base * self.version.tiers[tier].price / self.version.per)
            for tier, share in self.shares
        )

    def key(self, tier: int) -> LineKey:
        return _key(self.row, self.version, tier)


def allocate(
    month: str, account_id: str, rows: Iterable[HourlyUsage], catalog: PriceCatalog
) -> list[Allocation]:
    """Each row's free share and charges, in the order the month's free tier and tiers are used."""
    start, end = month_bounds(month)
    ordered = sorted(rows, key=lambda r: (r.usage_type, r.hour, r.region, r.resource_id))
    # Per usage type, in base units: the free tier used and the chargeable quantity so far.
    free_used: dict[str, Decimal] = {}
    charged: dict[str, Decimal] = {}
    # A month has a few hundred hours and usage types: each price is looked up once.
    prices: dict[tuple[str, datetime], tuple[PriceVersion, Decimal, Decimal]] = {}
    out: list[Allocation] = []
    for row in ordered:
        if row.account_id != account_id or not start <= row.hour < end:
            when = row.hour.isoformat()
            raise ValueError(f"a row of {row.account_id} at {when} is not {account_id}'s {month}")
        price = prices.get((row.usage_type, row.hour))
        if price is None:
            found = catalog.price_at(row.usage_type, row.hour)
            base = BASE_UNITS[found.unit]
            price = prices[(row.usage_type, row.hour)] = (found, base, found.free_per_month * base)
        version, base, allowance = price
        used = free_used.get(row.usage_type, _ZERO)
        quantity = Decimal(row.quantity)
        free = min(quantity, allowance - used) if allowance > used else _ZERO
        free_used[row.usage_type] = used + free
        payable = quantity - free
        already = charged.get(row.usage_type, _ZERO)
        charged[row.usage_type] = already + payable
        if len(version.tiers) == 1:
            shares: tuple[tuple[int, Decimal], ...] = ((0, payable),) if payable else ()
        else:
            shares = tuple(_by_tier(version, base, payable, already))
        out.append(Allocation(row, version, free, used + free, shares))
    return out


def rate_month(month: str, account_id: str, rows: Iterable[HourlyUsage], catalog: PriceCatalog) -> Invoice:
    return invoice_of_allocations(month, account_id, allocate(month, account_id, rows, catalog))


def invoice_of_allocations(month: str, account_id: str, allocations: Iterable[Allocation]) -> Invoice:
    """The invoice of a month's usage as ``allocate`` shared it out, for a caller that needs both."""
    lines: dict[tuple[str, str, str, str, str, datetime, int], _Line] = {}
    currency = ""
    for share in allocations:
        version = share.version
        currency = currency or version.currency
        row = share.row
        key = (row.service_type, row.resource_type, row.usage_type, row.resource_id, row.region)
        if share.free_base:
            # Free usage is shown on the line of the tier the month starts in.
            line = lines.setdefault((*key, version.effective_from, 0), _Line(version))
            line.quantity += share.free_base
            line.free += share.free_base
        for tier, payable in share.shares:
            line = lines.setdefault((*key, version.effective_from, tier), _Line(version))
            line.quantity += payable
            line.payable += payable
    made = tuple(_invoice_line(LineKey(*key), line) for key, line in sorted(lines.items()))
    return invoice_of(month, account_id, currency or "USD", made)


def invoice_of(month: str, account_id: str, currency: str, lines: tuple[InvoiceLine, ...]) -> Invoice:
    """The invoice of ``lines``: their sum, and that sum billed to the cent, half up."""
    total = sum((line.amount for line in lines), Decimal(0)).quantize(EIGHT_PLACES)
    billed = total.quantize(CENTS, ROUND_HALF_UP)
    return Invoice(month, account_id, currency, lines, total, billed, total - billed)


_ZERO = Decimal(0)


def _invoice_line(key: LineKey, line: _Line) -> InvoiceLine:
    version = line.version
    base = BASE_UNITS[version.unit]
    price = version.tiers[key.tier].price
    charge = line.payable / base * price / version.per
    return InvoiceLine(
        key,
        version.unit,
        version.per,
        price,
        line.quantity / base,
        line.free / base,
        charge.quantize(EIGHT_PLACES, ROUND_HALF_UP),
    )


def _by_tier(
    version: PriceVersion, base: Decimal, quantity: Decimal, already: Decimal
) -> list[tuple[int, Decimal]]:
    """(tier index, base units in it) for ``quantity`` base units after ``already``."""
    out: list[tuple[int, Decimal]] = []
    start, end = already, already + quantity
    low = _ZERO
    for index, tier in enumerate(version.tiers):
        high = None if tier.up_to is None else tier.up_to * base
        share = (end if high is None else min(end, high)) - max(start, low)
        if share > 0:
            out.append((index, share))
        if high is None or high >= end:
            break
        low = high
    return out


def _key(row: HourlyUsage, version: PriceVersion, tier: int) -> LineKey:
    return LineKey(
        row.service_type,
        row.resource_type,
        row.usage_type,
        row.resource_id,
        row.region,
        version.effective_from,
        tier,
    )


def line_order(key: LineKey) -> tuple[str, str, str, str, str, datetime, int]:
    return (
        key.service_type,
        key.resource_type,
        key.usage_type,
        key.resource_id,
        key.region,
        key.price_from,
        key.tier,
    )
