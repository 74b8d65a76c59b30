"""Signing in through a real browser: who sees which review queues.

Drives Debian's Chromium with Playwright against pytest-django's live server (fixtures in
tests/browser/conftest.py). Every page also records page errors, console errors and dialogs;
none may occur.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLAIMS_QUEUES = {
    "claims-standard",
    "claims-senior",
    "claims-critical",
    "claims-escalations",
    "claims-qa",
}
FINANCE_QUEUES = {"finance-review", "finance-critical", "finance-escalations"}


def path_of(page: Page, live_server) -> str:
    return page.url.removeprefix(live_server.url)


def visible_queues(page: Page) -> dict[str, str]:
    """Queue slug -> the "You may" cell, as shown in the home page's queue table."""
    rows = page.get_by_test_id("queues").locator("tbody tr")
    result = {}
    for row in rows.all():
        cells = [text.strip() for text in row.locator("td").all_inner_texts()]
        result[cells[0]] = cells[-1]
    return result


def test_an_adjuster_signs_in_and_sees_only_the_standard_claims_queue(page, live_server):
    sign_in(page, "adjuster")

    expect(page.get_by_test_id("username")).to_have_text("adjuster")
    assert path_of(page, live_server) == "/"
    expect(page.get_by_text("Roles: Adjusters")).to_be_visible()
    headers = page.get_by_test_id("queues").locator("thead th").all_inner_texts()
    assert headers == [
        "Queue",
        "Next",
        "Waiting",
        "In review",
        "Oldest due",
        "SLA",
        "Approvals",
        "Workflow",
        "You may",
    ]
    assert visible_queues(page) == {"claims-standard": "view and review"}
    for slug in FINANCE_QUEUES:
        expect(page.get_by_text(slug)).to_have_count(0)
    page.screenshot(path="/tmp/rq-home-adjuster.png", full_page=True)


def test_a_controller_sees_only_the_three_finance_queues(page):
    sign_in(page, "controller")

    expect(page.get_by_test_id("username")).to_have_text("controller")
    assert set(visible_queues(page)) == FINANCE_QUEUES
    for slug in CLAIMS_QUEUES:
        expect(page.get_by_text(slug)).to_have_count(0)


def test_an_auditor_reviews_no_queue_and_is_pointed_to_the_audit_log(page, live_server):
    sign_in(page, "auditor")

    expect(page.get_by_test_id("username")).to_have_text("auditor")
    expect(page.get_by_text("You review no queues")).to_be_visible()
    expect(page.get_by_test_id("queues")).to_have_count(0)
    page.get_by_test_id("audit-link").get_by_role("link").click()
    assert path_of(page, live_server) == "/audit/"


def test_a_wrong_password_shows_an_error_and_stays_on_the_login_page(page, live_server):
    sign_in(page, "adjuster", password="not-the-password")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Your username and password didn't match")
    assert path_of(page, live_server) == "/login/"
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_test_id("username")).to_have_count(0)
    # The username stays and the cursor waits in the password box, where the retyping is.
    expect(page.locator("#id_username")).to_have_value("adjuster")
    expect(page.locator("#id_password")).to_be_focused()
    page.screenshot(path="/tmp/rq-login-error.png", full_page=True)


def test_a_signed_out_visit_to_home_lands_on_the_login_page(page, live_server):
    page.goto("/")

    assert path_of(page, live_server) == "/login/?next=/"
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_test_id("username")).to_have_count(0)


def test_signing_in_and_out_raises_no_page_errors_console_errors_or_dialogs(page, problems):
    page.goto("/")
    sign_in(page, "nobody", password="wrong")
    expect(page.get_by_role("alert")).to_be_visible()
    expected = {
        "adjuster": {"claims-standard"},
        "senior_adjuster": CLAIMS_QUEUES,
        "controller": FINANCE_QUEUES,
        "auditor": set(),
        "admin": CLAIMS_QUEUES | FINANCE_QUEUES,
    }
    for username, queues in expected.items():
        sign_in(page, username)
        expect(page.get_by_test_id("username")).to_have_text(username)
        assert set(visible_queues(page)) == queues, username
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        expect(page.get_by_test_id("messages")).to_have_text("You are signed out.")

    assert not problems, problems
