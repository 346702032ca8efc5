"""The billing pages against a real ``welkin up``: the month's lines as usage is metered, the CSV,
budgets and their alerts, who may see what, and invoices of a closed month (in-process, on a
clock the test moves)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import httpx
import pytest

from tests.conftest import ROOT_PASSWORD, Welkin, start_welkin, stop_welkin
from tests.console.billing_helpers import Tenant, cells, poll, rated, row, tenant, token, user
from tests.console.conftest import ConsoleClient
from tests.inprocess import serve_region
from welkin.config import Settings
from welkin.core.clock import ManualClock

NewClient = Callable[[], ConsoleClient]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Welkin]:
    # Budgets evaluated every second, so that an alert shows within the test.
    base = tmp_path_factory.mktemp("console-billing")
    running = start_welkin(base / "data", extra_env={"WELKIN_BILLING_BUDGET_INTERVAL_SECONDS": "1"})
    try:
        yield running
    finally:
        stop_welkin(running)


@pytest.fixture(scope="module")
def used(server: Welkin) -> Tenant:
    """An account that invoked a function three times and wrote to a bucket."""
    acct = tenant(server.url, "used")
    urn = acct.function("metered")
    acct.invoke(urn, 3)
    acct.s3.create_bucket(Bucket=f"{acct.name}-data")
    for n in range(4):
        acct.s3.put_object(Bucket=f"{acct.name}-data", Key=f"k{n}", Body=b"x" * 100)
    return acct


def _has_lines(*usage_types: str) -> Callable[[str], bool]:
    return lambda html: all(f'data-usage-type="{u}"' in html for u in usage_types)


def _all_metered(html: str) -> bool:
    """The three invocations and five writes of ``used`` have all reached billing."""
    if not _has_lines("fgs_requests", "obs_requests_write")(html):
        return False
    invoked = cells(row(html, 'data-usage-type="fgs_requests"'))[3]
    written = cells(row(html, 'data-usage-type="obs_requests_write"'))[3]
    return invoked == "3 request" and written == "5 request"


def test_the_month_shows_each_line_with_quantity_price_and_amount(
    used: Tenant, new_client: NewClient
) -> None:
    client = used.console(new_client())
    html = poll(lambda: client.get("/console/billing"), _all_metered)
    month = datetime.now(UTC).strftime("%Y-%m")
    assert f"Billing · {month}" in html
    service, usage, resource, quantity, free, price, amount = cells(
        row(html, 'data-usage-type="fgs_requests"')
    )
    assert service == "FunctionGraph"
    assert usage == "fgs_requests"
    assert resource.startswith(f"urn:fss:local-1:{used.project_id}:function:default:metered")
    assert quantity == "3 request"
    assert free == "3"  # the free tier: a million requests a month
    assert price == "0.20 USD per 1,000,000 request"
    assert amount == "0.00000000"
    writes = cells(row(html, 'data-usage-type="obs_requests_write"'))
    assert writes[0] == "Object storage (OBS)"
    assert writes[2] == f"{used.name}-data"
    assert writes[3] == "5 request"  # the bucket's creation and four PUTs
    assert writes[5] == "0.05 USD per 10,000 request"
    assert Decimal(writes[6]) > 0
    assert 'id="month-total"' in html
    assert re.search(r'<svg class="chart" viewBox="0 0 \d+ \d+"', html)
    assert re.search(r'<rect class="bar\d"', html)  # the OBS writes cost something today
    assert f'<a id="csv" class="button" href="/console/billing/{month}.csv"' in html
    invoice = row(html, f'data-month="{month}"')
    assert 'class="invoice"' in invoice
    assert f'href="/console/billing/{month}"' in invoice
    assert "style=" not in html  # the CSP refuses inline styles


def test_the_csv_is_the_pages_invoice(used: Tenant, new_client: NewClient) -> None:
    client = used.console(new_client())
    month = datetime.now(UTC).strftime("%Y-%m")
    html = poll(lambda: client.get(f"/console/billing/{month}"), _all_metered)
    shown = re.search(r'id="month-total" data-total="([^"]+)" data-billed="([^"]+)"', html)
    assert shown
    answer = client.http.get(f"/console/billing/{month}.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == f'attachment; filename="invoice-{month}.csv"'
    records = list(csv.DictReader(io.StringIO(answer.text)))
    lines = [r for r in records if r["record"] == "line"]
    total = next(r for r in records if r["record"] == "total")
    billed = next(r for r in records if r["record"] == "billed")
    assert {r["usage_type"] for r in lines} >= {"fgs_requests", "obs_requests_write"}
    assert sum(Decimal(r["amount"]) for r in lines) == Decimal(total["amount"])
    # The page and the file show the same invoice (no usage came between them).
    assert Decimal(total["amount"]) == Decimal(shown.group(1))
    assert Decimal(billed["amount"]) == Decimal(shown.group(2))
    assert {r["account_id"] for r in records} == {used.account_id}


def test_a_budget_is_set_alerts_and_is_removed(used: Tenant, new_client: NewClient) -> None:
    client = used.console(new_client())
    page = poll(lambda: client.get("/console/billing"), _has_lines("obs_requests_write"))
    assert '<form id="budget"' in page
    assert "No budget is set" in page
    # The OBS writes cost a few millionths: 1 % of this budget is reached at once.
    answer = client.post("/console/billing/budget", {"amount": "0.00001", "thresholds": "1, 1000"})
    assert answer.status_code == 303
    assert "The monthly budget is now 0.00001 USD." in client.get("/console/billing").text
    html = poll(lambda: client.get("/console/billing"), lambda h: 'class="alert"' in h)
    assert 'data-budget-amount="0.00001"' in html
    alert = cells(row(html, 'data-threshold="1" data-kind="actual"'))
    assert alert[1] == datetime.now(UTC).strftime("%Y-%m")
    assert alert[3] == "1 %"
    table = re.search(r'<table id="budget-alerts">.*?</table>', html, re.S)
    assert table
    assert 'data-threshold="1000"' not in table.group(0)

    answer = client.post("/console/billing/budget/delete")
    assert answer.status_code == 303
    assert "The monthly budget is removed" in client.get("/console/billing").text
    html = rated(client, "/console/billing")
    assert "No budget is set" in html
    assert 'data-threshold="1" data-kind="actual"' in html  # its alerts stay listed


def test_a_bad_budget_is_refused_with_a_message(used: Tenant, new_client: NewClient) -> None:
    client = used.console(new_client())
    client.get("/console/billing")
    for fields, message in (
        ({"amount": "<script>x</script>", "thresholds": ""}, "must be a number"),
        ({"amount": "-5", "thresholds": ""}, "more than zero"),
        ({"amount": "5", "thresholds": "50, <b>"}, "whole percentages"),
    ):
        answer = client.post(
            "/console/billing/budget", fields, headers={"Referer": f"{used.url}/console/billing"}
        )
        assert answer.status_code == 303
        html = client.get("/console/billing").text
        assert message in html
        assert "<script>x" not in html
        assert "<b>" not in html
        assert "No budget is set" in rated(client, "/console/billing")


def test_a_user_without_billing_rights_sees_no_cost(used: Tenant, new_client: NewClient) -> None:
    name, password = user(used, "storage-only", ["OBS ReadOnlyAccess"])
    client = new_client()
    assert client.sign_in(used.name, name, password).status_code == 303
    month = datetime.now(UTC).strftime("%Y-%m")
    for path in ("/console/billing", f"/console/billing/{month}", f"/console/billing/{month}.csv"):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "bss:bill:view" not in answer.text or "Not allowed" in answer.text
        assert "fgs_requests" not in answer.text
    overview = client.get("/console/")
    assert overview.status_code == 200
    assert 'data-stat="cost"' not in overview.text
    assert 'data-stat="forecast"' not in overview.text
    assert 'id="top-services"' not in overview.text
    assert 'data-stat="buckets"' in overview.text  # what OBS ReadOnlyAccess may see, it sees


def test_a_reader_sees_the_bill_but_no_budget_form_and_cannot_set_one(
    used: Tenant, new_client: NewClient
) -> None:
    name, password = user(used, "bss-reader", ["BSS ReadonlyAccess"])
    client = new_client()
    assert client.sign_in(used.name, name, password).status_code == 303
    html = poll(lambda: client.get("/console/billing"), _has_lines("obs_requests_write"))
    assert 'id="budget-alerts"' in html
    assert '<form id="budget"' not in html
    forced = client.post("/console/billing/budget", {"amount": "10", "thresholds": ""})
    assert forced.status_code == 403
    assert "No budget is set" in rated(client, "/console/billing")


def test_accounts_see_only_their_own_bills(used: Tenant, server: Welkin, new_client: NewClient) -> None:
    other = tenant(server.url, "other")
    client = other.console(new_client())
    html = rated(client, "/console/billing")
    assert "Nothing used this month yet." in html
    assert used.name not in html
    assert used.project_id not in html
    month = datetime.now(UTC).strftime("%Y-%m")
    records = list(csv.DictReader(io.StringIO(client.http.get(f"/console/billing/{month}.csv").text)))
    assert [r["record"] for r in records] == ["total", "billed", "truncated"]
    assert {r["account_id"] for r in records} == {other.account_id}


def test_a_month_not_written_yyyy_mm_is_a_400_that_shows_it_as_text(
    used: Tenant, new_client: NewClient
) -> None:
    client = used.console(new_client())
    answer = client.get("/console/billing/<script>alert(1)")
    assert answer.status_code == 400
    assert "<script>alert(1)" not in answer.text
    assert "&lt;script&gt;alert(1)" in answer.text


# --- a closed month, on a clock the test moves ------------------------------------------------
START = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)


def test_a_closed_month_shows_its_final_invoice(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", max_clock_skew_seconds=10**9)
    with serve_region(settings, ManualClock(START)) as region:
        acct = tenant(region.url, "closed")
        acct.s3.create_bucket(Bucket=f"{acct.name}-jan")
        acct.s3.put_object(Bucket=f"{acct.name}-jan", Key="a", Body=b"a")
        # The in-process region is reached as any server is: by its URL.
        early = ConsoleClient(cast(Welkin, SimpleNamespace(url=region.url)))
        try:
            acct.console(early)
            poll(lambda: early.get("/console/billing"), _has_lines("obs_requests_write"))
        finally:
            early.close()
        region.clock.advance(datetime(2026, 2, 1, 2, 0, tzinfo=UTC) - START)
        assert region.call(region.region.billing_closer.close_due) == ["2026-01"]

        client = ConsoleClient(cast(Welkin, SimpleNamespace(url=region.url)))
        try:
            acct.console(client)
            html = rated(client, "/console/billing")
            assert "Billing · 2026-02" in html
            january = row(html, 'data-month="2026-01"')
            assert "closed" in january
            closed = rated(client, "/console/billing/2026-01")
            assert '<span class="badge ok">closed</span>' in closed
            figures = re.search(r'aria-label="The month">.*?</section>', closed, re.S)
            assert figures
            assert "estimated" not in figures.group(0)
            shown = re.search(r'id="month-total" data-total="([^"]+)"', closed)
            assert shown
            writes = cells(row(closed, 'data-usage-type="obs_requests_write"'))
            assert writes[3] == "2 request"
            assert Decimal(writes[6]) == Decimal("0.00001")
            assert '<form id="budget"' not in closed  # budgets belong to the month in progress
            csv_text = client.http.get("/console/billing/2026-01.csv").text
            total = next(r for r in csv.DictReader(io.StringIO(csv_text)) if r["record"] == "total")
            assert Decimal(total["amount"]) == Decimal(shown.group(1))
            assert Decimal(total["amount"]) >= Decimal("0.00001")  # with the bucket's storage

            operator = token(region.url, "admin", "admin", ROOT_PASSWORD)
            paid = httpx.post(
                f"{region.url}/welkin/v1/billing/accounts/{acct.name}/invoices/2026-01/paid", headers=operator
            )
            assert paid.status_code == 200, paid.text
            paid_page = rated(client, "/console/billing/2026-01")
            assert '<span class="badge ok">paid</span>' in paid_page
            assert re.search(r"closed 2026-02-01 \d\d:\d\d:\d\d UTC, paid 2026-02-01", paid_page)
        finally:
            client.close()
