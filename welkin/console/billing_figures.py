"""What the overview and the billing pages show of an account's bills, computed once for both.

    figures = BillingFigures(region.billing, region.clock)   # one per console app
    shown = await figures.month(account_id, month)   # Shown[MonthFigures], with computed_at
    shown.value.bill, shown.value.services, shown.value.daily   # per service, and per day too

Who may see them is the routes' business (``bss:bill:view``, as the billing API checks); these
take an account id and answer for that account only. The figures are kept per console (see
``kept.py``): a month that rates in a few milliseconds is rated on every view, a heavy one at
most once a minute, and a closed month's once (its status read on each view).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from welkin.billing.budgets import month_bounds
from welkin.billing.invoice_store import PAID, InvoiceSummary
from welkin.billing.rating import Invoice
from welkin.billing.service import Bill, BillingService, Statement
from welkin.console.kept import Kept, Shown
from welkin.core.clock import Clock

# How long a page waits for a month to be rated before it says the figures are on their way
# and reloads: a month of a few thousand hourly rows rates well within it.
PAGE_WAIT = 0.15

SERVICE_NAMES = {
    "hws.service.type.functiongraph": "FunctionGraph",
    "hws.service.type.obs": "Object storage (OBS)",
}


def plain(amount: Decimal) -> str:
    """A decimal as people write it: "0.00000000", never "0E-8"."""
    return format(amount, "f")


def shown_quantity(quantity: Decimal) -> str:
    """A quantity to read: bytes in GB run to 28 places, and nobody reads past the sixth."""
    if quantity == quantity.to_integral_value():
        return plain(quantity.to_integral_value())
    rounded = quantity.quantize(Decimal("0.000001"))
    return "<0.000001" if rounded == 0 else plain(rounded.normalize())


def service_name(service_type: str) -> str:
    return SERVICE_NAMES.get(service_type, service_type)


@dataclass(frozen=True)
class ServiceAmount:
    service_type: str
    name: str
    amount: Decimal  # 8 decimal places
    lines: int


@dataclass(frozen=True)
class DailySeries:
    name: str  # the service's name
    amounts: tuple[Decimal, ...]  # one per day of the month


@dataclass(frozen=True)
class MonthFigures:
    """What the pages show of a month, derived once from its statement: its hourly charges
    (tens of thousands in a heavy month) are summed per day here and not kept."""

    bill: Bill
    services: tuple[ServiceAmount, ...]
    daily: tuple[DailySeries, ...]


class BillingFigures:
    def __init__(self, billing: BillingService, clock: Clock) -> None:
        self._billing = billing
        self._kept = Kept(clock)

    def current_month(self) -> str:
        return self._billing.current_month()

    async def month(self, account_id: str, month: str, wait: float | None = None) -> Shown[MonthFigures]:
        """The month's bill, its services and daily amounts; ``ValueError`` for a month not
        written YYYY-MM, ``Pending`` when rating it takes longer than ``wait`` seconds."""
        month_bounds(month)

        async def compute() -> MonthFigures:
            statement = await self._billing.statement(account_id, month)
            invoice = statement.bill.invoice
            return MonthFigures(statement.bill, tuple(services(invoice)), tuple(daily(statement, month)))

        def final(figures: MonthFigures) -> bool:
            return figures.bill.final

        shown = await self._kept.get(("month", account_id, month), compute, final, wait)
        if shown.value.bill.final and shown.value.bill.status != PAID:
            # A closed invoice's lines never change, its status does once (paid): the stored
            # invoice is one read, its daily amounts are what was kept.
            bill = await self._billing.bill(account_id, month)
            shown = replace(shown, value=replace(shown.value, bill=bill))
        return shown

    async def invoices(self, account_id: str, current: Invoice) -> list[InvoiceSummary]:
        """Closed invoices and the months still open, newest first; the month in progress is
        ``current``, as the page shows it, not rated again."""
        return await self._billing.invoices(account_id, current)

    async def object_count(self, account_id: str, count: Callable[[], Awaitable[int]]) -> Shown[int]:
        """The account's objects: a COUNT over every bucket, slow on huge ones, so kept too."""
        return await self._kept.get(("objects", account_id), count)


def services(invoice: Invoice) -> list[ServiceAmount]:
    """The invoice's amounts per service, largest first."""
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    lines: dict[str, int] = defaultdict(int)
    for line in invoice.lines:
        amounts[line.key.service_type] += line.amount
        lines[line.key.service_type] += 1
    found = [ServiceAmount(s, service_name(s), amounts[s], lines[s]) for s in amounts]
    return sorted(found, key=lambda s: (-s.amount, s.name))


def days_of(month: str) -> list[datetime]:
    start, end = month_bounds(month)
    return [start + timedelta(days=n) for n in range((end - start).days)]


def daily(statement: Statement, month: str) -> list[DailySeries]:
    """Each service's charges per day of ``month`` (UTC), from the statement's hourly charges;
    late usage of earlier months (adjustments) counts on the month's first day."""
    days = days_of(month)
    first = days[0]
    by_service: dict[str, list[Decimal]] = {}
    for charge in statement.hours:
        per_day = by_service.setdefault(charge.key.service_type, [Decimal(0)] * len(days))
        index = min(max((charge.hour - first).days, 0), len(days) - 1)
        per_day[index] += charge.amount
    ordered = sorted(by_service.items(), key=lambda item: (-sum(item[1]), service_name(item[0])))
    return [DailySeries(service_name(s), tuple(amounts)) for s, amounts in ordered]
