"""The harness itself: Chromium starts, draws, and is captured at both widths."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import TYPE_CHECKING

from tests.e2e.conftest import screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_width(path: Path) -> int:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), path
    # IHDR is the first chunk: 4-byte length, b"IHDR", then the width.
    width: int = struct.unpack(">I", data[16:20])[0]
    return width


def test_chromium_renders_a_page_and_screenshots_it_at_both_widths(browser: Browser) -> None:
    page = browser.new_page()
    try:
        page.goto("data:text/html,<title>Welkin</title><h1 id=greeting>Hello from Welkin</h1>")
        assert page.title() == "Welkin"
        assert page.locator("#greeting").inner_text() == "Hello from Welkin"
        desktop, phone = screenshot(page, "smoke-data-url")
    finally:
        page.close()
    assert (desktop.name, _png_width(desktop)) == ("smoke-data-url-desktop.png", 1280)
    assert (phone.name, _png_width(phone)) == ("smoke-data-url-phone.png", 390)
