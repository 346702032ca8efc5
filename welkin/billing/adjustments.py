"""Late usage of a closed month, billed on a later invoice as the difference it makes.

    late = difference(rate_month(month, account_id, rows_now, catalog), billed_lines)
    invoice = with_adjustments(current_month_invoice, late)

A closed month's invoice never changes. Usage of that month which billing counts afterwards
(a record delayed by an outage, say) is billed on a later invoice as adjustment lines, each
marked with the month whose usage it is (``InvoiceLine.adjusts``): the month rated again
with all of its usage counted so far, at that month's prices, less every line already billed
for it, on its own invoice and as earlier adjustments. The difference is taken per line key
(service, resource, usage type, region, price version, tier) for quantity, free tier applied
and amount; a key whose three differences are all zero gives no line.

Why the sum is exact: every line's amount is rounded once to 8 decimal places, and the
difference of two such amounts is exact. So for every month M, the lines of M's usage over
all invoices add up to the lines of rating M with all its usage, as if nothing had ever
closed. Only billing to the cent differs: each invoice rounds its own total, so the billed
figures of a month's usage spread over n invoices differ from one rounding by at most
n times 0.005.

An adjustment line may be negative: late usage early in a month takes free tier (or a
cheaper tier) that the invoice gave to later usage, which moves between lines. The
adjustment's total is never negative: more usage never costs less.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from welkin.billing.rating import Invoice, InvoiceLine, LineKey, invoice_of, line_order


@dataclass
class _Sum:
    quantity: Decimal = Decimal(0)
    free: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)


def difference(rated: Invoice, billed: Iterable[InvoiceLine]) -> tuple[InvoiceLine, ...]:
    """Adjustment lines for ``rated.month``: ``rated`` less the lines already ``billed`` for
    the same month's usage (its own invoice's and earlier adjustments)."""
    sums: dict[LineKey, _Sum] = {}
    like: dict[LineKey, InvoiceLine] = {}
    for line in billed:
        done = sums.setdefault(line.key, _Sum())
        done.quantity -= line.quantity
        done.free -= line.free_applied
        done.amount -= line.amount
        like.setdefault(line.key, line)
    for line in rated.lines:
        now = sums.setdefault(line.key, _Sum())
        now.quantity += line.quantity
        now.free += line.free_applied
        now.amount += line.amount
        like[line.key] = line  # the price as rated now, where the key is still rated
    return tuple(
        replace(
            like[key],
            quantity=change.quantity,
            free_applied=change.free,
            amount=change.amount,
            adjusts=rated.month,
        )
        for key, change in sorted(sums.items(), key=lambda kv: line_order(kv[0]))
        if change.quantity or change.free or change.amount
    )


def with_adjustments(invoice: Invoice, adjustments: Sequence[InvoiceLine]) -> Invoice:
    """``invoice`` with ``adjustments`` after its own lines, its totals taken again."""
    if not adjustments:
        return invoice
    return invoice_of(invoice.month, invoice.account_id, invoice.currency, invoice.lines + tuple(adjustments))
