"""What a hostile name or page cannot do to a console user, in a real Chromium.

- Markup in an object key, a tag and a function's log line shows as text and never runs.
- A form posted from another origin, or from an object served by the S3 API on the console's
  own origin, changes nothing.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import Welkin
from tests.e2e.conftest import NewPage, sign_in

XSS_KEY = "<img src=x onerror=window.pwned=1>.txt"
XSS_TAG = "<script>window.pwned=2</script>"
XSS_NAME = "<script>window.pwned=3</script>"


def _s3(server: Welkin) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )


def _bucket_exists(s3: Any, name: str) -> bool:
    try:
        s3.head_bucket(Bucket=name)
    except ClientError:
        return False
    return True


@pytest.fixture
def s3(console_server: Welkin) -> Any:
    return _s3(console_server)


def test_markup_in_names_tags_and_logs_shows_as_text(
    new_page: NewPage, console_server: Welkin, s3: Any
) -> None:
    from playwright.sync_api import expect

    bucket = f"xss-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=XSS_KEY, Body=b"x", Tagging=f"note={XSS_TAG}")
    page = new_page()
    sign_in(page, "admin", "admin", console_server.password)

    page.goto(f"/console/obs/{bucket}")
    row = page.locator("tr.object").first
    expect(row).to_contain_text(XSS_KEY)
    assert page.evaluate("window.pwned") is None
    row.locator("a:not(.download)").first.click()
    expect(page.locator("dl.details")).to_contain_text(XSS_TAG)
    assert page.evaluate("window.pwned") is None

    name = f"hello-{uuid.uuid4().hex[:6]}"
    page.goto("/console/functions/new")
    form = page.locator("form#create-function")
    form.locator("input[name=name]").fill(name)
    form.locator("select[name=template]").select_option("hello")
    form.locator("button[type=submit]").click()
    page.locator("textarea#event").fill(json.dumps({"name": XSS_NAME}))
    page.locator("button#invoke").click()
    expect(page.locator("#invoke-result .status")).to_have_text("succeeded", timeout=60_000)
    expect(page.locator("pre#invoke-log")).to_contain_text(f"greeting {XSS_NAME}")
    expect(page.locator("pre#invoke-body")).to_contain_text(XSS_NAME)
    page.reload()
    expect(page.locator("pre#log-tail")).to_contain_text(f"greeting {XSS_NAME}")
    assert page.evaluate("window.pwned") is None


def test_a_form_from_another_origin_changes_nothing(
    new_page: NewPage, console_server: Welkin, s3: Any
) -> None:
    page = new_page()
    sign_in(page, "admin", "admin", console_server.password)
    target = f"csrf-{uuid.uuid4().hex[:8]}"
    # A page of another origin (a data: URL's is opaque) that posts the create-bucket form,
    # with the session's cookie in the browser and a guessed token.
    page.goto(
        "data:text/html,"
        f'<form id=f method=post action="{console_server.url}/console/obs">'
        f'<input name=bucket value="{target}"><input name=csrf value=guessed></form>'
    )
    with page.expect_navigation():
        page.locator("#f").evaluate("form => form.submit()")
    assert not _bucket_exists(s3, target)


def test_an_object_on_the_consoles_origin_cannot_act_in_it(
    new_page: NewPage, console_server: Welkin, s3: Any
) -> None:
    bucket = f"evil-{uuid.uuid4().hex[:8]}"
    target = f"planted-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, ACL="public-read")
    html = (
        "<title>page</title><script>document.title = 'ran';"
        f"fetch('/console/obs', {{method: 'POST', body: 'bucket={target}', credentials: 'include',"
        " headers: {'Content-Type': 'application/x-www-form-urlencoded'}});</script>"
        f'<form id=f method=post action="/console/obs"><input name=bucket value="{target}"></form>'
    )
    s3.put_object(Bucket=bucket, Key="x.html", Body=html.encode(), ContentType="text/html", ACL="public-read")
    page = new_page()
    sign_in(page, "admin", "admin", console_server.password)
    response = page.goto(f"/{bucket}/x.html")
    assert response is not None
    assert response.status == 200
    assert response.headers["content-security-policy"].startswith("sandbox")
    assert page.title() == "page"  # its script never ran
    page.locator("#f").evaluate("form => form.submit()")  # a sandbox without allow-forms drops it
    page.wait_for_timeout(500)
    assert not _bucket_exists(s3, target)
    page.goto("/console/")
    assert page.locator("#signed-in-as").count() == 1  # and the visitor's session is untouched
