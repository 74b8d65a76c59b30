"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Every page records uncaught page errors, console errors and dialogs (`problems`); tests assert
there are none.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

# Playwright's sync API runs an event loop in this thread, which makes Django refuse ORM calls
# (fixtures such as `demo` and the live server's flush) with SynchronousOnlyOperation. Test-only.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Problems:
    """What went wrong in the page that the user would not see as text."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.page_errors or self.console_errors or self.dialogs)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def problems() -> Problems:
    return Problems()


@pytest.fixture
def page(browser: Browser, live_server, demo, problems: Problems) -> Iterator[Page]:
    """A fresh, signed-out page on the live server, recording errors and dialogs."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.page_errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: problems.console_errors.append(msg.text) if msg.type == "error" else None,
    )

    def on_dialog(dialog) -> None:
        problems.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    # Browsers ask for /favicon.ico on their own; the pages link an SVG icon instead. Answer it
    # so that its 404 is not counted as a problem of the page under test.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    try:
        yield page
    finally:
        context.close()
