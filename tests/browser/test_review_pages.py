"""Reviewing through a real browser: claim from the inbox, edit on the review page, submit.

Uses the browser, page and problem-recording fixtures of tests/browser/conftest.py (Debian's
Chromium against pytest-django's live server); no page error, console error or dialog may occur.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from reviewqueue.models import Decision, Draft
from tests.browser.helpers import sign_in
from tests.reviewqueue.review_helpers import make_drafts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture
def quiet_queues(demo):
    """Only the drafts each test makes are waiting."""
    Draft.objects.update(status="approved")


def claim_next(page: Page, slug: str = "claims-standard") -> None:
    row = page.get_by_test_id("queues").locator("tbody tr", has_text=slug)
    row.get_by_role("button", name="Claim next").click()


def test_an_adjuster_claims_edits_and_submits_a_draft(
    page, live_server, claims, quiet_queues, problems
):
    [draft] = make_drafts(
        claims,
        1,
        title="Claim 9001 storm damage summary",
        content="Policyholder reports storm damage on 3 October.\nEstimated loss US$ 4,600.",
        sources=[
            {
                "id": "policy-9001",
                "title": "Home policy §4",
                "uri": "https://docs.example/policy/9001",
                "excerpt": "Storm damage to roofs is covered.",
            }
        ],
        metadata={"claim_amount": 4600, "region": "north"},
    )
    sign_in(page, "adjuster")
    row = page.get_by_test_id("queues").locator("tbody tr", has_text="claims-standard")
    expect(row.locator("td").nth(2)).to_have_text("1")
    page.screenshot(path="/tmp/rq-inbox.png", full_page=True)

    claim_next(page)

    expect(page).to_have_url(f"{live_server.url}/drafts/{draft.pk}/")
    expect(page.get_by_test_id("draft-title")).to_have_text("Claim 9001 storm damage summary")
    expect(page.get_by_test_id("draft-status")).to_have_text("In Review")
    expect(page.get_by_test_id("lease-expiry")).to_be_visible()
    page.screenshot(path="/tmp/rq-review.png", full_page=True)

    page.get_by_label("Edit: approve with my changes").check()
    page.get_by_label("Text", exact=True).fill(
        "Policyholder reports storm damage on 3 October.\nEstimated loss US$ 4,900."
    )
    page.get_by_label("Error category").select_option(label="Calculation error")
    page.get_by_label("Comment").fill("Loss figure was off.")
    page.get_by_role("button", name="Submit decision").click()

    expect(page.get_by_test_id("messages")).to_have_text(
        f"Approved {draft.external_id} with your edits."
    )
    assert page.url == f"{live_server.url}/"
    draft.refresh_from_db()
    assert draft.status == "edited"
    assert draft.current_content.endswith("US$ 4,900.")
    decision = Decision.objects.get(draft=draft)
    assert decision.error_category.slug == "calculation_error"
    assert decision.comment == "Loss figure was off."
    assert not problems, problems


def test_an_edit_without_a_category_shows_the_error_and_keeps_the_text(page, claims, quiet_queues):
    make_drafts(claims, 1)
    sign_in(page, "adjuster")
    claim_next(page)
    page.get_by_label("Edit: approve with my changes").check()
    page.get_by_label("Text", exact=True).fill("A better summary.")
    page.get_by_role("button", name="Submit decision").click()

    form = page.get_by_test_id("decision-form")
    expect(form.get_by_text("An error category is required to edit.")).to_be_visible()
    expect(page.get_by_label("Text", exact=True)).to_have_value("A better summary.")
    expect(page.get_by_label("Edit: approve with my changes")).to_be_checked()
    page.screenshot(path="/tmp/rq-review-error.png", full_page=True)


def test_renewing_the_lease_keeps_the_decision_being_typed(page, claims, quiet_queues, problems):
    [draft] = make_drafts(claims, 1)
    sign_in(page, "adjuster")
    claim_next(page)
    nearly_out = timezone.now() + timedelta(minutes=1)
    Draft.objects.filter(pk=draft.pk).update(lease_expires_at=nearly_out)
    page.get_by_label("Edit: approve with my changes").check()
    page.get_by_label("Text", exact=True).fill("My half-finished rewrite.")
    page.get_by_label("Error category").select_option(label="Tone")
    page.get_by_label("Comment").fill("Too curt.")
    page.get_by_role("button", name="Renew lease").click()

    expect(page.get_by_test_id("messages")).to_contain_text("now runs until")
    expect(page.get_by_label("Text", exact=True)).to_have_value("My half-finished rewrite.")
    expect(page.get_by_label("Edit: approve with my changes")).to_be_checked()
    expect(page.get_by_label("Error category")).to_have_value("tone")
    expect(page.get_by_label("Comment")).to_have_value("Too curt.")
    draft.refresh_from_db()
    assert draft.lease_expires_at > nearly_out and draft.status == "in_review"
    page.get_by_role("button", name="Submit decision").click()
    expect(page.get_by_test_id("messages")).to_have_text(
        f"Approved {draft.external_id} with your edits."
    )
    assert not problems, problems


def test_markup_in_a_draft_runs_nothing_on_the_review_page(page, claims, quiet_queues, problems):
    [draft] = make_drafts(
        claims,
        1,
        title=IMG,
        content=f"Before {IMG} after \u202eevil",
        sources=[{"id": "s1", "title": IMG, "uri": "javascript:alert(1)", "excerpt": IMG}],
        metadata={"note": IMG},
    )
    sign_in(page, "adjuster")
    claim_next(page)

    expect(page.get_by_test_id("draft-title")).to_have_text(IMG)
    expect(page.get_by_test_id("draft-text")).to_contain_text(f"Before {IMG} after")
    expect(
        page.get_by_text("This text contains invisible direction-control characters.")
    ).to_be_visible()
    expect(page.locator("img")).to_have_count(0)
    page.get_by_text("Show the text as stored").click()
    expect(page.get_by_text("after [U+202E]evil")).to_be_visible()
    page.screenshot(path="/tmp/rq-review-xss-holder.png", full_page=True)
    expect(page.locator("a[href^='javascript']")).to_have_count(0)
    sign_in(page, "senior_adjuster")  # and the read-only page another reviewer sees
    page.goto(f"/drafts/{draft.pk}/")
    expect(page.get_by_text("another reviewer is working on this draft")).to_be_visible()
    expect(page.get_by_test_id("draft-title")).to_have_text(IMG)
    page.screenshot(path="/tmp/rq-review-xss.png", full_page=True)
    page.wait_for_timeout(300)  # give a broken image's onerror the chance to fire
    assert not problems, problems


def test_an_admin_sees_every_queue_with_its_load(page, claims, quiet_queues):
    make_drafts(claims, 3)
    make_drafts(claims, 1, consequence="critical")
    sign_in(page, "admin")
    rows = page.get_by_test_id("queues").locator("tbody tr")
    expect(rows).to_have_count(8)
    expect(rows.filter(has_text="claims-critical").locator("td").nth(2)).to_have_text("1")
    page.screenshot(path="/tmp/rq-inbox-admin.png", full_page=True)
