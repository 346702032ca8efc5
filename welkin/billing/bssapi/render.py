"""BSS's JSON: amounts as exact JSON numbers, and the tables of names and measure ids.

huaweicloudsdkbss parses every JSON number of a response as ``Decimal`` (its models type the
amounts so), so an amount is written as the decimal text it is (``12.34000000``, and ``10.0``
for ten, which would otherwise arrive as an int), never through a binary float and never as a
string. The few figures BSS types as strings (free
tier amounts) are rendered as strings by the caller.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal

from starlette.responses import Response

# Huawei's "measure_id" of an amount: 1 is the currency's main unit (Huawei's 元).
AMOUNT_MEASURE = 1
# Usage units' measure ids. Huawei's page on measurement units gives 10 for GB; it does not
# publish the others, so those are Welkin's own, kept here and pinned by a test.
USAGE_MEASURES = {"GB": 10, "request": 1001, "GB-second": 1002, "GB-hour": 1003}
# Display names of the service and resource types Welkin bills; a code not here shows itself.
NAMES = {
    "hws.service.type.functiongraph": "FunctionGraph",
    "hws.resource.type.function": "Function",
    "hws.service.type.obs": "Object Storage Service",
    "hws.resource.type.obs": "Object Storage",
}

Json = None | bool | int | str | Decimal | Sequence["Json"] | Mapping[str, "Json"]


def name_of(code: str) -> str:
    return NAMES.get(code, code)


def measure_of(unit: str) -> int:
    return USAGE_MEASURES.get(unit, 0)


def encode(value: Json) -> str:
    """JSON text with each ``Decimal`` written as a plain decimal number."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a number JSON can carry")
        text = format(value, "f")
        # "10" would reach the client as an int; "10.0" is parsed as the Decimal it is.
        return text if "." in text else f"{text}.0"
    if value is None or isinstance(value, bool | int | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(k)}:{encode(v)}" for k, v in value.items()) + "}"
    return "[" + ",".join(encode(v) for v in value) + "]"


def bss_json(body: Mapping[str, Json]) -> Response:
    return Response(encode(body), media_type="application/json;charset=UTF-8")
