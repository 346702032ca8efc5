"""The functions pages against a real ``welkin up``: create, edit, configure, invoke, triggers,
versions, metrics, escaping, and what a read-only user and another account may do."""

from __future__ import annotations

import html
import io
import re
import statistics
import time
import uuid
import zipfile
from collections.abc import Callable

import boto3
import httpx
from botocore.config import Config

from tests.agencies import make_agency
from tests.conftest import Welkin
from tests.console.conftest import PASSWORD, ConsoleClient, make_account, make_user

NewClient = Callable[[], ConsoleClient]


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _create(client: ConsoleClient, name: str, template: str = "hello", **fields: str) -> str:
    client.get("/console/functions/new")
    made = client.post("/console/functions/new", {"name": name, "template": template, **fields})
    assert made.status_code == 303, made.text
    assert made.headers["location"] == f"/console/functions/default/{name}"
    return made.headers["location"]


def _invoke(client: ConsoleClient, url: str, event: str = '{"name": "Ada"}') -> dict[str, object]:
    client.get(url)
    answer = client.api(url.replace("/console/", "/console/api/", 1) + "/invoke", {"event": event})
    assert answer.status_code == 200, answer.text
    data: dict[str, object] = answer.json()
    return data


def _textarea(page: str, element_id: str) -> str:
    found = re.search(rf'<textarea id="{element_id}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, page
    return html.unescape(found.group(1))


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text, re.S)
    assert match, pattern
    return match.group(1)


def _trigger_rows(page: str, kind: str) -> list[str]:
    return re.findall(rf'<tr class="trigger" data-type="{kind}" data-id="([^"]+)" data-status="(\w+)"', page)


def test_create_from_the_hello_template_lists_and_invokes(admin: ConsoleClient) -> None:
    listing = admin.get("/console/functions")
    assert 'id="new-function"' in listing.text
    new = admin.get("/console/functions/new")
    assert 'id="create-function"' in new.text
    for value in ("hello", "http-api", "thumbnailer", "timer-counter", "upload"):
        assert f'<option value="{value}"' in new.text
    name = _name("hello")
    url = _create(admin, name)
    page = admin.get(url)
    assert page.status_code == 200
    assert "def handler(event, context):" in _textarea(page.text, "code")
    assert f'<tr class="function" data-name="{name}"' in admin.get("/console/functions").text
    result = _invoke(admin, url)
    assert result["status"] == "succeeded"
    assert '"greeting": "Hello, Ada!"' in str(result["result"])
    assert isinstance(result["duration_ms"], float)
    assert result["duration_ms"] > 0
    assert result["cold_start"] is True
    assert isinstance(result["init_duration_ms"], float)
    assert "greeting Ada" in str(result["log"])
    tail = admin.get(url).text
    assert "greeting Ada" in _found(r'<pre id="log-tail"[^>]*>(.*?)</pre>', tail)


def test_obs_templates_need_an_agency_and_the_form_offers_the_accounts(
    admin: ConsoleClient, server: Welkin
) -> None:
    new = admin.get("/console/functions/new").text
    assert 'id="agency-hint"' in new
    name = _name("thumbs")
    back = {"Referer": server.url + "/console/functions/new"}
    refused = admin.post("/console/functions/new", {"name": name, "template": "thumbnailer"}, headers=back)
    assert refused.status_code == 303
    assert refused.headers["location"] == "/console/functions/new"
    assert "choose one" in admin.get("/console/functions/new").text
    fields = {"name": name, "template": "timer-counter", "agency": "fn-obs"}
    assert admin.post("/console/functions/new", fields, headers=back).status_code == 303
    assert "needs BUCKET" in admin.get("/console/functions/new").text
    assert f'data-name="{name}"' not in admin.get("/console/functions").text
    make_agency(server, "fn-obs")
    new = admin.get("/console/functions/new").text
    assert 'id="agency-hint"' not in new
    assert '<option value="fn-obs">fn-obs</option>' in new


