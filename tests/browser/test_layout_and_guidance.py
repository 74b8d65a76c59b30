"""What a reviewer sees on a phone and when something needs their attention: no page wider
than the screen, the decision's errors named where the page opens, and the two-person state
said plainly."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from reviewqueue.models import Draft, Queue
from reviewqueue.services import decisions, leases
from tests.browser.helpers import sign_in
from tests.reviewqueue.review_helpers import make_drafts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 800}


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("senior_adjuster", "/"),
        ("auditor", "/audit/"),
        ("claims_owner", "/workflows/claims-intake-summary/"),
    ],
)
def test_no_page_is_wider_than_a_phone(page, who, path, problems):
    page.set_viewport_size(PHONE)
    sign_in(page, who)
    page.goto(path)
    page.screenshot(path=f"/tmp/phone{path.replace('/', '_')}.png")
    wide = page.evaluate(
        """[...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 376)
            .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"""
    )
    assert page_width(page) <= PHONE["width"], f"{path} is {page_width(page)} px wide: {wide}"
    if path == "/":
        claim = page.get_by_role("button", name="Claim next in claims-standard")
        box = claim.bounding_box()
        assert box and box["x"] + box["width"] <= PHONE["width"]  # reachable without scrolling
    assert not problems, problems


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}])
def test_a_long_source_link_or_value_wraps_inside_the_draft_page(page, claims, problems, viewport):
    Draft.objects.update(status="approved")
    link = "https://claims.example.com/policies/" + "HomePolicySection4" * 8 + "?ref=x"
    [draft] = make_drafts(
        claims,
        1,
        sources=[{"id": "policy", "title": "Policy", "uri": link}],
        metadata={"note": "x" * 300},
    )
    page.set_viewport_size(viewport)
    sign_in(page, "adjuster")
    page.goto(f"/drafts/{draft.pk}/")
    expect(page.get_by_role("link", name=link)).to_be_visible()
    assert page_width(page) <= viewport["width"]
    assert not problems, problems


def test_a_refused_decision_is_named_where_the_page_opens(page, claims, problems):
    Draft.objects.update(status="approved")
    make_drafts(claims, 1)
    sign_in(page, "adjuster")
    page.get_by_role("button", name="Claim next in claims-standard").click()
    page.get_by_label("Edit: approve with my changes").check()
    page.get_by_label("Text").fill("Changed.")
    page.get_by_role("button", name="Submit decision").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Your decision was not saved.")
    expect(summary).to_contain_text("Error category")
    assert summary.bounding_box()["y"] < 400  # at the top, not 1,600 px down
    # "Failed to load resource: 400" is the browser reporting the status, not a page error.
    assert not problems.page_errors and not problems.dialogs, problems
    assert all("400" in line for line in problems.console_errors), problems


def test_the_two_person_state_is_said_plainly(page, claims, problems):
    Draft.objects.update(status="approved")
    [draft] = make_drafts(claims, 1, consequence="critical")
    sign_in(page, "senior_adjuster")
    page.get_by_role("button", name="Claim next in claims-critical").click()
    expect(page.get_by_test_id("approvals")).to_have_text(
        "0 of 2: two different people must approve"
    )
    page.get_by_label("Approve as written").check()
    page.get_by_role("button", name="Submit decision").click()
    page.goto(f"/drafts/{draft.pk}/")
    expect(page.get_by_test_id("awaiting-others")).to_contain_text("You gave the first approval")
    expect(page.get_by_test_id("approvals")).to_have_text("1 of 2 (first: senior_adjuster)")
    assert not problems, problems


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}])
def test_what_reviewers_typed_keeps_its_lines_and_wraps_a_long_link(
    page, claims, problems, viewport
):
    Draft.objects.update(status="approved")
    [draft] = make_drafts(claims, 1)
    adjuster = User.objects.get(username="adjuster")
    leases.claim_next(queue=Queue.objects.get(slug="claims-standard"), user=adjuster)
    link = "https://claims.example.com/notes/" + "WaterDamageAssessment" * 15
    decisions.decide(
        draft_id=draft.pk,
        user=adjuster,
        action="escalate",
        reason=f"See {link}",
        comment="Checked:\n- the photos\n- the policy wording",
    )
    page.set_viewport_size(viewport)
    sign_in(page, "senior_adjuster")
    page.goto(f"/drafts/{draft.pk}/")
    comment = page.locator("p.said", has_text="Comment:")
    expect(comment).to_have_text("Comment: Checked:\n- the photos\n- the policy wording")
    assert page.evaluate("e => e.innerText", comment.element_handle()).count("\n") == 2
    page.screenshot(path=f"/tmp/rq-said-{viewport['width']}.png", full_page=True)
    assert page_width(page) <= viewport["width"]
    assert not problems, problems
