"""Who sees which bills: only the caller's own account, only with BSS permissions, and every
bad parameter refused with CBC.0100."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from huaweicloudsdkbss.v2 import (
    BssClient,
    ListCustomerBillsFeeRecordsRequest,
    ListCustomerselfResourceRecordsRequest,
    ListFreeResourcesUsageRecordsRequest,
    ListResourceUsageSummaryRequest,
    ShowCustomerAccountBalancesRequest,
    ShowCustomerMonthlySumRequest,
)

from tests.compat.bss.conftest import (
    Bss,
    Tenant,
    bss_client,
    failure,
    invoke,
    this_month,
    today,
    wait_for_requests,
)


def monthly_sum(client: BssClient, **params: Any) -> Any:
    params.setdefault("bill_cycle", this_month())
    return client.show_customer_monthly_sum(ShowCustomerMonthlySumRequest(**params))


def resources(client: BssClient, **params: Any) -> Any:
    params.setdefault("cycle", this_month())
    return client.list_customerself_resource_records(ListCustomerselfResourceRecordsRequest(**params))


def bills(client: BssClient, **params: Any) -> Any:
    params.setdefault("bill_cycle", this_month())
    return client.list_customer_bills_fee_records(ListCustomerBillsFeeRecordsRequest(**params))


def free(client: BssClient, **params: Any) -> Any:
    params = {"deduct_time_begin": this_month() + "-01", "deduct_time_end": today(), **params}
    return client.list_free_resources_usage_records(ListFreeResourcesUsageRecordsRequest(**params))


def peaks(client: BssClient, **params: Any) -> Any:
    params = {
        "bill_cycle": this_month(),
        "service_type_code": "hws.service.type.cdn",
        "resource_type_code": "hws.resource.type.cdn",
        "usage_type": "95Peak",
        **params,
    }
    return client.list_resource_usage_summary(ListResourceUsageSummaryRequest(**params))


def balances(client: BssClient) -> Any:
    return client.show_customer_account_balances(ShowCustomerAccountBalancesRequest())


BAD: list[tuple[Callable[..., Any], dict[str, Any]]] = [
    (monthly_sum, {"bill_cycle": None}),
    (monthly_sum, {"bill_cycle": "2026-13"}),
    (monthly_sum, {"bill_cycle": "2026/11"}),
    (monthly_sum, {"offset": -1}),
    (monthly_sum, {"limit": 0}),
    (monthly_sum, {"limit": 1001}),
    (monthly_sum, {"method": "everyone"}),
    (monthly_sum, {"method": "sub_customer"}),
    (resources, {"cycle": None}),
    (resources, {"cycle": "11-2026"}),
    (resources, {"statistic_type": 4}),
    (resources, {"charge_mode": "2"}),
    (resources, {"bill_type": 6}),
    (resources, {"bill_date_begin": "2020-01-01", "bill_date_end": "2020-01-02"}),
    (resources, {"bill_date_begin": this_month() + "-01"}),
    (resources, {"bill_date_begin": this_month() + "-02", "bill_date_end": this_month() + "-01"}),
    (resources, {"bill_date_begin": "yesterday", "bill_date_end": this_month() + "-01"}),
    (bills, {"bill_cycle": "2026"}),
    (bills, {"status": 4}),
    (bills, {"provider_type": 3}),
    (bills, {"charging_mode": 2}),
    (bills, {"limit": 5000}),
    (free, {"deduct_time_begin": None}),
    (free, {"deduct_time_end": None}),
    (free, {"deduct_time_begin": "2026-01-01", "deduct_time_end": "2026-06-01"}),
    (free, {"deduct_time_begin": "2026-06-02", "deduct_time_end": "2026-06-01"}),
    (free, {"deduct_time_begin": "2026-02-30", "deduct_time_end": "2026-03-01"}),
    (peaks, {"usage_type": None}),
    (peaks, {"usage_type": "fgs_requests"}),
    (peaks, {"service_type_code": "hws.service.type.functiongraph"}),
    (peaks, {"resource_type_code": None}),
    (peaks, {"bill_cycle": None}),
]


@pytest.fixture(scope="module")
def tenant(bss: Bss) -> Tenant:
    return bss.tenant()


@pytest.mark.parametrize(("call", "params"), BAD, ids=[f"{c.__name__}-{p}" for c, p in BAD])
def test_every_bad_parameter_is_cbc_0100(
    tenant: Tenant, call: Callable[..., Any], params: dict[str, Any]
) -> None:
    error = failure(lambda: call(tenant.bss, **params))
    assert (error.status_code, error.error_code) == (400, "CBC.0100")
    assert error.error_msg
    assert error.request_id


def test_a_user_needs_bss_permissions(bss: Bss, tenant: Tenant) -> None:
    nobody = bss.user(tenant)
    for call in (monthly_sum, resources, bills, free, peaks, balances):
        error = failure(lambda call=call: call(nobody))
        assert (error.status_code, error.error_code) == (403, "CBC.0151")
    reader = bss.user(tenant, "bss_readonly_access")
    assert monthly_sum(reader).total_count == 0
    assert balances(reader).account_balances[0].account_id == tenant.account_id


def test_x_domain_id_may_name_only_the_callers_account(bss: Bss, tenant: Tenant) -> None:
    other = bss.tenant()
    own = bss_client(bss.url, tenant.access_key, tenant.secret_key, tenant.account_id)
    assert monthly_sum(own).total_count == 0
    foreign = bss_client(bss.url, tenant.access_key, tenant.secret_key, other.account_id)
    for call in (monthly_sum, balances):
        error = failure(lambda call=call: call(foreign))
        assert (error.status_code, error.error_code) == (403, "CBC.0151")


def test_a_wrong_signature_or_token_is_cbc_0154(bss: Bss, tenant: Tenant) -> None:
    wrong = bss_client(bss.url, tenant.access_key, "not-the-secret-key")
    error = failure(lambda: monthly_sum(wrong))
    assert (error.status_code, error.error_code) == (401, "CBC.0154")
    response = httpx.get(
        f"{bss.url}/v2/accounts/customer-accounts/balances", headers={"X-Auth-Token": "nonsense"}, timeout=10
    )
    assert (response.status_code, response.json()["error_code"]) == (401, "CBC.0154")


def test_a_path_bss_does_not_serve_is_a_bss_404(bss: Bss, tenant: Tenant) -> None:
    token = bss.token(tenant.name, tenant.admin_name, tenant.admin_password)
    response = httpx.get(f"{bss.url}/v2/bills/nothing-here", headers={"X-Auth-Token": token}, timeout=10)
    assert (response.status_code, response.json()["error_code"]) == (404, "CBC.0404")
    assert response.headers["x-request-id"] == response.json()["request_id"]


def test_no_account_sees_anothers_usage(bss: Bss) -> None:
    first, second = bss.tenant(), bss.tenant()
    first_urn, second_urn = invoke(first, 2), invoke(second, 1)
    wait_for_requests(first, 2)
    wait_for_requests(second, 1)
    for kind in (1, 2, 3):
        records = resources(second.bss, statistic_type=kind, limit=1000).fee_records
        assert {r.customer_id for r in records} == {second.account_id}
        assert {r.resource_id for r in records} == {second_urn}
        assert resources(second.bss, statistic_type=kind, resource_id=first_urn).total_count == 0
    assert {r.customer_id for r in bills(second.bss).records} == {second.account_id}
    assert {r.customer_id for r in monthly_sum(second.bss).bill_sums} == {second.account_id}
    theirs = free(first.bss).free_resource_records
    assert theirs
    assert free(second.bss, free_resource_id=theirs[0].free_resource_id).total_count == 0
    assert {r.resource_id for r in free(second.bss).free_resource_records} == {second_urn}
    # No parameter reaches another account: sub-customers are refused, one's own is allowed.
    error = failure(lambda: monthly_sum(second.bss, method="sub_customer", sub_customer_id=first.account_id))
    assert (error.status_code, error.error_code) == (403, "CBC.0151")
    own = monthly_sum(second.bss, method="sub_customer", sub_customer_id=second.account_id)
    assert {r.customer_id for r in own.bill_sums} == {second.account_id}
