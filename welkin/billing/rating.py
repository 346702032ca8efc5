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
    version: PriceVersion
    quantity: Decimal = Decimal(0)
    free: Decimal = Decimal(0)
    charge: Decimal = Decimal(0)


def month_of(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m")


def rate_month(month: str, account_id: str, rows: Iterable[HourlyUsage], catalog: PriceCatalog) -> Invoice:
    ordered = sorted(rows, key=lambda r: (r.usage_type, r.hour, r.region, r.resource_id))
    lines: dict[LineKey, _Line] = {}
    free_used: dict[str, Decimal] = {}
    charged: dict[str, Decimal] = {}  # chargeable quantity so far this month, per usage type
    currency = ""
    for row in ordered:
        if row.account_id != account_id or month_of(row.hour) != month:
            when = row.hour.isoformat()
            raise ValueError(f"a row of {row.account_id} at {when} is not {account_id}'s {month}")
        version = catalog.price_at(row.usage_type, row.hour)
        currency = currency or version.currency
        quantity = Decimal(row.quantity) / BASE_UNITS[version.unit]
        used = free_used.get(row.usage_type, Decimal(0))
        free = min(quantity, max(Decimal(0), version.free_per_month - used))
        free_used[row.usage_type] = used + free
        payable = quantity - free
        already = charged.get(row.usage_type, Decimal(0))
        charged[row.usage_type] = already + payable
        for tier, share, charge in _by_tier(version, payable, already):
            line = lines.setdefault(_key(row, version, tier), _Line(version))
            line.quantity += share
            line.charge += charge
        if free:
            # Free usage is shown on the line of the tier the month starts in.
            line = lines.setdefault(_key(row, version, 0), _Line(version))
            line.quantity += free
            line.free += free
    made = tuple(
        InvoiceLine(
            key,
            line.version.unit,
            line.version.per,
            line.version.tiers[key.tier].price,
            line.quantity,
            line.free,
            line.charge.quantize(EIGHT_PLACES, ROUND_HALF_UP),
        )
        for key, line in sorted(lines.items(), key=lambda kv: line_order(kv[0]))
    )
    return invoice_of(month, account_id, currency or "USD", made)


def invoice_of(month: str, account_id: str, currency: str, lines: tuple[InvoiceLine, ...]) -> Invoice:
    """The invoice of ``lines``: their sum, and that sum billed to the cent, half up."""
    total = sum((line.amount for line in lines), Decimal(0)).quantize(EIGHT_PLACES)
    billed = total.quantize(CENTS, ROUND_HALF_UP)
    return Invoice(month, account_id, currency, lines, total, billed, total - billed)


def _by_tier(
    version: PriceVersion, quantity: Decimal, already: Decimal
) -> list[tuple[int, Decimal, Decimal]]:
    """(tier index, quantity in it, its exact charge) for ``quantity`` after ``already``."""
    out: list[tuple[int, Decimal, Decimal]] = []
    start, end = already, already + quantity
    low = Decimal(0)
    for index, tier in enumerate(version.tiers):
        high = tier.up_to
        share = (end if high is None else min(end, high)) - max(start, low)
        if share > 0:
            out.append((index, share, version.amount(share, max(start, low))))
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
