"""An owner reads the dashboard in a real browser, changes the period and tries the switch.

Uses the browser, page and problem-recording fixtures of tests/browser/conftest.py (Debian's
Chromium against pytest-django's live server); no page error, console error or dialog may occur.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from reviewqueue.models import Draft
from tests.browser.helpers import sign_in
from tests.reviewqueue.review_helpers import make_drafts
from tests.workflows.test_feedback import review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_reads_the_dashboard(page, live_server, claims, problems):
    Draft.objects.filter(workflow=claims).delete()
    drafts = make_drafts(claims, 3, consequence="low", cost={"usd": "0.02"})
    review(drafts[0], "adjuster", "approve")
    review(drafts[1], "adjuster", "edit", content="Better.", error_category="tone")
    review(drafts[2], "adjuster", "reject", error_category="hallucinated_fact")

    sign_in(page, "claims_owner")
    page.get_by_test_id("workflows").get_by_role("link", name="Claims intake summary").click()

    expect(page).to_have_url(f"{live_server.url}/workflows/claims-intake-summary/")
    figures = page.get_by_test_id("figures")
    expect(figures.locator('[data-figure="received"]')).to_have_text("3")
    expect(figures.locator('[data-figure="acceptance"]')).to_have_text("33.3 %")
    categories = page.get_by_test_id("error-categories")
    expect(categories.locator("tbody tr")).to_have_count(2)
    page.screenshot(path="/tmp/rq-owner-dashboard.png", full_page=True)

    categories.locator("tr", has_text="tone").get_by_role("link", name="example 1").click()
    expect(page.get_by_test_id("final-text")).to_have_text("Better.")
    expect(page.get_by_test_id("decision")).to_contain_text("error category: Tone")
    page.screenshot(path="/tmp/rq-owner-draft.png", full_page=True)
    page.go_back()

    page.get_by_label("Series").select_option("week")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("series").locator("thead")).to_contain_text("Week of")

    # Not earned: the switch says why instead of offering a click that can only be refused.
    expect(page.get_by_role("button", name="Switch auto-approval on")).to_be_disabled()
    expect(page.get_by_test_id("not-earned")).to_contain_text("human decisions on low drafts")
    expect(page.get_by_test_id("automation-state")).to_have_text("off")
