"""The console in a real browser: Debian's Chromium, driven by Playwright's sync API.

- ``chromium_executable``: the browser's path (``$WELKIN_CHROMIUM``, else ``chromium`` on PATH).
- ``browser``: one Chromium per module.
- ``console_server``: a real ``welkin up`` per worker, set up as the examples' READMEs set one up
  (the server may outlive a module; the browser may not, see below).
- ``new_page``: a page in a fresh context (its own cookies) on ``console_server``.
- ``screenshot``, ``sign_in``, ``sign_out``: helpers the tests import from here.

Tests here are sync, and ``browser`` is module-scoped, never session-scoped: while Playwright's
sync API is open it holds an event loop on the worker's thread, and an ``async def`` test that the
same worker runs meanwhile fails with "Cannot run the event loop while another loop is running".
Closing it with the module hands the thread back before the worker's next file.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT, Welkin
from tests.examples_region import examples_region

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
# The console's pages are served by a server on this machine: a step that waits longer is stuck.
TIMEOUT_MS = 10_000
SUBMIT = "button:not([type]), button[type=submit], input[type=submit]"

log = logging.getLogger(__name__)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    named = os.environ.get("WELKIN_CHROMIUM")
    found = named or shutil.which("chromium")
    if named and not os.access(named, os.X_OK):
        message = f"WELKIN_CHROMIUM names no executable: {named}"
    elif not found:
        message = "Chromium is not installed (`make test` installs it with apt-get)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            message = "Playwright is not installed (`make test-deps` installs the test extras)"
        else:
            return found
    if os.environ.get("WELKIN_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser(chromium_executable: str) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    # No launch args: Playwright adds --headless and --no-sandbox (the sandbox fails as root).
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_executable)
        log.info("Chromium %s at %s", launched.version, chromium_executable)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Welkin]:
    """The examples' requirements installable offline, and an agency ``fn-obs`` granted OBS
    OperateAccess, so that the console can deploy and run examples/functions as they are."""
    with examples_region(tmp_path_factory.mktemp("console")) as running:
        yield running


class NewPage(Protocol):
    def __call__(self, viewport: ViewportSize = DESKTOP) -> Page: ...


@pytest.fixture
def new_page(browser: Browser, console_server: Welkin) -> Iterator[NewPage]:
    """Pages in fresh contexts, their relative URLs resolved against ``console_server``. A script
    error on any of them fails the test."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def make(viewport: ViewportSize = DESKTOP) -> Page:
        context = browser.new_context(viewport=viewport, base_url=console_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        return page

    try:
        yield make
    finally:
        for context in contexts:
            context.close()
    assert not errors, "script errors in the console:\n" + "\n".join(errors)


def artifacts_dir() -> Path:
    return Path(os.environ.get("WELKIN_E2E_ARTIFACTS") or ROOT / "build" / "e2e")


def screenshot(page: Page, name: str) -> list[Path]:
    """Full-page PNGs of ``page`` as it is now, at the desktop and the phone width:
    ``<name>-desktop.png`` and ``<name>-phone.png`` in ``artifacts_dir()``. The page's own
    viewport is put back after."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise ValueError(f"screenshot names are lowercase words joined by hyphens, not {name!r}")
    directory = artifacts_dir()
    directory.mkdir(parents=True, exist_ok=True)
    own = page.viewport_size
    paths = []
    try:
        for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            path = directory / f"{name}-{label}.png"
            page.screenshot(path=path, full_page=True)
            paths.append(path)
    finally:
        if own is not None:
            page.set_viewport_size(own)
    return paths


def sign_in(page: Page, account: str, user: str, password: str) -> None:
    """Through the console's login form, to its front page; fails with the form's flash message
    where the console turns the sign-in down."""
    from playwright.sync_api import expect

    page.goto("/console/login")
    form = page.locator('form[action="/console/login"]')
    form.locator('input[name="account"]').fill(account)
    form.locator('input[name="user"]').fill(user)
    form.locator('input[name="password"]').fill(password)
    form.locator(SUBMIT).click()
    # Neither is on the form just loaded, so this waits for the page the POST leads to.
    page.locator("#signed-in-as, .flash.error").first.wait_for()
    flash = page.locator(".flash.error")
    if flash.count():
        raise AssertionError(f"signing in as {user} of {account} failed: {flash.first.inner_text()}")
    expect(page.locator("#signed-in-as")).to_contain_text(user)
    assert urlsplit(page.url).path == "/console/", page.url


def sign_out(page: Page) -> None:
    from playwright.sync_api import expect

    page.locator("form#sign-out").locator(SUBMIT).click()
    expect(page.locator("#signed-in-as")).to_have_count(0)
