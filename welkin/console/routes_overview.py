"""The overview: what the signed-in account has and what it costs this month.

Each figure shows only when the user may read it, with the check its own API makes: the
cost (``bss:bill:view``), buckets and objects (ListBuckets), functions (FunctionGraph's list),
invocations and errors today (FunctionGraph's statistics). Anything else shows as hidden,
never as an error page.

Every figure is one query or a kept one: the month's estimate and the object count (a COUNT
over every bucket) come from ``billing_figures.py``, which keeps heavy ones a minute; the
functions' figures of the day are one read of the project's minute totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from welkin.billing.api import VIEW_BILL
from welkin.billing.budgets import forecast
from welkin.billing.rating import EIGHT_PLACES
from welkin.console.billing_figures import PAGE_WAIT, BillingFigures, plain
from welkin.console.context import Console, SignedIn
from welkin.console.kept import Pending
from welkin.core import errors
from welkin.functions.urns import function_urn
from welkin.iam import actions

_ERRORS_SHOWN = 10
_SERVICES_SHOWN = 5


@dataclass(frozen=True)
class FunctionErrors:
    package: str
    name: str
    errors: int
    invocations: int


def routes(console: Console, figures: BillingFigures) -> list[BaseRoute]:
    region = console.region

    async def cost(signed: SignedIn) -> dict[str, Any]:
        if not await console.can(signed, VIEW_BILL):
            return {"cost": None, "cost_pending": None}
        month = figures.current_month()
        try:
            shown = await figures.month(signed.account_id, month, PAGE_WAIT)
        except Pending as pending:
            return {"cost": None, "cost_pending": pending.since, "month": month}
        invoice = shown.value.bill.invoice
        projected = forecast(invoice.total, month, region.clock.now()).quantize(EIGHT_PLACES)
        return {
            "cost": invoice,
            "cost_pending": None,
            "forecast": projected,
            "computed_at": shown.computed_at,
            "top_services": shown.value.services[:_SERVICES_SHOWN],
            "month": month,
        }

    async def storage(signed: SignedIn) -> dict[str, Any]:
        if not await console.obs_can(signed, "ListBuckets", None):
            return {"buckets": None, "objects": None}
        account_id = signed.account_id
        buckets = await region.obs.buckets.list_owned(account_id)
        objects = await figures.object_count(account_id, lambda: region.obs.buckets.count_objects(account_id))
        return {"buckets": len(buckets), "objects": objects.value, "objects_at": objects.computed_at}

    async def functions(signed: SignedIn) -> dict[str, Any]:
        registry = region.functions
        try:
            _page, total = await registry.functions(signed.scope, None, None, 0, 1)
        except errors.AccessDenied:
            total = None
        try:
            await registry.authorize(signed.scope, actions.FGS_GET_STATISTICS)
        except errors.AccessDenied:
            return {"functions": total, "invocations_today": None, "recent_errors": None}
        now = region.clock.now()
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        prefix = function_urn(registry.region, signed.project.id, "", "")[:-1]
        per_function = await region.invocations.invoker.metrics.functions_since(prefix, midnight)
        failing = []
        for urn, day in per_function.items():
            if day.errors:
                package, _, name = urn[len(prefix) :].partition(":")
                failing.append(FunctionErrors(package, name, day.errors, day.count))
        failing.sort(key=lambda f: (-f.errors, f.package, f.name))
        return {
            "functions": total,
            "invocations_today": sum(day.count for day in per_function.values()),
            "recent_errors": failing[:_ERRORS_SHOWN],
            "since": midnight,
        }

    async def overview(_request: Request, signed: SignedIn) -> Response:
        values: dict[str, Any] = {}
        for part in (cost, storage, functions):
            values.update(await part(signed))
        return console.render(signed, "overview.html", section="overview", plain=plain, **values)

    return [console.page("/console/", overview, "ConsoleOverview")]
