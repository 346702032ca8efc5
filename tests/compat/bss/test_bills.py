"""Every BSS query through huaweicloudsdkbss, over usage made by invoking real functions:
the SDK's types, the figures agreeing with each other, filters and pages."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from huaweicloudsdkbss.v2 import (
    ListCustomerBillsFeeRecordsRequest,
    ListCustomerselfResourceRecordsRequest,
    ListFreeResourcesUsageRecordsRequest,
    ListResourceUsageSummaryRequest,
    ShowCustomerAccountBalancesRequest,
    ShowCustomerMonthlySumRequest,
)

from tests.compat.bss.conftest import CURRENCY, FREE_REQUESTS, REQUEST_PRICE, Tenant, this_month, today

FUNCTIONGRAPH = "hws.service.type.functiongraph"
FUNCTION = "hws.resource.type.function"


def fee_records(tenant: Tenant, **params: Any) -> tuple[list[Any], int]:
    params.setdefault("limit", 1000)
    request = ListCustomerselfResourceRecordsRequest(cycle=this_month(), **params)
    response = tenant.bss.list_customerself_resource_records(request)
    assert response.currency == CURRENCY
    return list(response.fee_records or []), int(response.total_count)


def bill_records(tenant: Tenant, **params: Any) -> list[Any]:
    request = ListCustomerBillsFeeRecordsRequest(bill_cycle=this_month(), limit=1000, **params)
    response = tenant.bss.list_customer_bills_fee_records(request)
    assert response.total_count == len(response.records)
    return list(response.records)


def usage_by_type(found: list[Any]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for r in found:
        out[r.usage_type] = out.get(r.usage_type, Decimal(0)) + r.usage
    return out


def test_the_monthly_sum_is_what_the_resource_records_add_up_to(billed: tuple[Tenant, list[str]]) -> None:
    tenant, _urns = billed
    summed = tenant.bss.show_customer_monthly_sum(ShowCustomerMonthlySumRequest(bill_cycle=this_month()))
    assert (summed.total_count, summed.currency, summed.measure_id) == (1, CURRENCY, 1)
    [line] = summed.bill_sums
    assert (line.service_type_code, line.resource_type_code) == (FUNCTIONGRAPH, FUNCTION)
    assert (line.charging_mode, line.bill_type, line.customer_id) == (3, 1, tenant.account_id)
    assert line.bill_cycle == this_month()
    for amount in (line.official_amount, line.consume_amount, line.truncated_amount, summed.consume_amount):
        assert isinstance(amount, Decimal)
    assert line.consume_amount == line.official_amount - line.official_discount_amount - line.truncated_amount
    # Billed to cents half up, as invoices are (a usage that lands on half a cent goes up).
    assert line.consume_amount == line.official_amount.quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert summed.consume_amount == line.consume_amount
    assert summed.debt_amount == line.debt_amount == line.consume_amount  # nothing is paid through Welkin
    for project, count in (("0", 1), ("another", 0)):
        request = ShowCustomerMonthlySumRequest(bill_cycle=this_month(), enterprise_project_id=project)
        assert tenant.bss.show_customer_monthly_sum(request).total_count == count
    request = ShowCustomerMonthlySumRequest(bill_cycle=this_month(), service_type_code="hws.service.type.obs")
    emptied = tenant.bss.show_customer_monthly_sum(request)
    assert (emptied.total_count, emptied.bill_sums, emptied.consume_amount) == (0, [], 0)

    records, _ = fee_records(tenant, statistic_type=1)
    assert sum(r.amount for r in records) == line.official_amount
    # 6 requests, the first 3 free, the rest at 0.5; the duration has no free tier.
    requests = [r for r in records if r.usage_type == "fgs_requests"]
    assert sum(r.usage for r in requests) == 6
    assert sum(r.free_resource_usage for r in requests) == FREE_REQUESTS
    assert sum(r.amount for r in requests) == 3 * REQUEST_PRICE
    duration = [r for r in records if r.usage_type == "fgs_duration"]
    assert all(r.amount > 0 and r.free_resource_usage == 0 for r in duration)


def test_by_cycle_by_day_and_by_hour_agree(billed: tuple[Tenant, list[str]]) -> None:
    tenant, urns = billed
    views = {kind: fee_records(tenant, statistic_type=kind)[0] for kind in (1, 2, 3)}
    totals = {kind: (sum(r.amount for r in found), usage_by_type(found)) for kind, found in views.items()}
    assert totals[1] == totals[2] == totals[3]
    assert totals[1][0] > 0
    assert len(views[1]) == 4  # two functions, two usage types
    assert {r.resource_id for r in views[1]} == set(urns)
    default, _ = fee_records(tenant)  # statistic_type 3 unless asked
    assert [r.id for r in default] == [r.id for r in views[3]]
    for r in views[3]:
        assert isinstance(r.usage, Decimal)
        assert isinstance(r.unit_price, Decimal)
        assert (r.charge_mode, r.bill_type, r.period_type) == ("3", 5, "25")
        assert (r.cloud_service_type, r.resource_type, r.enterprise_project_id) == (
            FUNCTIONGRAPH,
            FUNCTION,
            "0",
        )
        assert r.customer_id == tenant.account_id
        assert r.consume_time.endswith(":00:00Z")
        assert r.bill_date == r.consume_time[:10]
        assert r.usage_measure_id == (1001 if r.usage_type == "fgs_requests" else 1002)
        assert r.id
    assert all(r.id is None for r in views[1])


def test_pages_cover_every_record_once(billed: tuple[Tenant, list[str]]) -> None:
    tenant, _urns = billed
    everything, total = fee_records(tenant, statistic_type=3)
    assert total == len(everything) >= 4
    pages = []
    for offset in range(total):
        page, count = fee_records(tenant, statistic_type=3, offset=offset, limit=1)
        assert count == total
        pages += page
    assert [r.id for r in pages] == [r.id for r in everything]
    beyond, count = fee_records(tenant, statistic_type=3, offset=total)
    assert (beyond, count) == ([], total)
    ten, _ = fee_records(tenant, statistic_type=3, limit=None)
    assert len(ten) == min(total, 10)


def test_resource_record_filters(billed: tuple[Tenant, list[str]]) -> None:
    tenant, urns = billed
    every, total = fee_records(tenant, statistic_type=1)
    region = every[0].region

    def count(**params: Any) -> int:
        return fee_records(tenant, statistic_type=1, **params)[1]

    assert count(resource_id=urns[0]) == 2
    assert count(cloud_service_type=FUNCTIONGRAPH, region=region, charge_mode="3", bill_type=5) == total
    assert count(cloud_service_type="hws.service.type.obs") == 0
    assert count(region="elsewhere-1") == 0
    assert count(charge_mode="1") == count(bill_type=1) == 0
    assert count(enterprise_project_id="0") == total
    assert count(enterprise_project_id="another") == 0
    assert count(trade_id=every[0].trade_id) == total
    # The free tier may pay all of a function's requests: that record costs nothing.
    assert count(include_zero_record=False) == len([r for r in every if r.amount != 0])
    assert count(include_zero_record=True) == total
    day = every[0].effective_time[:10]
    assert 0 < count(bill_date_begin=day, bill_date_end=day) <= total
    assert count(method="oneself") == count(method="all") == total


def test_daily_bill_records_add_up_to_the_same_amount(billed: tuple[Tenant, list[str]]) -> None:
    tenant, _urns = billed
    records = bill_records(tenant)
    resources, _ = fee_records(tenant, statistic_type=1)
    assert sum(r.consume_amount for r in records) == sum(r.amount for r in resources)
    for r in records:
        assert (r.charging_mode, r.provider_type, r.bill_type, r.status) == (3, 1, 5, 3)
        assert (r.service_type_code, r.resource_type_code, r.customer_id) == (
            FUNCTIONGRAPH,
            FUNCTION,
            tenant.account_id,
        )
        assert r.official_amount == r.official_discount_amount + r.erase_amount + r.consume_amount
        assert isinstance(r.consume_amount, Decimal)
    assert len(bill_records(tenant, status=3, provider_type=1, charging_mode=3, bill_type=5)) == len(records)
    assert bill_records(tenant, status=2) == []
    assert bill_records(tenant, service_type_code="hws.service.type.obs") == []
    assert len(bill_records(tenant, region_code=records[0].region_code)) == len(records)


def test_free_resource_records_are_the_free_tier_used(billed: tuple[Tenant, list[str]]) -> None:
    tenant, urns = billed
    begin = this_month() + "-01"

    def free(**params: Any) -> list[Any]:
        request = ListFreeResourcesUsageRecordsRequest(
            deduct_time_begin=begin, deduct_time_end=today(), limit=1000, **params
        )
        response = tenant.bss.list_free_resources_usage_records(request)
        assert response.total_count == len(response.free_resource_records)
        return list(response.free_resource_records)

    records = free()
    assert records
    assert sum(Decimal(r.used_amount) for r in records) == FREE_REQUESTS
    assert records[0].available_amount == str(FREE_REQUESTS)
    assert records[-1].remaining_amount == "0"
    for r in records:
        assert isinstance(r.used_amount, str)
        assert Decimal(r.available_amount) - Decimal(r.used_amount) == Decimal(r.remaining_amount)
        assert (r.usage_type_code, r.resource_type_code) == ("fgs_requests", FUNCTION)
        assert r.resource_id in urns
        assert r.deduct_time.endswith(":00:00Z")
        assert r.measure_id == 1001
    assert len({r.free_resource_id for r in records}) == 1
    assert free(free_resource_id=records[0].free_resource_id) == records
    assert free(product_id=records[0].product_id) == records
    assert free(resource_type_code="hws.resource.type.obs") == []
    assert free(free_resource_id="another") == []


def test_no_bandwidth_is_billed_by_its_95th_percentile(billed: tuple[Tenant, list[str]]) -> None:
    tenant, _urns = billed
    request = ListResourceUsageSummaryRequest(
        bill_cycle=this_month(),
        service_type_code="hws.service.type.obs",
        resource_type_code="hws.resource.type.obs",
        usage_type="95Peak",
    )
    response = tenant.bss.list_resource_usage_summary(request)
    assert (response.total_count, response.summary_usage_info_list) == (0, [])


def test_the_balance_is_one_account_owing_nothing_for_a_month_not_yet_closed(
    billed: tuple[Tenant, list[str]],
) -> None:
    tenant, _urns = billed
    response = tenant.bss.show_customer_account_balances(ShowCustomerAccountBalancesRequest())
    assert (response.currency, response.measure_id, response.debt_amount) == (CURRENCY, 1, 0)
    assert isinstance(response.debt_amount, Decimal)
    [balance] = response.account_balances
    assert (balance.account_id, balance.account_type, balance.currency) == (tenant.account_id, 1, CURRENCY)
    assert isinstance(balance.amount, Decimal)
    assert balance.amount == 0
