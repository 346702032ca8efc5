"""A month's statement as BSS records: the shapes huaweicloudsdkbss parses, built from the invoice.

    bill_sums(bill, owner)                   # ShowCustomerMonthlySum: per service and resource type
    fee_records(statement, owner, hours, 3)  # ListCustomerselfResourceRecords: per cycle, day or hour
    bill_records(statement, owner, hours)    # ListCustomerBillsFeeRecords: per day, type and region
    free_records(statement)                  # ListFreeResourcesUsageRecords: free tier deductions

Everything Welkin meters is pay-per-use usage: charging mode 3, bill type 5 (usage), period
type "25" (hourly), provider 1, enterprise project "0" (default), no discounts. Nothing is
paid through Welkin, so every amount owed is also the record's ``debt_amount``.

Rounding happens once, on the monthly bill: records carry amounts to 8 decimal places, and
only ``bill_sums`` rounds, sharing the bill's truncation among the service types so that their
consume amounts add up to the bill to the cent (largest remainders take the extra cents).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from welkin.billing.breakdown import HourlyCharge
from welkin.billing.bssapi.render import AMOUNT_MEASURE, Json, measure_of, name_of
from welkin.billing.budgets import month_bounds
from welkin.billing.rating import CENTS, LineKey, line_order
from welkin.billing.service import Bill, Statement

PAY_PER_USE = 3
USAGE = 5  # bill type: consumption by usage
# Bill types of a record that adjusts an earlier month: a charge added, or given back.
ADJUSTED_UP, ADJUSTED_DOWN = 16, 9
HOURLY = "25"  # period type
HUAWEI_CLOUD = 1  # provider type
DEFAULT_PROJECT = "0"
PAID, UNSETTLED, NOT_BILLED = 1, 2, 3
_IDS = uuid.UUID("5b0c8f8e-4b8e-4f43-9d0e-2f6f0c1b7a11")  # namespace of Welkin's BSS record ids
HOUR = timedelta(hours=1)
ZERO = Decimal("0.00000000")  # an amount, to 8 places like the invoice's
ZERO_PAYMENTS = ("cash_amount", "credit_amount", "coupon_amount", "flexipurchase_coupon_amount")

Record = dict[str, Json]


@dataclass(frozen=True)
class Owner:
    account_id: str
    account_name: str


@dataclass(frozen=True)
class Charge:
    """Hourly charges of one invoice line added up over a day, a month or just an hour."""

    key: LineKey
    start: datetime  # the first hour's start
    end: datetime  # the last hour's end
    unit: str
    per: int
    unit_price: Decimal
    quantity: Decimal
    free: Decimal
    amount: Decimal
    adjusts: str | None  # late usage of this month ("YYYY-MM"), billed on the record's

    @property
    def bill_type(self) -> int:
        return bill_type_of(self.amount, self.adjusts is not None)


def bill_type_of(amount: Decimal, adjustment: bool) -> int:
    """Usage; or, for late usage of an earlier month, a charge added or given back."""
    if not adjustment:
        return USAGE
    return ADJUSTED_DOWN if amount < 0 else ADJUSTED_UP


def status_of(statement: Statement) -> int:
    return UNSETTLED if statement.bill.final else NOT_BILLED


def utc(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def record_id(*parts: object) -> str:
    return uuid.uuid5(_IDS, "\x1f".join(str(p) for p in parts)).hex


def trade_id(owner: Owner, cycle: str) -> str:
    """The id of the month's bill, which every usage record of the month is charged on."""
    return record_id("bill", owner.account_id, cycle)


def amounts_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def combine(hours: Iterable[HourlyCharge], by: Callable[[HourlyCharge], Hashable]) -> list[Charge]:
    """Hourly charges of the same line and the same ``by`` added up, in first-hour order."""
    found: dict[tuple[LineKey, str | None, Hashable], Charge] = {}
    for h in hours:
        group = (h.key, h.adjusts, by(h))
        seen = found.get(group)
        if seen is None:
            found[group] = Charge(
                h.key,
                h.hour,
                h.hour + HOUR,
                h.unit,
                h.per,
                h.unit_price,
                h.quantity,
                h.free_applied,
                h.amount,
                h.adjusts,
            )
        else:
            found[group] = Charge(
                h.key,
                seen.start,
                h.hour + HOUR,
                h.unit,
                h.per,
                h.unit_price,
                seen.quantity + h.quantity,
                seen.free + h.free_applied,
                seen.amount + h.amount,
                h.adjusts,
            )
    return sorted(found.values(), key=lambda c: (c.start, line_order(c.key)))


