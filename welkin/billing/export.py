"""An invoice as CSV and as JSON, for a finance person and for a script.

Amounts and quantities are written as exact decimal text, never floats. The CSV has one row
per line (``record`` "line") followed by three summary rows (``record`` "total", "billed",
"truncated") whose ``amount`` column carries the figure, so a script that sums the lines'
amounts can check them against the total in the same file. The rounding rule is stated in
both: lines to 8 decimal places, the bill to 2, half up. A line with ``adjusts`` set
("YYYY-MM") bills late usage of that closed month; empty, the invoice's own month.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from welkin.billing.rating import Invoice, InvoiceLine

ROUNDING = "each line rounded to 8 decimal places; the total billed rounded to 2, half up"
COLUMNS = (
    "record",
    "month",
    "adjusts",
    "account_id",
    "service_type",
    "resource_type",
    "usage_type",
    "resource_id",
    "region",
    "price_from",
    "tier",
    "unit",
    "per",
    "unit_price",
    "quantity",
    "free_applied",
    "amount",
    "currency",
)


def _text(value: Decimal) -> str:
    # Plain notation: "0.00001667", never "1.667E-5".
    return format(value, "f")


def _line(invoice: Invoice, line: InvoiceLine) -> dict[str, Any]:
    key = line.key
    return {
        "month": invoice.month,
        "adjusts": line.adjusts or "",
        "account_id": invoice.account_id,
        "service_type": key.service_type,
        "resource_type": key.resource_type,
        "usage_type": key.usage_type,
        "resource_id": key.resource_id,
        "region": key.region,
        "price_from": key.price_from.isoformat(),
        "tier": key.tier,
        "unit": line.unit,
        "per": line.per,
        "unit_price": _text(line.unit_price),
        "quantity": _text(line.quantity),
        "free_applied": _text(line.free_applied),
        "amount": _text(line.amount),
        "currency": invoice.currency,
    }


def to_json(invoice: Invoice) -> str:
    document = {
        "month": invoice.month,
        "account_id": invoice.account_id,
        "currency": invoice.currency,
        "rounding": ROUNDING,
        "lines": [_line(invoice, line) for line in invoice.lines],
        "total": _text(invoice.total),
        "billed": _text(invoice.billed),
        "truncated": _text(invoice.truncated),
    }
    return json.dumps(document, indent=2) + "\n"


def to_csv(invoice: Invoice) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for line in invoice.lines:
        writer.writerow({"record": "line", **_line(invoice, line)})
    for record, figure in (
        ("total", invoice.total),
        ("billed", invoice.billed),
        ("truncated", invoice.truncated),
    ):
        writer.writerow(
            {
                "record": record,
                "month": invoice.month,
                "account_id": invoice.account_id,
                "amount": _text(figure),
                "currency": invoice.currency,
            }
        )
    return out.getvalue()
