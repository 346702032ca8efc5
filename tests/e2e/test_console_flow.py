"""A new user's first session in the console, in a real Chromium against a real ``welkin up``.

Sign in; make a bucket; upload 20 MiB (multipart, the progress bar reaching 100%) and download it
byte for byte; make the thumbnailer from its template, test-invoke it, give it an OBS trigger,
upload an image and find the function's log line; see the invocations priced on the billing
page; make an access key (its secret shown once) and delete it; sign out. Each main page is
captured at the desktop and the phone width on the way.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from tests.conftest import Welkin
from tests.e2e.conftest import NewPage, screenshot, sign_in, sign_out
from tests.examples_region import AGENCY

if TYPE_CHECKING:
    from playwright.sync_api import Page

BIG = 20 * 1024 * 1024


def _reload_until(page: Page, selector: str, text: str, seconds: float = 90) -> None:
    """Reload ``page`` until ``selector`` shows ``text``: what it waits for arrives through the
    event bus and a function run, not in answer to anything the page did."""
    deadline = time.monotonic() + seconds
    while True:
        found = page.locator(selector)
        if found.count() and text in found.first.inner_text():
            return
        if time.monotonic() > deadline:
            shown = found.first.inner_text() if found.count() else "(nothing)"
            raise AssertionError(f"{selector} never showed {text!r}; it shows:\n{shown}")
        page.wait_for_timeout(1000)
        page.reload()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 40)).save(out, "PNG")
    return out.getvalue()


def test_a_first_session(new_page: NewPage, console_server: Welkin, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = new_page()
    sign_in(page, "admin", "admin", console_server.password)
    screenshot(page, "overview")

    # --- a bucket, a 20 MiB upload with its progress bar, and the download -----------------------
    bucket = f"e2e-{uuid.uuid4().hex[:8]}"
    page.goto("/console/obs")
    page.locator("form#create-bucket input[name=bucket]").fill(bucket)
    page.locator("form#create-bucket button[type=submit]").click()
    page.goto(f"/console/obs/{bucket}")
    big = tmp_path / "big.bin"
    big.write_bytes(hashlib.sha256(b"welkin").digest() * (BIG // 32))
    page.locator("#upload-files").set_input_files(str(big))
    row = page.locator('.upload[data-key="big.bin"]')
    expect(row.locator("progress")).to_have_attribute("value", "100", timeout=60_000)
    expect(row).to_have_class(re.compile(r"\bdone\b"), timeout=60_000)
    page.reload()
    screenshot(page, "bucket-browser")
    listed = page.locator('tr.object[data-key="big.bin"]')
    expect(listed).to_have_count(1)
    with page.expect_download() as downloading:
        listed.locator("a.download").click()
    fetched = Path(downloading.value.path())
    assert fetched.stat().st_size == BIG
    assert hashlib.sha256(fetched.read_bytes()).digest() == hashlib.sha256(big.read_bytes()).digest()
    listed.locator("a:not(.download)").first.click()
    expect(page.locator("dl.details")).to_contain_text("20.0 MiB")
    screenshot(page, "object-details")

    # --- a function from a template, test-invoked, then fired by an upload -----------------------
    name = f"thumbs-{uuid.uuid4().hex[:6]}"
    page.goto("/console/functions/new")
    form = page.locator("form#create-function")
    form.locator("input[name=name]").fill(name)
    form.locator("select[name=template]").select_option("thumbnailer")
    form.locator("select[name=agency]").select_option(AGENCY)
    form.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text(name)
    page.locator("textarea#event").fill(json.dumps({"Records": []}))
    page.locator("button#invoke").click()
    result = page.locator("#invoke-result")
    expect(result.locator(".status")).to_have_text("succeeded", timeout=90_000)
    expect(page.locator("pre#invoke-body")).to_contain_text("thumbnails")
    expect(result.locator(".duration")).not_to_be_empty()
    screenshot(page, "function")

    trigger = page.locator("form#add-trigger")
    trigger.locator("select[name=type]").select_option("OBS")
    trigger.locator("[name=bucket]").fill(bucket)
    trigger.locator("[name=prefix]").fill("uploads/")
    trigger.locator("button[type=submit]").click()
    expect(page.locator('tr.trigger[data-type="OBS"]')).to_have_count(1)
    function_page = page.url

    image = tmp_path / "cat.png"
    image.write_bytes(_png())
    page.goto(f"/console/obs/{bucket}?prefix=uploads/")
    page.locator("#upload-files").set_input_files(str(image))
    expect(page.locator('.upload[data-key="uploads/cat.png"] progress')).to_have_attribute("value", "100")
    page.goto(function_page)
    _reload_until(page, "pre#log-tail", f"{bucket}/thumbnails/cat.jpg")

    # --- billing prices the invocations ----------------------------------------------------------
    page.goto("/console/billing")
    _reload_until(page, "table#month-lines", "FunctionGraph")
    requests_line = page.locator("table#month-lines tr.line", has_text="request").first
    expect(requests_line).to_be_visible()
    screenshot(page, "billing")

    # --- an access key, its secret shown once, then deleted --------------------------------------
    page.goto("/console/iam/keys")
    page.locator("form#create-key button[type=submit]").click()
    secret = page.locator("#new-secret").inner_text().strip()
    access_key = page.locator("#new-access-key").inner_text().strip()
    assert len(secret) >= 30
    assert access_key
    screenshot(page, "access-key-created")
    page.goto("/console/iam/keys")
    assert secret not in page.content()
    key_row = page.locator(f'tr.key[data-access-key="{access_key}"]')
    expect(key_row).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    key_row.locator("form.delete-key button[type=submit]").click()
    expect(page.locator(f'tr.key[data-access-key="{access_key}"]')).to_have_count(0)

    for path, shot in (
        ("/console/", "overview-after"),
        ("/console/obs", "buckets"),
        ("/console/functions", "functions"),
        ("/console/iam/users", "users"),
        ("/console/iam/audit", "audit"),
    ):
        page.goto(path)
        screenshot(page, shot)

    cookie = next(c for c in page.context.cookies() if c["name"] == "welkin_console")
    sign_out(page)
    assert page.url.endswith("/console/login")
    replayed = new_page()
    replayed.context.add_cookies([cookie])
    replayed.goto("/console/")
    assert "/console/login" in replayed.url