def by_statistic(hours: Iterable[HourlyCharge], statistic_type: int) -> list[Charge]:
    """1: per line over the cycle; 2: per line and day; 3: per line and hour."""
    if statistic_type == 1:
        return combine(hours, lambda h: None)
    if statistic_type == 2:
        return combine(hours, lambda h: h.hour.date())
    return combine(hours, lambda h: h.hour)


def fee_record(owner: Owner, cycle: str, charge: Charge, statistic_type: int, currency: str) -> Record:
    """A ResFeeRecordV2."""
    key = charge.key
    day = month_bounds(cycle)[0] if statistic_type == 1 else charge.start
    record: Record = {
        "bill_date": day.strftime("%Y-%m-%d"),
        "bill_type": charge.bill_type,
        "customer_id": owner.account_id,
        "account_name": owner.account_name,
        "region": key.region,
        "region_name": key.region,
        "cloud_service_type": key.service_type,
        "cloud_service_type_name": name_of(key.service_type),
        "resource_type": key.resource_type,
        "resource_type_name": name_of(key.resource_type),
        "effective_time": utc(charge.start),
        "expire_time": utc(charge.end),
        "resource_id": key.resource_id,
        "resource_name": key.resource_id,
        "resource_tag": "",
        "product_id": key.usage_type,
        "product_name": f"{name_of(key.service_type)} {key.usage_type}",
        "product_spec_desc": "",
        "sku_code": key.usage_type,
        "trade_id": trade_id(owner, cycle),
        "trade_time": utc(charge.end),
        "enterprise_project_id": DEFAULT_PROJECT,
        "enterprise_project_name": "default",
        "charge_mode": str(PAY_PER_USE),
        "order_id": "",
        "period_type": HOURLY,
        "usage_type": key.usage_type,
        "usage": charge.quantity,
        "usage_measure_id": measure_of(charge.unit),
        "free_resource_usage": charge.free,
        "free_resource_measure_id": measure_of(charge.unit),
        "unit_price": charge.unit_price,
        "unit": f"{currency}/{charge.per} {charge.unit}",
        "official_amount": charge.amount,
        "discount_amount": ZERO,
        "amount": charge.amount,
        **dict.fromkeys(ZERO_PAYMENTS, ZERO),
        "stored_card_amount": ZERO,
        "bonus_amount": ZERO,
        "debt_amount": charge.amount,
        "adjustment_amount": charge.amount if charge.adjusts else ZERO,
        "measure_id": AMOUNT_MEASURE,
        "formula": f"({charge.quantity} - {charge.free}) / {charge.per} * {charge.unit_price}",
    }
    if statistic_type != 1:  # BSS gives no id to a record of the whole cycle
        record["id"] = record_id(owner.account_id, key, charge.adjusts, utc(charge.start), statistic_type)
    if statistic_type == 3:
        record["consume_time"] = utc(charge.start)
    return record


def bill_records(statement: Statement, owner: Owner, hours: Iterable[HourlyCharge]) -> list[Record]:
    """MonthlyBillRecords: per day, service type, resource type and region."""
    cycle = statement.bill.invoice.month
    days: dict[tuple[str, str, str, str, str], list[HourlyCharge]] = {}
    for h in hours:
        day = h.hour.strftime("%Y-%m-%d")
        group = (day, h.key.service_type, h.key.resource_type, h.key.region, h.adjusts or "")
        days.setdefault(group, []).append(h)
    out: list[Record] = []
    for (day, service, resource, region, adjusts), members in sorted(days.items()):
        amount = sum((h.amount for h in members), ZERO)
        last = max(h.hour for h in members) + HOUR
        out.append(
            {
                "bill_cycle": cycle,
                "customer_id": owner.account_id,
                "account_name": owner.account_name,
                "service_type_code": service,
                "service_type_name": name_of(service),
                "resource_type_code": resource,
                "resource_type_name": name_of(resource),
                "region_code": region,
                "region_name": region,
                "enterprise_project_id": DEFAULT_PROJECT,
                "enterprise_project_name": "default",
                "charging_mode": PAY_PER_USE,
                "consume_time": f"{day}T00:00:00Z",
                "trade_time": utc(last),
                "provider_type": HUAWEI_CLOUD,
                "trade_id": trade_id(owner, cycle),
                "id": record_id(owner.account_id, day, service, resource, region, adjusts),
                "bill_type": bill_type_of(amount, bool(adjusts)),
                "status": status_of(statement),
                "official_amount": amount,
                "official_discount_amount": ZERO,
                "erase_amount": ZERO,
                "consume_amount": amount,
                **dict.fromkeys(ZERO_PAYMENTS, ZERO),
                "stored_value_card_amount": ZERO,
                "bonus_amount": ZERO,
                "debt_amount": amount,
                "writeoff_amount": ZERO,
            }
        )
    return out


