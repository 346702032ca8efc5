"""The overview against a real ``welkin up``: counts after buckets, objects and functions are
made with their own clients, the cost, today's invocations and errors, and who sees what."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.conftest import Welkin
from tests.console.billing_helpers import FAILING, Tenant, cells, poll, rated, row, stat, tenant, user
from tests.console.conftest import ConsoleClient

NewClient = Callable[[], ConsoleClient]


@pytest.fixture(scope="module")
def busy(server: Welkin) -> Tenant:
    """Two buckets with three objects, two functions: one invoked three times, one failing twice."""
    acct = tenant(server.url, "busy")
    for name, keys in ((f"{acct.name}-a", ["x", "y"]), (f"{acct.name}-b", ["z"])):
        acct.s3.create_bucket(Bucket=name)
        for key in keys:
            acct.s3.put_object(Bucket=name, Key=key, Body=b"data")
    acct.s3.delete_object(Bucket=f"{acct.name}-b", Key="gone")  # nothing there: no object either
    acct.invoke(acct.function("fine"), 3)
    acct.invoke(acct.function("broken", code=FAILING), 2)
    return acct


def test_the_overview_counts_what_the_account_has(busy: Tenant, new_client: NewClient) -> None:
    client = busy.console(new_client())
    html = poll(lambda: client.get("/console/"), lambda h: 'data-service-type="hws.service.type.obs"' in h)
    assert stat(html, "buckets") == "2"
    assert stat(html, "objects") == "3"
    assert stat(html, "functions") == "2"
    assert stat(html, "invocations-today") == "5"
    cost = stat(html, "cost")
    assert cost is not None
    assert cost.endswith(" USD")
    assert stat(html, "forecast") is not None
    assert re.search(r"estimated as of <time datetime=\"[^\"]+\">\d\d:\d\d UTC</time>", html)
    services = re.search(r'<table id="top-services">.*?</table>', html, re.S)
    assert services
    assert "Object storage (OBS)" in services.group(0)
    errors = re.search(r'<table id="recent-errors">.*?</table>', html, re.S)
    assert errors
    assert 'href="/console/functions/default/broken"' in errors.group(0)
    assert cells(row(errors.group(0), 'data-function="default/broken"')) == ["broken", "2", "2"]
    assert 'data-function="default/fine"' not in errors.group(0)
    assert "style=" not in html


def test_functiongraph_usage_shows_among_the_top_services(busy: Tenant, new_client: NewClient) -> None:
    client = busy.console(new_client())
    html = poll(
        lambda: client.get("/console/"), lambda h: 'data-service-type="hws.service.type.functiongraph"' in h
    )
    services = re.search(r'<table id="top-services">.*?</table>', html, re.S)
    assert services
    assert "FunctionGraph" in services.group(0)


def test_each_figure_shows_only_to_who_may_read_it(busy: Tenant, new_client: NewClient) -> None:
    name, password = user(busy, "obs-reader", ["OBS ReadOnlyAccess"])
    client = new_client()
    assert client.sign_in(busy.name, name, password).status_code == 303
    html = client.get("/console/").text
    assert stat(html, "buckets") == "2"
    assert stat(html, "objects") == "3"
    for hidden in ("cost", "forecast", "functions", "invocations-today"):
        assert stat(html, hidden) is None, hidden
    assert 'id="top-services"' not in html
    assert 'id="recent-errors"' not in html

    name, password = user(busy, "nobody", [])
    client = new_client()
    assert client.sign_in(busy.name, name, password).status_code == 303
    answer = client.get("/console/")
    assert answer.status_code == 200
    assert "none of this account's figures" in answer.text
    assert 'data-stat="' not in answer.text


def test_another_account_sees_none_of_it(busy: Tenant, server: Welkin, new_client: NewClient) -> None:
    other = tenant(server.url, "quiet")
    html = rated(other.console(new_client()), "/console/")
    assert stat(html, "buckets") == "0"
    assert stat(html, "objects") == "0"
    assert stat(html, "functions") == "0"
    assert stat(html, "invocations-today") == "0"
    assert stat(html, "cost") == "0.00 USD"
    assert "No function failed today." in html
    assert "Nothing used this month yet." in html
    assert busy.name not in html
