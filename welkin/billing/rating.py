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


def rate_month(month: str, account_id: str, rows: Iterable[HourlyUsage], catalog: PriceCatalog) -> Invoice:
    start, end = month_bounds(month)
    ordered = sorted(rows, key=lambda r: (r.usage_type, r.hour, r.region, r.resource_id))
    lines: dict[tuple[str, str, str, str, str, datetime, int], _Line] = {}
    # Per usage type, in base units: the free tier used and the chargeable quantity so far.
    free_used: dict[str, Decimal] = {}
    charged: dict[str, Decimal] = {}
    currency = ""
    for row in ordered:
        if row.account_id != account_id or not start <= row.hour < end:
            when = row.hour.isoformat()
            raise ValueError(f"a row of {row.account_id} at {when} is not {account_id}'s {month}")
        version = catalog.price_at(row.usage_type, row.hour)
        currency = currency or version.currency
        base = BASE_UNITS[version.unit]
        used = free_used.get(row.usage_type, _ZERO)
        quantity = Decimal(row.quantity)
        free = min(quantity, max(_ZERO, version.free_per_month * base - used))
        free_used[row.usage_type] = used + free
        payable = quantity - free
        already = charged.get(row.usage_type, _ZERO)
        charged[row.usage_type] = already + payable
        key = (row.service_type, row.resource_type, row.usage_type, row.resource_id, row.region)
        # Free usage is shown on the line of the tier the month starts in.
        first = lines.setdefault((*key, version.effective_from, 0), _Line(version))
        first.quantity += quantity
        first.free += free
        if len(version.tiers) == 1:
            first.payable += payable
            continue
        for tier, share in _by_tier(version, base, payable, already):
            line = lines.setdefault((*key, version.effective_from, tier), _Line(version))
            line.payable += share
            if tier:
                # The quantity of a later band's line is what was paid in it.
                line.quantity += share
                first.quantity -= share
    made = tuple(_invoice_line(LineKey(*key), line) for key, line in sorted(lines.items()))
    total = sum((line.amount for line in made), Decimal(0)).quantize(EIGHT_PLACES)
    billed = total.quantize(CENTS, ROUND_HALF_UP)
    return Invoice(month, account_id, currency or "USD", made, total, billed, total - billed)


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