def bill_sums(bill: Bill, owner: Owner) -> list[Record]:
    """BillSumRecordInfoV2s: the invoice's lines per service and resource type."""
    invoice = bill.invoice
    groups: dict[tuple[str, str, bool], Decimal] = {}
    for line in invoice.lines:
        group = (line.key.service_type, line.key.resource_type, line.adjusts is not None)
        groups[group] = groups.get(group, ZERO) + line.amount
    ordered = sorted(groups.items())
    consumed = share_cents([official for _, official in ordered], invoice.billed)
    return [
        {
            "bill_cycle": invoice.month,
            "customer_id": owner.account_id,
            "account_name": owner.account_name,
            "service_type_code": service,
            "service_type_name": name_of(service),
            "resource_type_code": resource,
            "resource_type_name": name_of(resource),
            "charging_mode": PAY_PER_USE,
            # This API's own bill types: 1 consumption, 2 refund, 3 adjustment (late usage of an
            # earlier month).
            "bill_type": 3 if adjustment else 1,
            "official_amount": official,
            "official_discount_amount": ZERO,
            "truncated_amount": official - consume,
            "consume_amount": consume,
            **dict.fromkeys(ZERO_PAYMENTS, ZERO),
            "stored_value_card_amount": ZERO,
            "debt_amount": consume,
            "writeoff_amount": ZERO,
            "measure_id": AMOUNT_MEASURE,
        }
        for ((service, resource, adjustment), official), consume in zip(ordered, consumed, strict=True)
    ]


def share_cents(amounts: list[Decimal], billed: Decimal) -> list[Decimal]:
    """``amounts`` in whole cents adding up to ``billed``: each rounded down, then one cent more
    for those that lost most (ties: the earlier), until the sum is reached."""
    floors = [a.quantize(CENTS, ROUND_DOWN) for a in amounts]
    missing = int((billed - sum(floors, ZERO)) / CENTS)
    lost = sorted(range(len(amounts)), key=lambda i: (-(amounts[i] - floors[i]), i))
    for i in lost[: max(missing, 0)]:
        floors[i] += CENTS
    return floors


def free_records(statement: Statement, owner: Owner) -> list[Record]:
    """FreeResourceRecords: each hourly deduction from the month's free tier of a usage type."""
    cycle = statement.bill.invoice.month
    start, end = month_bounds(cycle)
    return [
        {
            "deduct_time": utc(d.hour),
            "free_resource_id": free_resource_id(owner, cycle, d.usage_type),
            "resource_id": d.resource_id,
            "resource_type_code": d.resource_type,
            "resource_type_name": name_of(d.resource_type),
            "resource_tag": "",
            "product_id": free_tier_id(owner, cycle),
            "product_name": f"Monthly free tier {cycle}",
            "usage_type_code": d.usage_type,
            "available_amount": amounts_text(d.before),
            "remaining_amount": amounts_text(d.after),
            "used_amount": amounts_text(d.used),
            "measure_id": measure_of(d.unit),
            "effective_time": utc(start),
            "expire_time": utc(end),
        }
        for d in statement.free
    ]


def free_tier_id(owner: Owner, cycle: str) -> str:
    return record_id("free-tier", owner.account_id, cycle)


def free_resource_id(owner: Owner, cycle: str, usage_type: str) -> str:
    return record_id("free-tier", owner.account_id, cycle, usage_type)