def test_deleting_a_function_takes_its_triggers(admin: ConsoleClient) -> None:
    name = _name("gone")
    url = _create(admin, name, "http-api")
    admin.get(url)
    fields = {"type": "HTTP", "path": f"/{name}", "auth": "NONE", "prefix_match": "1"}
    assert admin.post(url + "/triggers", fields).status_code == 303
    page = admin.get(url).text
    invoke_url = html.unescape(_found(r'class="invoke-url code" href="([^"]+)"', page))
    assert httpx.get(invoke_url + "/hello", timeout=30).status_code == 200
    deleted = admin.post(url + "/delete")
    assert deleted.status_code == 303
    assert deleted.headers["location"] == "/console/functions"
    assert f'data-name="{name}"' not in admin.get("/console/functions").text
    assert admin.get(url).status_code == 404
    assert httpx.get(invoke_url + "/hello", timeout=30).status_code == 404


def test_edit_code_and_deploy_then_invoke_shows_it(admin: ConsoleClient) -> None:
    url = _create(admin, _name("edit"))
    source = _textarea(admin.get(url).text, "code").replace('f"Hello, {name}!"', 'f"Howdy, {name}!"')
    deployed = admin.post(url + "/code", {"code": source})
    assert deployed.status_code == 303, deployed.text
    assert _textarea(admin.get(url).text, "code") == source
    assert '"greeting": "Howdy, Ada!"' in str(_invoke(admin, url)["result"])


def test_a_multi_file_function_is_replaced_by_upload_not_edited(admin: ConsoleClient) -> None:
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr(
            "index.py", "from helper import answer\n\ndef handler(event, context):\n    return answer()\n"
        )
        archive.writestr("helper.py", "def answer():\n    return {'from': 'upload'}\n")
    name = _name("zip")
    admin.get("/console/functions/new")
    made = admin.post(
        "/console/functions/new",
        {"name": name, "template": "upload"},
        files={"code_file": ("code.zip", package.getvalue(), "application/zip")},
    )
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    page = admin.get(url).text
    assert 'id="replace-by-upload"' in page
    assert 'id="code"' not in page
    assert '"from": "upload"' in str(_invoke(admin, url, "{}")["result"])
    refused = admin.post(url + "/code", {"code": "x = 1\n"}, headers={"Referer": admin.server.url + url})
    assert refused.status_code == 303
    assert "replace it by uploading" in admin.get(url).text


def test_configuration_change_takes_effect(admin: ConsoleClient) -> None:
    url = _create(admin, _name("config"))
    admin.get(url)
    saved = admin.post(
        url + "/config",
        {"memory_size": "256", "timeout": "7", "environment": "GREETING=hi\nMODE=test", "concurrency": "3"},
    )
    assert saved.status_code == 303, saved.text
    page = admin.get(url).text
    assert "<dd>256 MB</dd>" in page
    assert "<dd>7 s</dd>" in page
    assert 'name="concurrency" value="3"' in page
    assert "GREETING=hi\nMODE=test" in page
    assert _invoke(admin, url)["memory_mb"] == 256


def test_http_trigger_serves_the_function_and_can_be_disabled_and_deleted(
    admin: ConsoleClient, server: Welkin
) -> None:
    name = _name("web")
    url = _create(admin, name, "http-api")
    admin.get(url)
    fields = {"type": "HTTP", "path": f"/{name}", "auth": "NONE", "method": "ANY", "prefix_match": "1"}
    added = admin.post(url + "/triggers", fields)
    assert added.status_code == 303, added.text
    page = admin.get(url).text
    [(trigger_id, status)] = _trigger_rows(page, "HTTP")
    assert status == "ACTIVE"
    invoke_url = html.unescape(_found(r'class="invoke-url code" href="([^"]+)"', page))
    called = httpx.get(invoke_url + "/hello", params={"name": "Web"}, timeout=30)
    assert called.status_code == 200, called.text
    assert called.json() == {"greeting": "Hello, Web!"}
    kind = "APIG"
    assert admin.post(f"{url}/triggers/{kind}/{trigger_id}/status", {"status": "DISABLED"}).status_code == 303
    assert _trigger_rows(admin.get(url).text, "HTTP") == [(trigger_id, "DISABLED")]
    assert httpx.get(invoke_url + "/hello", timeout=30).status_code != 200
    assert admin.post(f"{url}/triggers/{kind}/{trigger_id}/delete").status_code == 303
    assert _trigger_rows(admin.get(url).text, "HTTP") == []


