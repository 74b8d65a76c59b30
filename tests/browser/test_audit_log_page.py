"""The auditor's log through a real browser: filter, open an entry, verify the chain.

Uses the browser, page and problem-recording fixtures of tests/browser/conftest.py (Debian's
Chromium against pytest-django's live server); no page error, console error or dialog may occur.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.audit.helpers import write_entries
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_auditor_filters_the_log_opens_an_entry_and_verifies_the_chain(
    page, live_server, demo, problems
):
    [withdrawn] = write_entries(1, action="draft.withdrawn")
    sign_in(page, "auditor")
    page.goto("/audit/")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    rows = page.get_by_test_id("entries").locator("tbody tr")
    expect(rows.first).to_be_visible()

    page.get_by_label("Action").fill("draft.withdrawn")
    page.get_by_role("button", name="Filter").click()

    expect(page).to_have_url(re.compile(r"/audit/\?.*\baction=draft\.withdrawn\b"))
    expect(rows).to_have_count(1)
    expect(rows.locator("td").nth(3)).to_have_text("draft.withdrawn")
    expect(page.get_by_role("link", name="CSV")).to_have_attribute(
        "href", "/api/v1/audit/export?format=csv&action=draft.withdrawn"
    )

    rows.first.get_by_role("link", name=str(withdrawn)).click()
    expect(page).to_have_url(f"{live_server.url}/audit/{withdrawn}/")
    expect(page.get_by_test_id("entry-title")).to_have_text(f"Entry {withdrawn}: draft.withdrawn")
    expect(page.get_by_test_id("data-data")).to_contain_text('"n": 0')

    page.get_by_role("link", name="« Audit log").click()
    page.get_by_role("button", name="Verify the chain now").click()

    # The check runs on a worker (inline in tests); its own page shows the result.
    expect(page).to_have_url(re.compile(r"/audit/verifications/\d+/$"))
    result = page.get_by_test_id("verify-result")
    expect(result).to_contain_text("Chain ok.")
    page.screenshot(path="/tmp/audit_verification.png", full_page=True)
    page.get_by_role("link", name="« Audit log").click()
    expect(page.get_by_test_id("latest-verification")).to_contain_text("ok, asked for by auditor")
    expect(page.get_by_test_id("entries").locator("tbody tr").first).to_be_visible()
    page.screenshot(path="/tmp/audit_log.png", full_page=True)
    assert not problems, problems
