"""A month's invoice lines broken down by hour, and the free tier's hourly deductions.

    allocations = allocate(month, account_id, rows, catalog)
    hours = hourly_charges(allocations)    # one per (invoice line, hour)
    late = adjustment_charges(invoice)     # one per adjustment line, at the month's first hour
    free = free_deductions(allocations)    # one per hourly row the free tier paid for

An hour's amount is the step of its line's running charge, rounded to 8 places, from one hour
to the next: a line's hours (and so its days) add up to the line's amount exactly, whatever the
rounding, and the free tier is used up in the same time order as on the invoice.

Pure, like rating: allocations in, values out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from welkin.billing.budgets import month_bounds
from welkin.billing.catalog import PriceVersion
from welkin.billing.rating import EIGHT_PLACES, Allocation, Invoice, LineKey, line_order


@dataclass(frozen=True)
class HourlyCharge:
    key: LineKey  # the invoice line this hour belongs to
    hour: datetime  # UTC, the start of the hour
    unit: str
    per: int
    unit_price: Decimal  # per ``per`` units
    quantity: Decimal  # in ``unit``, free tier included
    free_applied: Decimal  # of ``quantity``
    amount: Decimal  # 8 decimal places; the hours of a line add up to its amount
    adjusts: str | None = None  # an adjustment line of the invoice: the month it bills ("YYYY-MM")


@dataclass(frozen=True)
class FreeDeduction:
    usage_type: str
    service_type: str
    resource_type: str
    resource_id: str
    region: str
    hour: datetime  # UTC, the start of the hour the usage was in
    unit: str
    allowance: Decimal  # the month's free tier of the usage type
    before: Decimal  # what was left of it before this deduction
    used: Decimal
    after: Decimal  # what is left of it after


@dataclass
class _Hour:
    quantity: Decimal = Decimal(0)
    free: Decimal = Decimal(0)
    charge: Decimal = Decimal(0)


def hourly_charges(allocations: Sequence[Allocation]) -> list[HourlyCharge]:
    """One entry per invoice line and hour, in hour order then line order."""
    by_line: dict[LineKey, dict[datetime, _Hour]] = {}
    versions: dict[LineKey, PriceVersion] = {}
    for share in allocations:
        hour = share.row.hour
        for tier, quantity, charge in share.charges:
            key = share.key(tier)
            versions[key] = share.version
            entry = by_line.setdefault(key, {}).setdefault(hour, _Hour())
            entry.quantity += quantity
            entry.charge += charge
        if share.free:
            key = share.key(0)
            versions[key] = share.version
            entry = by_line.setdefault(key, {}).setdefault(hour, _Hour())
            entry.quantity += share.free
            entry.free += share.free
    out: list[HourlyCharge] = []
    for key, hours in by_line.items():
        version = versions[key]
        running = Decimal(0)
        shown = Decimal(0)  # the running charge as rounded at the previous hour
        for hour in sorted(hours):
            entry = hours[hour]
            running += entry.charge
            rounded = running.quantize(EIGHT_PLACES, ROUND_HALF_UP)
            out.append(
                HourlyCharge(
                    key,
                    hour,
                    version.unit,
                    version.per,
                    version.tiers[key.tier].price,
                    entry.quantity,
                    entry.free,
                    rounded - shown,
                )
            )
            shown = rounded
    out.sort(key=lambda c: (c.hour, line_order(c.key)))
    return out


def adjustment_charges(invoice: Invoice) -> list[HourlyCharge]:
    """The invoice's adjustment lines (late usage of earlier months), each one charge at the
    first hour of the invoice's month: they have no hours of their own."""
    start, _ = month_bounds(invoice.month)
    return [
        HourlyCharge(
            line.key,
            start,
            line.unit,
            line.per,
            line.unit_price,
            line.quantity,
            line.free_applied,
            line.amount,
            line.adjusts,
        )
        for line in invoice.lines
        if line.adjusts
    ]


def free_deductions(allocations: Sequence[Allocation]) -> list[FreeDeduction]:
    """One entry per hourly row the free tier paid for (part of), in hour order."""
    out = [
        FreeDeduction(
            share.row.usage_type,
            share.row.service_type,
            share.row.resource_type,
            share.row.resource_id,
            share.row.region,
            share.row.hour,
            share.version.unit,
            share.version.free_per_month,
            share.version.free_per_month - (share.free_used - share.free),
            share.free,
            share.version.free_per_month - share.free_used,
        )
        for share in allocations
        if share.free
    ]
    out.sort(key=lambda d: (d.hour, d.usage_type, d.region, d.resource_id))
    return out