def test_obs_and_timer_triggers(admin: ConsoleClient, server: Welkin) -> None:
    bucket = _name("fn-bucket")
    s3 = boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name="local-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    s3.create_bucket(Bucket=bucket)
    url = _create(admin, _name("obs"))
    admin.get(url)
    fields = {"type": "OBS", "bucket": bucket, "events": "ObjectCreated", "prefix": "in/", "suffix": ".txt"}
    added = admin.post(url + "/triggers", fields)
    assert added.status_code == 303, added.text
    timer = admin.post(url + "/triggers", {"type": "TIMER", "schedule": "5m"})
    assert timer.status_code == 303, timer.text
    page = admin.get(url).text
    assert len(_trigger_rows(page, "OBS")) == 1
    assert len(_trigger_rows(page, "TIMER")) == 1
    assert f'<span class="code">{bucket}</span>' in page
    s3.put_object(Bucket=bucket, Key="in/a.txt", Body=b"x")
    deadline = time.monotonic() + 20
    while "  obs  " not in admin.get(url).text and time.monotonic() < deadline:
        time.sleep(0.3)
    assert "  obs  success" in admin.get(url).text


def test_publish_version_and_alias(admin: ConsoleClient) -> None:
    url = _create(admin, _name("ver"))
    admin.get(url)
    assert admin.post(url + "/versions", {"description": "first"}).status_code == 303
    page = admin.get(url).text
    assert re.search(r'<table id="versions">.*<tr class="version" data-version="1">', page, re.S)
    made = admin.post(url + "/aliases", {"name": "prod", "version": "1", "description": "<script>x</script>"})
    assert made.status_code == 303, made.text
    page = admin.get(url).text
    assert re.search(r'<table id="aliases">.*<tr class="alias" data-name="prod">', page, re.S)
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "<script>x</script>" not in page
    assert admin.post(url + "/aliases/prod/delete").status_code == 303
    assert 'data-name="prod"' not in admin.get(url).text


def test_metrics_chart_after_invokes(admin: ConsoleClient) -> None:
    url = _create(admin, _name("metrics"))
    for _ in range(3):
        _invoke(admin, url)
    for range_key in ("1h", "1d"):
        page = admin.get(url, range=range_key).text
        assert page.count('<svg class="chart"') == 2
        assert re.search(r'id="metric-invocations">3<', page)
        assert f'data-range="{range_key}" href="?range={range_key}#tab-metrics" aria-current="page"' in page
        assert "invocations: 3" in page


def test_logged_markup_is_shown_as_text(admin: ConsoleClient) -> None:
    url = _create(admin, _name("xss"))
    source = _textarea(admin.get(url).text, "code").replace(
        'context.getLogger().info(f"greeting {name}")', 'print("<script>alert(1)</script>")'
    )
    assert admin.post(url + "/code", {"code": source}).status_code == 303
    result = _invoke(admin, url, '{"name": "<img src=x onerror=alert(1)>"}')
    assert "<script>alert(1)</script>" in str(result["log"])  # JSON data; the page sets textContent
    page = admin.get(url).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page


