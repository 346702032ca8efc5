"""Huawei BSS's billing API: routes, who is calling, and the one account they may see.

BSS is a global service: huaweicloudsdkbss signs with GlobalCredentials and sends no project
id, and sends X-Domain-Id only when the client was given one. So the caller's account comes
from the signature or the token; an X-Domain-Id naming another account is refused (403
CBC.0151). Every answer is about the caller's own account and nothing else: Welkin has no
enterprise sub-customers, so ``method`` ``all`` and ``oneself`` mean the same, and
``sub_customer`` is accepted only with the caller's own account as ``sub_customer_id``.

Bill cycles are Welkin's UTC months (Huawei's are UTC+8). See docs/bss.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from welkin.billing.breakdown import HourlyCharge
from welkin.billing.bssapi import records
from welkin.billing.bssapi.errors import BssErrorBoundary
from welkin.billing.bssapi.params import DateRange, Query
from welkin.billing.bssapi.records import Owner, Record
from welkin.billing.bssapi.render import AMOUNT_MEASURE, Json, bss_json
from welkin.billing.service import BillingService
from welkin.core import errors
from welkin.core.clock import Clock
from welkin.iam.api.context import ApiContext, AuditMiddleware

BILL_VIEW = "bss:bill:view"
BALANCE_VIEW = "bss:balance:view"
PREFIXES = ("/v2/bills", "/v2/accounts")
METHODS = ("oneself", "sub_customer", "all")
CHARGE_MODES = ("1", "3", "10", "11")
BILL_TYPES = tuple(str(t) for t in (1, 2, 3, 4, 5, 8, 9, 14, 16, 18, 20, 23, 24, 25, 103))
STATISTIC_TYPES = ("1", "2", "3")
# ListResourceUsageSummary serves only bandwidth billed by its 95th percentile.
PEAK_SERVICES = (
    "hws.service.type.cdn",
    "hws.service.type.obs",
    "hws.service.type.vpc",
    "hws.service.type.iec",
)
PEAK_RESOURCES = (
    "hws.resource.type.cdn",
    "hws.resource.type.obs",
    "hws.resource.type.bandwidth",
    "hws.resource.type.edgebandwidth",
)
PEAK_USAGE_TYPES = ("95Peak", "95peak_1000", "bandwidth95peak", "95peak_plus")
ZERO_TOTALS = (
    "coupon_amount",
    "flexipurchase_coupon_amount",
    "stored_value_card_amount",
    "cash_amount",
    "credit_amount",
    "writeoff_amount",
)


class BssApi:
    def __init__(self, api: ApiContext, billing: BillingService) -> None:
        self.api = api
        self.billing = billing

    def routes(self) -> list[Route]:
        bills = "/v2/bills/customer-bills"
        return [
            Route(f"{bills}/monthly-sum", self.monthly_sum, methods=["GET"], name="ShowCustomerMonthlySum"),
            Route(
                f"{bills}/res-fee-records",
                self.resource_records,
                methods=["GET"],
                name="ListCustomerselfResourceRecords",
            ),
            Route(
                f"{bills}/fee-records", self.fee_records, methods=["GET"], name="ListCustomerBillsFeeRecords"
            ),
            Route(
                f"{bills}/resources/usage/summary",
                self.usage_summary,
                methods=["GET"],
                name="ListResourceUsageSummary",
            ),
            Route(
                f"{bills}/free-resources-usage-records",
                self.free_resource_records,
                methods=["GET"],
                name="ListFreeResourcesUsageRecords",
            ),
            Route(
                "/v2/accounts/customer-accounts/balances",
                self.balances,
                methods=["GET"],
                name="ShowCustomerAccountBalances",
            ),
        ]

    async def caller(self, request: Request, action: str) -> Owner:
        principal = await self.api.caller(request)
        domain_id = request.headers.get("x-domain-id")
        if domain_id and domain_id != principal.account_id:
            raise errors.AccessDenied("X-Domain-Id names another account than the one you authenticated as.")
        await self.api.iam.permissions.authorize(principal, action)
        return Owner(principal.account_id, principal.account_name)

    def currency(self) -> str:
        catalog = self.billing.catalog
        return catalog.versions(catalog.usage_types[0])[0].currency

    # --- the routes ---------------------------------------------------------------------------
    async def monthly_sum(self, request: Request) -> Response:
        owner = await self.caller(request, BILL_VIEW)
        query = Query(request.query_params)
        cycle = query.cycle("bill_cycle")
        service_type = query.text("service_type_code")
        project = query.text("enterprise_project_id")
        page = query.page()
        _own_only(query, owner)
        bill = await self.billing.bill(owner.account_id, cycle)
        # Sums carry no project: all of Welkin's usage is in the default one.
        in_project = project in (None, records.DEFAULT_PROJECT)
        sums = matching(
            records.bill_sums(bill, owner) if in_project else [], {"service_type_code": service_type}
        )
        body: dict[str, Json] = {
            "total_count": len(sums),
            "bill_sums": page.of(sums),
            "consume_amount": _total(sums, "consume_amount"),
            "debt_amount": _total(sums, "debt_amount"),
            **dict.fromkeys(ZERO_TOTALS, records.ZERO),
            "measure_id": AMOUNT_MEASURE,
            "currency": self.currency(),
        }
        return bss_json(body)

    async def resource_records(self, request: Request) -> Response:
        owner = await self.caller(request, BILL_VIEW)
        query = Query(request.query_params)
        cycle = query.cycle("cycle")
        wanted = {
            "cloud_service_type": query.text("cloud_service_type"),
            "region": query.text("region"),
            "charge_mode": query.one_of("charge_mode", CHARGE_MODES),
            "bill_type": _integer(query.one_of("bill_type", BILL_TYPES)),
            "resource_id": query.text("resource_id"),
            "enterprise_project_id": query.text("enterprise_project_id"),
            "trade_id": query.text("trade_id"),
        }
        zero_too = query.boolean("include_zero_record")
        days = query.days_of_cycle("bill_date_begin", "bill_date_end", cycle)
        statistic_type = int(query.one_of("statistic_type", STATISTIC_TYPES) or 3)
        page = query.page()
        _own_only(query, owner)
        statement = await self.billing.statement(owner.account_id, cycle)
        currency = self.currency()
        charges = records.by_statistic(_within(statement.hours, days), statistic_type)
        found = [records.fee_record(owner, cycle, c, statistic_type, currency) for c in charges]
        found = _non_zero(matching(found, wanted), "amount", zero_too)
        return bss_json({"fee_records": page.of(found), "total_count": len(found), "currency": currency})

    async def fee_records(self, request: Request) -> Response:
        owner = await self.caller(request, BILL_VIEW)
        query = Query(request.query_params)
        cycle = query.cycle("bill_cycle")
        wanted = {
            "provider_type": query.number("provider_type", 1, 2),
            "service_type_code": query.text("service_type_code"),
            "resource_type_code": query.text("resource_type_code"),
            "region_code": query.text("region_code"),
            "charging_mode": _integer(query.one_of("charging_mode", CHARGE_MODES)),
            "bill_type": _integer(query.one_of("bill_type", BILL_TYPES)),
            "trade_id": query.text("trade_id"),
            "enterprise_project_id": query.text("enterprise_project_id"),
            "status": query.number("status", 1, 3),
        }
        zero_too = query.boolean("include_zero_record")
        days = query.days_of_cycle("bill_date_begin", "bill_date_end", cycle)
        page = query.page()
        _own_only(query, owner)
        statement = await self.billing.statement(owner.account_id, cycle)
        found = records.bill_records(statement, owner, _within(statement.hours, days))
        found = _non_zero(matching(found, wanted), "consume_amount", zero_too)
        return bss_json({"total_count": len(found), "records": page.of(found), "currency": self.currency()})

    async def usage_summary(self, request: Request) -> Response:
        """Welkin bills no bandwidth by its 95th percentile, so no resource has such a summary."""
        await self.caller(request, BILL_VIEW)
        query = Query(request.query_params)
        query.cycle("bill_cycle")
        for name, choices in (
            ("service_type_code", PEAK_SERVICES),
            ("resource_type_code", PEAK_RESOURCES),
            ("usage_type", PEAK_USAGE_TYPES),
        ):
            query.required(name)
            query.one_of(name, choices)
        query.page()
        return bss_json({"total_count": 0, "summary_usage_info_list": []})

    async def free_resource_records(self, request: Request) -> Response:
        owner = await self.caller(request, BILL_VIEW)
        query = Query(request.query_params)
        span = query.deduction_span("deduct_time_begin", "deduct_time_end")
        wanted = {
            "free_resource_id": query.text("free_resource_id"),
            "product_id": query.text("product_id"),
            "resource_type_code": query.text("resource_type_code"),
        }
        page = query.page()
        found: list[Record] = []
        for cycle in _months(span):
            statement = await self.billing.statement(owner.account_id, cycle)
            found += [
                r
                for r in matching(records.free_records(statement, owner), wanted)
                if date.fromisoformat(str(r["deduct_time"])[:10]) in span
            ]
        return bss_json({"free_resource_records": page.of(found), "total_count": len(found)})

    async def balances(self, request: Request) -> Response:
        owner = await self.caller(request, BALANCE_VIEW)
        debt = records.ZERO
        for month in await self.billing.months(owner.account_id):
            bill = await self.billing.bill(owner.account_id, month)
            if bill.final:  # a closed month is owed until paid; Welkin takes no payments
                debt += bill.invoice.billed
        currency = self.currency()
        balance: Record = {
            "account_id": owner.account_id,
            "account_type": 1,  # the balance account; Welkin keeps no credit, bonus or deposit
            "amount": records.ZERO,
            "designated_amount": records.ZERO,
            "credit_amount": records.ZERO,
            "currency": currency,
            "measure_id": AMOUNT_MEASURE,
        }
        body: dict[str, Json] = {
            "account_balances": [balance],
            "debt_amount": debt,
            "measure_id": AMOUNT_MEASURE,
            "currency": currency,
        }
        return bss_json(body)


def matching(found: list[Record], wanted: Mapping[str, Json]) -> list[Record]:
    """The records whose fields equal every wanted value that is not None."""
    filters = [(k, v) for k, v in wanted.items() if v is not None]
    return [r for r in found if all(r.get(k) == v for k, v in filters)]


def _own_only(query: Query, owner: Owner) -> None:
    method = query.one_of("method", METHODS)
    sub_customer = query.text("sub_customer_id")
    if method != "sub_customer":
        return
    if sub_customer is None:
        raise errors.InvalidArgument("sub_customer_id is required when method is sub_customer.")
    if sub_customer != owner.account_id:
        raise errors.AccessDenied(
            "Welkin has no enterprise sub-customers: an account sees its own bills and no one else's."
        )


def _integer(value: str | None) -> int | None:
    return None if value is None else int(value)


def _total(found: list[Record], field: str) -> Decimal:
    amounts = [r[field] for r in found]
    return sum((a for a in amounts if isinstance(a, Decimal)), records.ZERO)


def _non_zero(found: list[Record], field: str, zero_too: bool | None) -> list[Record]:
    if zero_too is not False:
        return found
    return [r for r in found if r[field] != records.ZERO]


def _within(hours: Iterable[HourlyCharge], days: DateRange | None) -> list[HourlyCharge]:
    return [h for h in hours if days is None or h.hour.date() in days]


def _months(span: DateRange) -> list[str]:
    months: list[str] = []
    year, month = span.first.year, span.first.month
    while (year, month) <= (span.last.year, span.last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


async def _not_served(scope: Scope, receive: Receive, send: Send) -> None:
    raise errors.NotFound(
        f"No BSS API at {scope['method']} {scope['path']} in this Welkin "
        "(see docs/bss.md for what is served)."
    )


def bss_app(api: ApiContext, billing: BillingService, clock: Clock) -> ASGIApp:
    router = Router(BssApi(api, billing).routes(), default=_not_served)
    return BssErrorBoundary(AuditMiddleware(router, api.iam, clock, "bss"))