def test_a_read_only_user_sees_no_buttons_and_is_refused(
    admin: ConsoleClient, server: Welkin, new_client: NewClient
) -> None:
    name = _name("ro")
    url = _create(admin, name)
    admin.get(url)
    assert admin.post(url + "/triggers", {"type": "TIMER", "schedule": "1h"}).status_code == 303
    user = _name("reader")
    make_user(server, user, ["FunctionGraph ReadOnlyAccess"])
    reader = new_client()
    assert reader.sign_in("admin", user, PASSWORD).status_code == 303
    listing = reader.get("/console/functions").text
    assert f'data-name="{name}"' in listing
    assert 'id="new-function"' not in listing
    page = reader.get(url).text
    assert len(_trigger_rows(page, "TIMER")) == 1
    for element in (
        'id="deploy-code"',
        'id="invoke"',
        'id="delete-function"',
        'id="add-trigger"',
        'id="publish-version"',
        'id="create-alias"',
        'id="upload-code"',
        "Save configuration",
        'class="trigger-status"',
        'class="trigger-delete"',
    ):
        assert element not in page, element
    before = _textarea(page, "code")
    back = {"Referer": server.url + url}
    assert reader.post(url + "/code", {"code": "broken"}, headers=back).status_code == 303
    assert reader.post(url + "/delete", headers=back).status_code == 303
    assert reader.post(url + "/config", {"memory_size": "512"}, headers=back).status_code == 303
    shown = re.findall(r'class="flash error"[^>]*>([^<]*)<', reader.get(url).text)
    assert len(shown) == 3, shown
    refused = reader.post(url + "/delete")  # no Referer: the error page itself
    assert refused.status_code == 403
    refused_invoke = reader.api(url.replace("/console/", "/console/api/", 1) + "/invoke", {"event": "{}"})
    assert refused_invoke.status_code == 403
    assert (
        reader.post("/console/functions/new", {"name": _name("nope"), "template": "hello"}).status_code == 403
    )
    after = admin.get(url).text
    assert _textarea(after, "code") == before
    assert "<dd>128 MB</dd>" in after


def test_another_account_cannot_open_the_function(
    admin: ConsoleClient, server: Welkin, new_client: NewClient
) -> None:
    url = _create(admin, _name("private"))
    account = _name("acct")
    make_account(server, account)
    other = new_client()
    assert other.sign_in(account, account, PASSWORD).status_code == 303
    assert other.get(url).status_code == 404
    other.get("/console/functions")
    assert other.post(url + "/delete").status_code == 404
    assert admin.get(url).status_code == 200


def test_one_hundred_functions_paginate_and_list_quickly(admin: ConsoleClient) -> None:
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    data = package.getvalue()
    admin.get("/console/functions/new")
    for i in range(100):
        made = admin.post(
            "/console/functions/new",
            {"name": f"bulk-{i:03d}", "template": "upload"},
            files={"code_file": ("code.zip", data, "application/zip")},
        )
        assert made.status_code == 303, made.text
    first = admin.get("/console/functions").text
    assert first.count('<tr class="function"') == 50
    assert 'id="next-page"' in first
    assert 'id="previous-page"' not in first
    total = int(_found(r"of (\d+)</span>", first))
    assert total >= 100
    seen = set(re.findall(r'<tr class="function" data-name="([^"]+)"', first))
    offset = 50
    while offset < total:
        page = admin.get("/console/functions", offset=offset).text
        seen |= set(re.findall(r'<tr class="function" data-name="([^"]+)"', page))
        offset += 50
    assert {f"bulk-{i:03d}" for i in range(100)} <= seen
    timings = []
    for _ in range(7):
        started = time.perf_counter()
        assert admin.http.get("/console/functions").status_code == 200
        timings.append(time.perf_counter() - started)
    median = statistics.median(timings)
    print(f"/console/functions with {total} functions: median {median * 1000:.1f} ms")
    assert median < 0.2
    page_timings = []
    for _ in range(7):
        started = time.perf_counter()
        assert admin.http.get("/console/functions/default/bulk-050").status_code == 200
        page_timings.append(time.perf_counter() - started)
    page_median = statistics.median(page_timings)
    print(f"a function's page: median {page_median * 1000:.1f} ms")
    assert page_median < 0.2
